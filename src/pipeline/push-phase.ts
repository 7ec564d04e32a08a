// The push phase: decides how each tested target reaches its registries, and records what landed in the
// run's result — a single-platform target under its tags (registry/push-by-tag.ts; release tags kept by
// push.immutable-tags left as they are), a multi-platform one by digest per platform, then one index
// under every tag (registry/push-by-digest.ts, registry/image-index.ts), a fan-out entry by digest alone,
// its digest file written for `merge`. The registry-level operations live in registry/; this file only
// chooses among them. Runs only after every smoke test passed (commands/build-test-push.ts).
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
import { pushCredentials, stopIfCancelled, type PipelineState } from './state.js';

/** The registry client, with this run's credentials first and then the caller's docker config. */
export function registryClient(state: PipelineState): RegistryClient {
  return registryClientFor(pushCredentials(state.plan, state.options), state.options.env, state.exec);
}

export function inspector(state: PipelineState): Inspect {
  const client = registryClient(state);
  return (ref, platform) => client.inspect(ref, platform);
}

/** Existing release tags whose image has the layers of the tested one; any other difference refuses the push. */
export async function keptReleases(
  state: PipelineState,
  releases: readonly ExistingRelease[],
): Promise<ReleaseDecision> {
  if (releases.length === 0) return { keep: new Map() };
  const local = new Map<string, LocalImage>();
  for (const [i, job] of state.plan.jobs.entries()) {
    if (!releases.some((e) => e.jobId === job.id)) continue;
    const out = await state.docker.ok(
      ['image', 'inspect', '--format', '{{json .}}', state.result.images[i].imageId!],
      `inspect ${jobName(job)}`,
    );
    const data = JSON.parse(out.stdout) as { RootFS?: { Layers?: string[] }; Config?: Record<string, unknown> };
    local.set(job.id, { diffIds: data.RootFS?.Layers ?? [], runConfig: data.Config ?? {} });
  }
  return decideReleases(releases, state.plan.jobs, local);
}

/**
 * Tested images to their registries: a single-platform target under its tags; a multi-platform target by
 * digest per platform, then one index under every tag; a fan-out entry (options.only) by digest alone, its
 * digest written for `merge`.
 */
export async function pushAll(state: PipelineState, auth: Login, keep: ReadonlyMap<string, string>): Promise<void> {
  const targets = new Map<string, number[]>();
  state.plan.jobs.forEach((job, i) => targets.set(targetOf(job), [...(targets.get(targetOf(job)) ?? []), i]));
  for (const indexes of targets.values()) {
    stopIfCancelled(state.options.signal);
    const jobs = indexes.map((i) => state.plan.jobs[i]);
    if (jobs.length > 1 || state.options.filters?.only) await pushByDigestAndIndex(state, auth, indexes);
    else await pushTags(state, auth, keep, indexes[0]);
  }
}

async function pushTags(
  state: PipelineState,
  auth: Login,
  keep: ReadonlyMap<string, string>,
  i: number,
): Promise<void> {
  const job = state.plan.jobs[i];
  const image = state.result.images[i];
  for (const ref of job.pushRefs.filter((x) => keep.has(x))) {
    image.pushed.push({ ref, digest: keep.get(ref)!, kept: true });
    state.log.info(`kept ${ref}@${keep.get(ref)!}: the release tag exists with the same layers (push.immutable-tags)`);
  }
  const refs = job.pushRefs.filter((x) => !keep.has(x));
  try {
    const copyWithinRegistry = state.builder.kind === 'buildx' ? { client: registryClient(state) } : undefined;
    await pushByTag(state.docker, image.imageId!, refs, auth, state.log, {
      signal: state.options.signal,
      retry: state.options.retry,
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
  state: PipelineState,
  setup: { builder: BuilderInfo; builderName?: string; cache: CacheArgs },
): Promise<{ builder: BuilderInfo; builderName?: string; cache: CacheArgs }> {
  if (setup.builder.kind === 'buildx' && setup.builder.driver !== 'docker') return setup;
  state.containerBuilder ??= createContainerBuilder(state);
  const name = await state.containerBuilder;
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

async function pushByDigestAndIndex(state: PipelineState, auth: Login, indexes: readonly number[]): Promise<void> {
  const digests: PlatformDigest[] = [];
  const client = registryClient(state);
  for (const i of indexes) {
    const job = state.plan.jobs[i];
    const image = state.result.images[i];
    try {
      const setup = await digestBuilder(state, state.buildSetup.get(job.id)!);
      const smoke = image.smoke?.checks.every((c) => c.skipped) ? 'skipped' : 'passed';
      const d = await pushByDigest(
        { docker: state.docker, client, ...setup, auth, log: state.log, signal: state.options.signal },
        job,
        { imageId: image.imageId! },
        smoke,
      );
      digests.push(d);
      image.pushed.push(...d.refs.map((ref) => ({ ref: ref.slice(0, ref.lastIndexOf('@')), digest: d.digest })));
      if (state.options.filters?.only)
        await writeDigestFile(state.options.digestsDir ?? 'ml-image-digests', d, state.options.cwd);
    } catch (err: unknown) {
      image.pushError = err instanceof Error ? err.message : String(err);
      throw err;
    }
  }
  if (state.options.filters?.only) return;
  const first = state.plan.jobs[indexes[0]];
  const made = await createIndexes(
    { docker: state.docker, auth, log: state.log, client, signal: state.options.signal },
    first,
    digests,
  );
  for (const i of indexes) state.result.images[i].pushed.push(...made.map((m) => ({ ref: m.ref, digest: m.digest })));
}
