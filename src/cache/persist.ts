// Persisted RUN --mount=type=cache content, the running part: before a job's build its stored content is
// put back into the builder's cache mounts, after a successful build the mounts are exported and stored —
// with @actions/cache in the Action, in a local directory for the CLI. Both directions are one small
// BuildKit build on the same builder as the real one (mounts.ts writes them). Failures only warn.
import { withLock } from '../resources/lock.js';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BuilderInfo } from '../docker/builder.js';

// @actions/cache (with the Azure storage client under it) is most of the bundle's weight: loaded only when
// the Action really talks to GitHub's cache service, so that every other start of the CLI and the Action
// does not parse it (ncc puts it in a chunk of its own beside the entry).
const actionsCache = () => import('@actions/cache');
import type { Docker } from '../docker/docker.js';
import { baseImageOf } from '../meta/base-image.js';
import type { BuildJob } from '../plan/plan.js';
import { megabytes, seconds, type Logger } from '../log/log.js';
import { mountFingerprint } from './fingerprint.js';
import {
  cacheMountsOf,
  exportDockerfile,
  importDockerfile,
  mountKeys,
  NONCE,
  selectMounts,
  type CacheMount,
} from './mounts.js';

/** Where mount content lives between runs. */
export interface MountStore {
  /** Runs fn with the scope's stored content to itself (concurrent runs on one machine). */
  locked?<T>(scope: string, fn: () => Promise<T>): Promise<T>;
  /** The newest stored content for these keys, as a directory; undefined on a miss. */
  restore(
    key: string,
    restoreKeys: readonly string[],
    scope: string,
  ): Promise<{ dir: string; key: string } | undefined>;
  /** Stores a directory's content under a key (the directory may be moved). */
  save(dir: string, key: string, scope: string): Promise<void>;
  /** The key restore() would pick for this prefix, without fetching anything. */
  newest(prefix: string, scope: string): Promise<string | undefined>;
  /** Drops a working copy restore() made once it has been used (a store that is not itself the copy). */
  discard?(scope: string): Promise<void>;
}

/** The CLI's store: one directory per key under root; the newest key of a scope wins, older ones are removed. */
export class LocalMountStore implements MountStore {
  constructor(private readonly root: string) {}

  locked<T>(scope: string, fn: () => Promise<T>): Promise<T> {
    return withLock(`mounts ${this.root} ${scope}`, fn);
  }

  async restore(key: string, restoreKeys: readonly string[]): Promise<{ dir: string; key: string } | undefined> {
    const names = existsSync(this.root) ? await readdir(this.root) : [];
    for (const prefix of [key, ...restoreKeys]) {
      const hits = names.filter((n) => (prefix === key ? n === key : n.startsWith(prefix)));
      if (hits.length === 0) continue;
      const newest = (
        await Promise.all(hits.map(async (n) => ({ n, t: (await stat(path.join(this.root, n))).mtimeMs })))
      ).sort((a, b) => b.t - a.t)[0].n;
      return { dir: path.join(this.root, newest), key: newest };
    }
    return undefined;
  }

  async newest(prefix: string): Promise<string | undefined> {
    return (await this.restore('', [prefix]))?.key;
  }

  async save(dir: string, key: string, scope: string): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const target = path.join(this.root, key);
    await rm(target, { recursive: true, force: true });
    await rename(dir, target);
    const now = new Date();
    await utimes(target, now, now);
    for (const old of await readdir(this.root)) {
      if (old !== key && old.startsWith(`ml-image-mounts-${scope}-`))
        await rm(path.join(this.root, old), { recursive: true, force: true });
    }
  }
}

/**
 * The Action's store: GitHub's cache service through @actions/cache. Its entries are immutable and keyed
 * by path too, so content always goes through one fixed directory per scope.
 */
export class ActionsMountStore implements MountStore {
  constructor(private readonly root: string) {}

  private dirOf(scope: string): string {
    return path.join(this.root, scope);
  }

  async restore(
    key: string,
    restoreKeys: readonly string[],
    scope: string,
  ): Promise<{ dir: string; key: string } | undefined> {
    const dir = this.dirOf(scope);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const hit = await (await actionsCache()).restoreCache([dir], key, [...restoreKeys]);
    return hit ? { dir, key: hit } : undefined;
  }

  /** The fixed directory is shared by every run of the scope on this machine: one at a time. */
  locked<T>(scope: string, fn: () => Promise<T>): Promise<T> {
    return withLock(`mounts ${this.dirOf(scope)}`, fn);
  }

  async newest(prefix: string, scope: string): Promise<string | undefined> {
    // The primary key must be valid and should never match; the restore key asks for the newest entry.
    return (
      (await (
        await actionsCache()
      ).restoreCache([this.dirOf(scope)], `${prefix}lookup`, [prefix], { lookupOnly: true })) || undefined
    );
  }

  async save(dir: string, key: string, scope: string): Promise<void> {
    const fixed = this.dirOf(scope);
    if (path.resolve(dir) !== path.resolve(fixed)) {
      await rm(fixed, { recursive: true, force: true });
      await mkdir(path.dirname(fixed), { recursive: true });
      await rename(dir, fixed);
    }
    try {
      await (await actionsCache()).saveCache([fixed], key);
    } finally {
      await this.discard(scope);
    }
  }

  /** The working copy is uploaded or loaded into BuildKit: a self-hosted runner keeps no copy of it. */
  async discard(scope: string): Promise<void> {
    await rm(this.dirOf(scope), { recursive: true, force: true });
  }
}

export interface MountReport {
  mounts: string[];
  /** Not restored: the stored content was saved by a build of the same steps, which the layer cache holds. */
  unchanged?: { key: string };
  restored?: { bytes: number; ms: number; key: string };
  saved?: { bytes: number; ms: number; key: string; dropped: number };
}

export interface MountContext {
  docker: Docker;
  builder: BuilderInfo;
  builderName?: string;
  store: MountStore;
  log: Logger;
  /** What makes this run's save key unique (commit and run), e.g. "0123abc-4242-1". */
  unique: string;
  /** The layer cache keeps every step (max mode) and is imported: restoring can be skipped when the steps are unchanged. */
  layerCacheKeepsSteps: boolean;
  signal?: AbortSignal;
}

interface Selected {
  mounts: CacheMount[];
  helper: string;
  keys: { key: string; restoreKeys: string[]; sameSteps?: string };
}

/** The job's persisted mounts and the image to run the copies in; undefined when there is nothing to do. */
async function selected(
  job: BuildJob,
  ctx: MountContext,
  dockerfileText: string | undefined,
): Promise<Selected | undefined> {
  if (job.build.cache.mounts === false || dockerfileText === undefined) return undefined;
  const found = cacheMountsOf(dockerfileText);
  for (const why of found.skipped) ctx.log.warn(`${job.build.dockerfile}: ${why}`);
  const mounts = selectMounts(found.mounts, job.build.cache.mounts);
  if (mounts.length === 0) return undefined;
  // Any image with sh and cp serves; the base of the stage that declares the first mount has them if that
  // stage's RUN has (the Dockerfile up to that line ends in that stage).
  const upTo = dockerfileText.split(/\r?\n/).slice(0, mounts[0].line).join('\n');
  const helper = baseImageOf(upTo, job.build.buildArgs);
  if (!helper) {
    ctx.log.warn(
      `cache mounts of ${job.image}: the stage that declares them has no external base image to copy with; not persisted`,
    );
    return undefined;
  }
  const fingerprint = await mountFingerprint({
    dockerfile: dockerfileText,
    lastLine: found.lastLine,
    context: job.build.context,
    buildArgs: job.build.buildArgs,
    platform: job.platform,
  }).catch(() => undefined);
  return { mounts, helper, keys: mountKeys(job.build.cache.scope, found.declarations, ctx.unique, fingerprint) };
}

/** One copy build on the job's builder; the nonce makes its copy step run every time. */
async function copyBuild(
  ctx: MountContext,
  dockerfile: string,
  context: string,
  out: string,
): Promise<{ ok: boolean; why: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ml-image-mounts-df-'));
  try {
    await writeFile(path.join(dir, 'Dockerfile'), dockerfile);
    const common = [
      '--progress=plain',
      '--build-arg',
      `${NONCE}=${randomBytes(8).toString('hex')}`,
      '--file',
      path.join(dir, 'Dockerfile'),
      '--output',
      `type=local,dest=${out}`,
    ];
    const args =
      ctx.builder.kind === 'buildx'
        ? ['buildx', 'build', ...(ctx.builderName ? ['--builder', ctx.builderName] : []), ...common, context]
        : ['build', ...common, context];
    const r = await ctx.docker.call(args, {
      env: ctx.builder.kind === 'buildx' ? {} : { DOCKER_BUILDKIT: '1' },
      signal: ctx.signal,
      stream: true,
      timeoutMs: 30 * 60_000,
    });
    return { ok: r.exitCode === 0, why: (r.stderr.trim().split('\n').pop() ?? '').slice(0, 300) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Restores a job's mounts, holding its scope against other runs on this machine. */
export function restoreMounts(
  job: BuildJob,
  ctx: MountContext,
  dockerfileText: string | undefined,
): Promise<MountReport | undefined> {
  const run = () => restoreUnlocked(job, ctx, dockerfileText);
  return ctx.store.locked ? ctx.store.locked(job.build.cache.scope, run) : run();
}

/** Saves a job's mounts, holding its scope against other runs on this machine. */
export function saveMounts(
  job: BuildJob,
  ctx: MountContext,
  dockerfileText: string | undefined,
  report: MountReport | undefined,
): Promise<MountReport | undefined> {
  const run = () => saveUnlocked(job, ctx, dockerfileText, report);
  return ctx.store.locked ? ctx.store.locked(job.build.cache.scope, run) : run();
}

async function restoreUnlocked(
  job: BuildJob,
  ctx: MountContext,
  dockerfileText: string | undefined,
): Promise<MountReport | undefined> {
  const sel = await selected(job, ctx, dockerfileText);
  if (!sel) return undefined;
  const report: MountReport = { mounts: sel.mounts.map((m) => m.id) };
  const started = Date.now();
  try {
    const same = sel.keys.sameSteps;
    if (ctx.layerCacheKeepsSteps && same) {
      const newest = await ctx.store.newest(sel.keys.restoreKeys[0], job.build.cache.scope);
      if (newest?.startsWith(same)) {
        report.unchanged = { key: newest };
        ctx.log.info(
          `cache mounts of ${job.image} (${report.mounts.join(', ')}): not restored, the steps that use them are unchanged since ${newest} was saved and come from the layer cache`,
        );
        return report;
      }
    }
    try {
      const hit = await ctx.store.restore(sel.keys.key, sel.keys.restoreKeys, job.build.cache.scope);
      if (!hit) {
        ctx.log.info(`cache mounts of ${job.image} (${report.mounts.join(', ')}): nothing stored yet`);
        return report;
      }
      const out = await mkdtemp(path.join(os.tmpdir(), 'ml-image-mounts-out-'));
      try {
        const r = await copyBuild(ctx, importDockerfile(sel.helper, sel.mounts), hit.dir, out);
        if (!r.ok) throw new Error(r.why);
      } finally {
        await rm(out, { recursive: true, force: true });
      }
      const bytes = await sizeOf(hit.dir);
      report.restored = { bytes, ms: Date.now() - started, key: hit.key };
      ctx.log.info(
        `restored cache mounts of ${job.image} (${report.mounts.join(', ')}): ${megabytes(bytes)} in ${seconds(report.restored.ms)} from ${hit.key}`,
      );
    } finally {
      await ctx.store.discard?.(job.build.cache.scope);
    }
  } catch (err: unknown) {
    ctx.log.warn(
      `restoring the cache mounts of ${job.image} failed, building without them: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return report;
}

async function saveUnlocked(
  job: BuildJob,
  ctx: MountContext,
  dockerfileText: string | undefined,
  report: MountReport | undefined,
): Promise<MountReport | undefined> {
  const sel = await selected(job, ctx, dockerfileText);
  if (!sel) return report;
  const out: MountReport = report ?? { mounts: sel.mounts.map((m) => m.id) };
  const started = Date.now();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ml-image-mounts-save-'));
  const context = await mkdtemp(path.join(os.tmpdir(), 'ml-image-mounts-ctx-'));
  try {
    const r = await copyBuild(ctx, exportDockerfile(sel.helper, sel.mounts), context, dir);
    if (!r.ok) throw new Error(r.why);
    const dropped = await pruneToSize(dir, job.build.cache.mountsMaxBytes);
    const bytes = await sizeOf(dir);
    await ctx.store.save(dir, sel.keys.key, job.build.cache.scope);
    out.saved = { bytes, ms: Date.now() - started, key: sel.keys.key, dropped };
    const note =
      dropped > 0 ? `; ${dropped} oldest files dropped to stay under ${megabytes(job.build.cache.mountsMaxBytes)}` : '';
    ctx.log.info(
      `saved cache mounts of ${job.image} (${out.mounts.join(', ')}): ${megabytes(bytes)} in ${seconds(out.saved.ms)} as ${sel.keys.key}${note}`,
    );
  } catch (err: unknown) {
    ctx.log.warn(`saving the cache mounts of ${job.image} failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(context, { recursive: true, force: true });
  }
  return out;
}

interface FileEntry {
  file: string;
  size: number;
  mtimeMs: number;
}

async function filesOf(dir: string): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    const s = await stat(file);
    out.push({ file, size: s.size, mtimeMs: s.mtimeMs });
  }
  return out;
}

export async function sizeOf(dir: string): Promise<number> {
  return (await filesOf(dir)).reduce((n, f) => n + f.size, 0);
}

/** Drops the oldest files (by modification time) until the directory holds at most maxBytes; returns how many. */
export async function pruneToSize(dir: string, maxBytes: number): Promise<number> {
  const files = await filesOf(dir);
  let total = files.reduce((n, f) => n + f.size, 0);
  let dropped = 0;
  for (const f of files.sort((a, b) => a.mtimeMs - b.mtimeMs)) {
    if (total <= maxBytes) break;
    await rm(f.file, { force: true });
    total -= f.size;
    dropped++;
  }
  return dropped;
}
