// push.immutable-tags: a release tag that already exists in a registry is never moved to another image.
// Checked twice, each time as early as the facts allow: before building, an existing release built from
// another commit (its org.opencontainers.image.revision label) is refused without spending the build;
// before pushing, one from the same commit is compared by content — its layers (diff ids) and what it runs
// (env, command, entrypoint, user, workdir, ports, volumes, labels), but not the build's timestamps, which a
// rebuild from cache changes — identical is left as it is, different is refused, and in both cases nothing
// of the run has been pushed yet.
import { MlImageError } from '../errors.js';
import { jobName, type BuildJob, type Plan } from '../plan/plan.js';
import type { Logger } from '../log/log.js';
import type { RemoteImage } from './client.js';

const REVISION = 'org.opencontainers.image.revision';

/** A full version — 1.2.3, v2.0.0-rc.1, 1.2.3.post1, 1.2.3-cuda12 — not a moving tag (latest, main, 1.2, sha-…). */
export function isReleaseTag(tag: string): boolean {
  return /^v?\d+\.\d+\.\d+(?:[-+._]?[0-9A-Za-z][0-9A-Za-z.+_-]*)?$/.test(tag);
}

const tagOf = (ref: string): string => ref.slice(ref.lastIndexOf(':') + 1);

/** An existing release tag this run would push again, and what it points at now. */
export interface ExistingRelease {
  jobId: string;
  ref: string;
  remote: RemoteImage;
}

export type Inspect = (ref: string, platform?: string) => Promise<RemoteImage | undefined>;

/**
 * Before the build: every release tag of the plan that exists already. One built from another commit is
 * refused here (all of them named in one error); the rest are compared with the built image before pushing.
 */
export async function checkReleasesBeforeBuild(plan: Plan, inspect: Inspect, log: Logger): Promise<ExistingRelease[]> {
  const existing: ExistingRelease[] = [];
  const refused: string[] = [];
  for (const job of plan.jobs) {
    const ours = job.labels[REVISION];
    for (const ref of job.pushRefs.filter((r) => isReleaseTag(tagOf(r)))) {
      const remote = await inspect(ref, job.platform);
      if (!remote) continue;
      const theirs = remote.labels[REVISION];
      if (theirs && ours && theirs !== ours) {
        refused.push(`${ref} (${remote.digest}, built from ${theirs.slice(0, 12)}; this run is ${ours.slice(0, 12)})`);
        continue;
      }
      log.info(
        `${ref} exists (${remote.digest}${theirs ? `, built from ${theirs.slice(0, 12)}` : ''}): it is kept unless the new image has the same layers`,
      );
      existing.push({ jobId: job.id, ref, remote });
    }
  }
  if (refused.length > 0) {
    throw new MlImageError(
      `push.immutable-tags: release tag${refused.length > 1 ? 's' : ''} already in the registry from another commit: ${refused.join('; ')}. Nothing was built or pushed; release under a new version.`,
    );
  }
  return existing;
}

export interface ReleaseDecision {
  /** References already pointing at an image with the same layers: not pushed again. */
  keep: Map<string, string>;
}

/**
 * Before any push: each existing release tag must hold the same layers as the tested image, else the whole
 * push is refused (nothing has been pushed yet). The same layers: the tag stays as it is.
 */
export function decideReleases(
  existing: readonly ExistingRelease[],
  jobs: readonly BuildJob[],
  local: ReadonlyMap<string, LocalImage>,
): ReleaseDecision {
  const keep = new Map<string, string>();
  const refused: string[] = [];
  for (const e of existing) {
    const job = jobs.find((j) => j.id === e.jobId)!;
    const mine = local.get(job.id);
    const why = mine ? difference(mine, e.remote) : 'the tested image could not be read';
    if (!why) keep.set(e.ref, e.remote.digest);
    else refused.push(`${e.ref} (${e.remote.digest}) differs from the tested ${jobName(job)} (${why})`);
  }
  if (refused.length > 0) {
    throw new MlImageError(
      `push.immutable-tags: ${refused.join('; ')}: a release tag is not moved to other content. Nothing was pushed; release under a new version.`,
    );
  }
  return { keep };
}

/** The tested image as the engine describes it: layer diff ids and the runtime config. */
export interface LocalImage {
  diffIds: string[];
  runConfig: Record<string, unknown>;
}

/** What the image runs with; the build's own timestamp label is left out (a rebuild changes it). */
const RUN_KEYS = ['Env', 'Cmd', 'Entrypoint', 'User', 'WorkingDir', 'ExposedPorts', 'Volumes', 'StopSignal', 'Labels'];
const VOLATILE_LABELS = new Set(['org.opencontainers.image.created']);

function canonical(config: Record<string, unknown>): string {
  const pick = (k: string): unknown => {
    let v = config[k];
    if (k === 'Labels' && v && typeof v === 'object')
      v = Object.fromEntries(Object.entries(v as Record<string, string>).filter(([l]) => !VOLATILE_LABELS.has(l)));
    const empty =
      v === null ||
      v === undefined ||
      v === '' ||
      (Array.isArray(v) && v.length === 0) ||
      (typeof v === 'object' && v !== null && Object.keys(v).length === 0);
    return empty ? null : v;
  };
  const sorted = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, x]) => [k, sorted(x)]),
        )
      : v;
  return JSON.stringify(RUN_KEYS.map((k) => [k, sorted(pick(k))]));
}

/** Why two images differ, in a few words; undefined when they do not. */
export function difference(local: LocalImage, remote: RemoteImage): string | undefined {
  if (local.diffIds.length === 0) return 'the tested image has no layers listed';
  if (!sameList(local.diffIds, remote.diffIds)) return 'other layers';
  const a = JSON.parse(canonical(local.runConfig)) as [string, unknown][];
  const b = JSON.parse(canonical(remote.runConfig)) as [string, unknown][];
  const keys = a.filter(([, v], i) => JSON.stringify(v) !== JSON.stringify(b[i][1])).map(([k]) => k);
  return keys.length > 0 ? `other ${keys.join(', ')}` : undefined;
}

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);
