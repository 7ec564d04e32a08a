// The push phase: decides how each tested target reaches its registries, and records what landed in the
// run's result — a single-platform target under its tags (registry/push-by-tag.ts; release tags kept by
// push.immutable-tags left as they are), a multi-platform one by digest per platform, then one index
// under every tag (registry/push-by-digest.ts, registry/image-index.ts), a fan-out entry by digest alone,
// its digest file written for `merge`. The registry-level operations live in registry/; this file only
// chooses among them. Runs only after every smoke test passed (pipeline.ts).
import type { BuilderInfo } from '../docker/builder.js';
import type { CacheArgs } from '../cache/cache.js';
import { MlImageError } from '../errors.js';
import { jobName, targetOf } from '../plan/plan.js';
import { registryClientFor, type Login } from '../registry/auth.js';
import type { RegistryClient } from '../registry/client.js';
import {
  decideReleases,
  type ExistingRelease,
  type Inspect,
  type LocalImage,
  type ReleaseDecision,
} from '../registry/immutable.js';
import { pushByTag } from '../registry/push-by-tag.js';
import { createIndexes } from '../registry/image-index.js';
import { pushByDigest, type PlatformDigest } from '../registry/push-by-digest.js';
import { createContainerBuilder } from './builders.js';
import { writeDigestFile } from './digests.js';
import { pushCredentials, stopIfCancelled, type Run } from './run-state.js';

/** The registry client, with this run's credentials first and then the caller's docker config. */
function inspectClient(r: Run): RegistryClient {
  return registryClientFor(pushCredentials(r.plan, r.options), r.options.env, r.exec);
}

export function inspector(r: Run): Inspect {
  const client = inspectClient(r);
  return (ref, platform) => client.inspect(ref, platform);
}

/** Existing release tags whose image has the layers of the tested one; any other difference refuses the push. */
export async function keptReleases(r: Run, releases: readonly ExistingRelease[]): Promise<ReleaseDecision> {
  if (releases.length === 0) return { keep: new Map() };
  const local = new Map<string, LocalImage>();
  for (const [i, job] of r.plan.jobs.entries()) {
    if (!releases.some((e) => e.jobId === job.id)) continue;
    const out = await r.docker.ok(
      ['image', 'inspect', '--format', '{{json .}}', r.result.images[i].imageId!],
      `inspect ${jobName(job)}`,
    );
    const data = JSON.parse(out.stdout) as { RootFS?: { Layers?: string[] }; Config?: Record<string, unknown> };
    local.set(job.id, { diffIds: data.RootFS?.Layers ?? [], runConfig: data.Config ?? {} });
  }
  return decideReleases(releases, r.plan.jobs, local);
}

/**
 * Tested images to their registries: a single-platform target under its tags; a multi-platform target by
 * digest per platform, then one index under every tag; a fan-out entry (options.only) by digest alone, its
 * digest written for `merge`.
 */
export async function pushAll(r: Run, auth: Login, keep: ReadonlyMap<string, string>): Promise<void> {
  const targets = new Map<string, number[]>();
  r.plan.jobs.forEach((job, i) => targets.set(targetOf(job), [...(targets.get(targetOf(job)) ?? []), i]));
  for (const indexes of targets.values()) {
    stopIfCancelled(r.options.signal);
    const jobs = indexes.map((i) => r.plan.jobs[i]);
    if (jobs.length > 1 || r.options.filters?.only) await pushByDigestAndIndex(r, auth, indexes);
    else await pushTags(r, auth, keep, indexes[0]);
  }
}

async function pushTags(r: Run, auth: Login, keep: ReadonlyMap<string, string>, i: number): Promise<void> {
  const job = r.plan.jobs[i];
  const image = r.result.images[i];
  for (const ref of job.pushRefs.filter((x) => keep.has(x))) {
    image.pushed.push({ ref, digest: keep.get(ref)!, kept: true });
    r.log.info(`kept ${ref}@${keep.get(ref)!}: the release tag exists with the same layers (push.immutable-tags)`);
  }
  const refs = job.pushRefs.filter((x) => !keep.has(x));
  try {
    const copyWithinRegistry = r.builder.kind === 'buildx' ? { client: inspectClient(r) } : undefined;
    await pushByTag(r.docker, image.imageId!, refs, auth, r.log, {
      signal: r.options.signal,
      retry: r.options.retry,
      copyWithinRegistry,
      onPushed: (p) => image.pushed.push(p),
    });
  } catch (err: unknown) {
    image.pushError = err instanceof Error ? err.message : String(err);
    throw err;
  }
}

/**
 * The builder that pushes by digest: buildx's docker driver cannot (buildx 0.13), so a docker-container
 * builder for the run does it, reading the job's layer cache (the registry cache its build just wrote).
 */
async function digestBuilder(
  r: Run,
  setup: { builder: BuilderInfo; builderName?: string; cache: CacheArgs },
): Promise<{ builder: BuilderInfo; builderName?: string; cache: CacheArgs }> {
  if (setup.builder.kind === 'buildx' && setup.builder.driver !== 'docker') return setup;
  r.containerBuilder ??= createContainerBuilder(r);
  const name = await r.containerBuilder;
  if (!name)
    throw new MlImageError(
      'pushing by digest needs a docker-container builder (the docker driver cannot), which could not be created',
    );
  return {
    ...setup,
    builder: { ...setup.builder, kind: 'buildx', name, driver: 'docker-container' },
    builderName: name,
  };
}

async function pushByDigestAndIndex(r: Run, auth: Login, indexes: readonly number[]): Promise<void> {
  const digests: PlatformDigest[] = [];
  const client = inspectClient(r);
  for (const i of indexes) {
    const job = r.plan.jobs[i];
    const image = r.result.images[i];
    try {
      const setup = await digestBuilder(r, r.buildSetup.get(job.id)!);
      const smoke = image.smoke?.checks.every((c) => c.skipped) ? 'skipped' : 'passed';
      const d = await pushByDigest(
        { docker: r.docker, client, ...setup, auth, log: r.log, signal: r.options.signal },
        job,
        { imageId: image.imageId! },
        smoke,
      );
      digests.push(d);
      image.pushed.push(...d.refs.map((ref) => ({ ref: ref.slice(0, ref.lastIndexOf('@')), digest: d.digest })));
      if (r.options.filters?.only) await writeDigestFile(r.options.digestsDir ?? 'ml-image-digests', d, r.options.cwd);
    } catch (err: unknown) {
      image.pushError = err instanceof Error ? err.message : String(err);
      throw err;
    }
  }
  if (r.options.filters?.only) return;
  const first = r.plan.jobs[indexes[0]];
  const made = await createIndexes(
    { docker: r.docker, auth, log: r.log, client, signal: r.options.signal },
    first,
    digests,
  );
  for (const i of indexes) r.result.images[i].pushed.push(...made.map((m) => ({ ref: m.ref, digest: m.digest })));
}
