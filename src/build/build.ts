// Builds one job's image with BuildKit and loads it into the local engine. The image id comes from the
// --iidfile BuildKit writes, its size from the engine; the progress output only gives the report its step
// counts and, on failure, the Dockerfile line to point at.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { displayPath } from '../config/source-map.js';
import type { CacheArgs } from '../cache/cache.js';
import type { BuilderInfo } from '../docker/builder.js';
import type { Docker } from '../docker/docker.js';
import { MlImageError } from '../errors.js';
import { withLock } from '../resources/lock.js';
import type { BuildJob } from '../plan/plan.js';
import { buildCommand } from './build-command.js';
import { cacheMountStepsRan, countSteps, failedStep, type StepCounts } from './progress.js';

export interface BuiltImage {
  imageId: string;
  durationMs: number;
  steps: StepCounts;
  /** Bytes, as the engine reports the image's size; undefined when it would not say. */
  sizeBytes?: number;
  /** A step with a RUN --mount=type=cache ran (its mounts may hold new content). */
  mountStepsRan: boolean;
  /** The image config's digest (buildx metadata; else the iidfile): what a push by digest must reproduce. */
  configDigest: string;
}

export interface BuildOptions {
  builder: BuilderInfo;
  cache: CacheArgs;
  /** A buildx builder instance created or named for this run. */
  builderName?: string;
  /** The private docker config holding registry logins, so --cache-from can read a private registry. */
  configDir?: string;
  /** More local names (see BuildCommandOptions.extraTags). */
  extraTags?: readonly string[];
  /** Values of the job's secrets by name: only the build process's environment holds them. */
  secretEnv?: Record<string, string>;
  signal?: AbortSignal;
  /** A problem that costs only the cache (the build goes on). */
  warn?: (message: string) => void;
}

/** The image config's digest from buildx's --metadata-file (the iidfile names the index when attestations make one). */
export async function configDigestOf(metadataFile: string): Promise<string | undefined> {
  try {
    const meta = JSON.parse(await readFile(metadataFile, 'utf8')) as Record<string, unknown>;
    const d = meta['containerimage.config.digest'];
    return typeof d === 'string' && /^sha256:[a-f0-9]{64}$/.test(d) ? d : undefined;
  } catch {
    return undefined;
  }
}

export async function buildImage(docker: Docker, job: BuildJob, options: BuildOptions): Promise<BuiltImage> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ml-image-build-'));
  try {
    const iidFile = path.join(dir, 'iid');
    const metadataFile = options.builder.kind === 'buildx' ? path.join(dir, 'metadata.json') : undefined;
    const cmd = buildCommand(job, options.builder, {
      iidFile,
      cache: options.cache,
      builderName: options.builderName,
      metadataFile,
      extraTags: options.extraTags,
      // Used when the image has to go through a tarball (a reproducible image on the docker driver).
      tarball: path.join(dir, 'image.tar'),
    });
    const started = Date.now();
    const result = await docker.call(cmd.args, {
      env: { ...cmd.env, ...options.secretEnv },
      stream: true,
      signal: options.signal,
      configDir: options.configDir,
    });
    const output = `${result.stdout}\n${result.stderr}`;
    if (result.exitCode !== 0) throw await buildFailure(job, output, result.exitCode);
    if (options.cache.localSwap) await swapLocalCache(options.cache.localSwap, options.warn ?? (() => undefined));
    if (cmd.tarball) await loadTarball(docker, job, cmd.tarball, options.signal);
    const built = (await readFile(iidFile, 'utf8')).trim();
    if (!/^sha256:[a-f0-9]{64}$/.test(built)) throw new MlImageError(`build of ${job.image} wrote no image id`);
    const durationMs = Date.now() - started;
    // The engine's own id for the image, which is what `docker run` and `docker tag` take: BuildKit's iidfile
    // holds the config digest, while an engine on the containerd image store names an image loaded from a
    // container builder by its manifest digest.
    const inspect = await docker.call(
      ['image', 'inspect', '--format', '{{.Id}} {{.Size}}', job.localRefs[0] ?? built],
      { timeoutMs: 30_000 },
    );
    const [engineId, size] = inspect.exitCode === 0 ? inspect.stdout.trim().split(' ') : [];
    const imageId = engineId && /^sha256:[a-f0-9]{64}$/.test(engineId) ? engineId : built;
    return {
      imageId,
      durationMs,
      steps: countSteps(output),
      sizeBytes: size && /^\d+$/.test(size) ? Number(size) : undefined,
      mountStepsRan: cacheMountStepsRan(output),
      configDigest: (metadataFile && (await configDigestOf(metadataFile))) || built,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The built image into the engine, under the names the build gave it; the containerd store keeps its digest. */
async function loadTarball(docker: Docker, job: BuildJob, tarball: string, signal?: AbortSignal): Promise<void> {
  const r = await docker.call(['load', '--quiet', '--input', tarball], { timeoutMs: 30 * 60_000, signal });
  await rm(tarball, { force: true });
  if (r.exitCode !== 0)
    throw new MlImageError(
      `loading the build of ${job.image} into the engine failed: ${r.stderr.trim().split('\n').pop() ?? ''}`,
    );
}

/**
 * BuildKit appends to a local cache forever: the fresh export replaces the old one. The swap holds a lock
 * (two runs of one scope swap one at a time) and happens only when the export is complete — BuildKit writes
 * index.json last, so an export cut short (a full disk) leaves the previous cache as it was. A failure
 * only costs the cache.
 */
async function swapLocalCache(swap: { from: string; to: string }, warn: (message: string) => void): Promise<void> {
  const old = `${swap.from}.old`;
  try {
    if (!existsSync(path.join(swap.from, 'index.json'))) {
      // BuildKit ignores a failed cache export (ignore-error=true) and says nothing; this is where it shows.
      warn(
        `the local cache export to ${path.dirname(swap.to)} did not complete (a full disk?); the previous cache is kept`,
      );
      return;
    }
    await withLock(
      `local cache ${swap.to}`,
      async () => {
        if (existsSync(swap.to)) await rename(swap.to, old);
        try {
          await rename(swap.from, swap.to);
        } catch (err: unknown) {
          if (existsSync(old) && !existsSync(swap.to)) await rename(old, swap.to);
          throw err;
        }
      },
      5 * 60_000,
    );
  } catch (err: unknown) {
    warn(
      `the local cache was not replaced: ${err instanceof Error ? err.message : String(err)}; the previous cache is kept`,
    );
  } finally {
    await rm(swap.from, { recursive: true, force: true });
    await rm(old, { recursive: true, force: true });
  }
}

/** The error of a failed build: BuildKit's own last error line, located on the Dockerfile step when it can be. */
async function buildFailure(job: BuildJob, output: string, exitCode: number): Promise<MlImageError> {
  const last = output
    .trim()
    .split('\n')
    .slice(-40)
    .filter((l) => /error|failed/i.test(l))
    .pop();
  const dockerfile = await readFile(job.build.dockerfile, 'utf8').catch(() => undefined);
  const step = failedStep(output, dockerfile);
  const where = step?.line ? { file: displayPath(job.build.dockerfile), line: step.line, column: 1 } : undefined;
  const what = step?.step ? ` at ${step.step}` : '';
  // BuildKit's last line then only says the step exited 1; the step's own output says why.
  if (/no space left on device/i.test(output)) {
    return new MlImageError(
      `build of ${job.image} failed${what}: the engine's disk is full (No space left on device); free space on it (docker system prune, docker builder prune) or build on a larger disk`,
      1,
      where,
    );
  }
  return new MlImageError(
    `build of ${job.image} failed${what}${last ? `: ${last.replace(/^#\d+ /, '').trim()}` : ` (exit ${exitCode})`}`,
    1,
    where,
  );
}
