// A tested platform build pushed by digest (no tag) to every registry: what a multi-platform target and
// each fan-out entry push before any tag exists (the tags come from one index, image-index.ts). The push
// by digest is the tested build run again from the cache with the same SOURCE_DATE_EPOCH; what landed is
// read back and must have the tested image's layers and run config, so what lands is the image that
// passed its smoke test. Used in one job (several platforms) and across a fan-out matrix (each entry
// pushes by digest and leaves its PlatformDigest for `merge`).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildCommand } from '../build/build-command.js';
import type { CacheArgs } from '../cache/cache.js';
import type { BuilderInfo } from '../docker/builder.js';
import type { Docker } from '../docker/docker.js';
import { MlImageError } from '../errors.js';
import { jobName, type BuildJob } from '../plan/plan.js';
import { tailOf } from '../process/exec.js';
import type { Logger } from '../log/log.js';
import type { Login } from './auth.js';
import type { RegistryClient } from './client.js';
import { difference, type LocalImage } from './immutable.js';

/** One platform build pushed by digest: what a fan-out entry hands to `merge`. */
export interface PlatformDigest {
  /** The plan's job (matrix entry) id. */
  entry: string;
  target: string;
  image: string;
  variant: string;
  platform: string | null;
  /** The pushed manifest (or index, with attestations) digest, the same in every registry. */
  digest: string;
  /** The image config digest: the tested image's. */
  configDigest: string;
  /** repository@digest in every push registry. */
  refs: string[];
  smoke: 'passed' | 'skipped';
}

/** The repositories (no tag) of a job's push references, one per registry. */
export function repositoriesOf(job: Pick<BuildJob, 'pushRefs'>): string[] {
  return [...new Set(job.pushRefs.map((r) => r.slice(0, r.lastIndexOf(':'))))];
}

export interface PushByDigestContext {
  docker: Docker;
  client: RegistryClient;
  builder: BuilderInfo;
  builderName?: string;
  cache: CacheArgs;
  auth: Login;
  log: Logger;
  signal?: AbortSignal;
}

/**
 * The tested image as the engine has it, for the comparison with what a push by digest put in the registry.
 * Config digests cannot be compared: builders serialize the same config differently.
 */
async function localImage(docker: Docker, imageId: string): Promise<LocalImage> {
  const r = await docker.ok(['image', 'inspect', '--format', '{{json .}}', imageId], `inspect ${imageId}`, {
    timeoutMs: 30_000,
    quiet: true,
  });
  const data = JSON.parse(r.stdout) as { RootFS?: { Layers?: string[] }; Config?: Record<string, unknown> };
  return { diffIds: data.RootFS?.Layers ?? [], runConfig: data.Config ?? {} };
}

export async function pushByDigest(
  ctx: PushByDigestContext,
  job: BuildJob,
  tested: { imageId: string },
  smoke: PlatformDigest['smoke'],
): Promise<PlatformDigest> {
  if (ctx.builder.kind !== 'buildx')
    throw new MlImageError(`${jobName(job)}: pushing by digest needs buildx (the engine's built-in BuildKit cannot)`);
  const repos = repositoriesOf(job);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ml-image-push-'));
  try {
    const iidFile = path.join(dir, 'iid');
    const metadataFile = path.join(dir, 'metadata.json');
    const cmd = buildCommand(job, ctx.builder, {
      iidFile,
      cache: ctx.cache,
      builderName: ctx.builderName,
      metadataFile,
      pushByDigest: repos,
    });
    const started = Date.now();
    const r = await ctx.docker.call(cmd.args, {
      env: cmd.env,
      stream: true,
      signal: ctx.signal,
      configDir: ctx.auth.configDir,
      timeoutMs: 60 * 60_000,
    });
    if (r.exitCode !== 0)
      throw new MlImageError(
        `push by digest of ${jobName(job)} (${job.platform ?? 'default platform'}) to ${repos.join(', ')} failed: ${tailOf(r, 3)}`,
      );
    const meta = JSON.parse(await readFile(metadataFile, 'utf8')) as Record<string, unknown>;
    const reported = meta['containerimage.digest'];
    const digest = typeof reported === 'string' ? reported : '';
    if (!/^sha256:[a-f0-9]{64}$/.test(digest))
      throw new MlImageError(`push by digest of ${jobName(job)} reported no digest`);
    // What landed must be the tested image: the same layers and the same run config (labels included).
    const pushed = await ctx.client.inspect(`${repos[0]}@${digest}`, job.platform ?? undefined);
    const why = pushed ? difference(await localImage(ctx.docker, tested.imageId), pushed) : 'it is not in the registry';
    const configDigest = pushed?.configDigest ?? '';
    if (why) {
      throw new MlImageError(
        `push by digest of ${jobName(job)} (${job.platform ?? 'default platform'}) is not the tested image (${why}): a step did not come from the cache; nothing was tagged`,
      );
    }
    ctx.log.info(
      `pushed ${jobName(job)} (${job.platform ?? 'default platform'}) by digest: ${repos.map((x) => `${x}@${digest}`).join(', ')} (${((Date.now() - started) / 1000).toFixed(1)}s; the tested image's layers and config)`,
    );
    return {
      entry: job.id,
      target: job.target ?? job.id,
      image: job.image,
      variant: job.variant,
      platform: job.platform ?? null,
      digest,
      configDigest,
      refs: repos.map((x) => `${x}@${digest}`),
      smoke,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
