// The no-change fast path, before anything is built: each job's build key (build/probe.ts) looked up in
// every repository it pushes to (proof/store.ts findByKey). When every job of the run finds a test record
// of the same digest in each of its repositories — for this smoke-test spec, on a runner that could run
// all of it, naming this key — nothing is built, tested or uploaded: each tag is pointed at the proven
// digest with one manifest PUT. Anything else (a miss, a record missing in one repository, a tampered
// record, a release tag that holds another digest) leaves the run to the full path, which records the key
// it built so that the next run can take this one. A run is proven as a whole or not at all: the
// "only tested images are pushed" rule then holds without mixing proven and freshly tested images.
import { readFileSync } from 'node:fs';
import { probeBuild } from '../build/probe.js';
import { timestampRewrite } from '../build/build-command.js';
import { MlImageError } from '../errors.js';
import { jobName, targetOf, type BuildJob } from '../plan/plan.js';
import { judge, specHash } from '../proof/record.js';
import { findByKey } from '../proof/store.js';
import type { Login } from '../registry/auth.js';
import { parseRef, type RegistryClient } from '../registry/client.js';
import type { ExistingRelease } from '../registry/immutable.js';
import { seconds } from '../log/log.js';
import { cacheFor } from './build-phase.js';
import { repositoryOf } from './proof-phase.js';
import { registryClient } from './push-phase.js';
import type { PipelineState } from './state.js';

/** What proves one job: the digest every one of its repositories holds a record for, and that record. */
export interface Proven {
  digest: string;
  key: string;
  /** The record manifest's digest in the first repository, and what it says. */
  record: string;
  run: string;
  time: string;
}

/** Why a job cannot take the fast path at all (before any probe), or undefined when it can. */
export function notEligible(
  state: Pick<PipelineState, 'plan' | 'options' | 'builder'>,
  job: BuildJob,
): string | undefined {
  const { plan, options, builder } = state;
  if (!plan.push) return 'nothing is pushed';
  if (!job.smokeTest) return 'it has no smoke test, so no record proves it';
  if (job.smokeTest.retest === 'always') return 'smoke-test.retest is always';
  if (!job.build.reproducible) return 'reproducible is false';
  if (builder.kind !== 'buildx') return "the engine's built-in BuildKit cannot resolve a build without running it";
  if (options.filters?.only || plan.jobs.filter((j) => targetOf(j) === targetOf(job)).length > 1)
    return 'it is pushed by digest (several platforms, or a fan-out entry)';
  const rewrite = timestampRewrite(builder);
  if (rewrite.how === 'none') return rewrite.reason;
  return undefined;
}

/** The spec hash and GPU need a record of this job must match (what proof-phase.ts writes). */
export const wantedSpec = (job: BuildJob): string => specHash(job.smokeTest, job.gpu, (f) => readFileSync(f));
const needsGpu = (job: BuildJob): boolean => job.gpu && job.smokeTest?.gpu !== 'none';

/**
 * Probes every job and looks its key up; the proof of each job when all are proven, else undefined (the
 * reason logged once). Keys found on the way are kept in state.buildKeys for the full path's records.
 */
export async function findProven(
  state: PipelineState,
  auth: Login,
  releases: readonly ExistingRelease[],
): Promise<Map<string, Proven> | undefined> {
  try {
    return await provenJobs(state, auth, releases);
  } catch (err: unknown) {
    if (state.options.signal?.aborted) throw err;
    // Looking for proof can only save work: a registry or probe that fails sends the run the full way.
    state.log.warn(`no fast path: ${err instanceof Error ? err.message : String(err)}; building and testing`);
    return undefined;
  }
}

async function provenJobs(
  state: PipelineState,
  auth: Login,
  releases: readonly ExistingRelease[],
): Promise<Map<string, Proven> | undefined> {
  const client = registryClient(state);
  const proven = new Map<string, Proven>();
  for (const job of state.plan.jobs) {
    // --retest skips the lookup only: the full path still records the key, so the next run can be proven.
    const why = state.options.retest ? 'a re-test was asked for' : notEligible(state, job);
    if (why) {
      fullPath(state, job, why);
      return undefined;
    }
    const cache = await cacheFor(state, job);
    if (cache.choice.backend === 'none') {
      fullPath(state, job, 'it has no layer cache to resolve from');
      return undefined;
    }
    const probe = await probeBuild(state.docker, job, {
      builder: cache.builder,
      builderName: cache.builderName,
      cache: cache.args,
      configDir: auth.configDir,
      secretEnv: Object.fromEntries(job.build.secrets.map((n) => [n, state.secrets[n]])),
      signal: state.options.signal,
    });
    if ('miss' in probe) {
      fullPath(state, job, `${probe.miss} (probed in ${seconds(probe.ms)})`);
      return undefined;
    }
    state.buildKeys.set(job.id, probe.key);
    state.log.info(
      `build key of ${jobName(job)}: ${probe.key} (resolved from the layer cache in ${seconds(probe.ms)})`,
    );
    const found = await proofOf(state, client, job, probe.key, releases);
    if (typeof found === 'string') {
      fullPath(state, job, found);
      return undefined;
    }
    proven.set(job.id, found);
  }
  return proven;
}

/** Logs, once, why a job takes the full path (the caller then gives up on the fast path for the run). */
function fullPath(state: PipelineState, job: BuildJob, why: string): void {
  state.log.info(`${jobName(job)} is built and tested: ${why}`);
}

/** The proof of one job in each of its repositories, or why there is none. */
async function proofOf(
  state: PipelineState,
  client: RegistryClient,
  job: BuildJob,
  key: string,
  releases: readonly ExistingRelease[],
): Promise<Proven | string> {
  const spec = wantedSpec(job);
  let proven: Proven | undefined;
  for (const repository of [...new Set(job.pushRefs.map(repositoryOf))]) {
    const found = await findByKey(client, repository, key).catch((err: unknown) =>
      err instanceof Error ? err.message : String(err),
    );
    if (found === undefined) return `no test record for its build key in ${repository}`;
    if (typeof found === 'string') {
      state.log.warn(`the test record for build key ${key} in ${repository} is ignored: ${found}`);
      return `no readable test record in ${repository}`;
    }
    const j = judge(found.record, found.attachedTo, {
      digest: proven?.digest ?? found.attachedTo,
      spec,
      gpu: needsGpu(job),
      buildKey: key,
    });
    if (!j.ok) {
      if (j.tampered) state.log.warn(`the test record ${found.manifest} in ${repository} is ignored: ${j.reason}`);
      return `the record in ${repository} does not prove it: ${j.reason}`;
    }
    const image = await client.manifest({ ...parseRef(repository), reference: found.attachedTo });
    if (!image) return `${repository} no longer holds ${found.attachedTo}`;
    proven ??= {
      digest: found.attachedTo,
      key,
      record: found.manifest,
      run: found.record.run,
      time: found.record.time,
    };
  }
  if (!proven) return 'it has no push repository';
  const other = releases.find((r) => r.jobId === job.id && r.remote.digest !== proven.digest);
  if (other) return `the release tag ${other.ref} holds ${other.remote.digest}`;
  return proven;
}

/** Every tag of every proven job pointed at its digest: one manifest PUT each, no blob. */
export async function moveTags(
  state: PipelineState,
  proven: ReadonlyMap<string, Proven>,
  releases: readonly ExistingRelease[],
): Promise<void> {
  const client = registryClient(state);
  for (const [i, job] of state.plan.jobs.entries()) {
    const p = proven.get(job.id)!;
    const image = state.result.images[i];
    image.proven = { digest: p.digest, key: p.key, record: p.record, run: p.run, time: p.time };
    for (const ref of job.pushRefs) {
      if (releases.some((r) => r.ref === ref)) {
        image.pushed.push({ ref, digest: p.digest, kept: true });
        // The full path's words (push-phase.ts): the same digest means the same layers.
        state.log.info(`kept ${ref}@${p.digest}: the release tag exists with the same layers (push.immutable-tags)`);
        continue;
      }
      const parsed = parseRef(ref);
      const manifest = await client.manifest({ ...parsed, reference: p.digest });
      if (!manifest) throw new MlImageError(`${repositoryOf(ref)} lost ${p.digest} while its tags were moved`);
      const started = Date.now();
      await client.putManifest(parsed, parsed.reference, manifest.mediaType, manifest.body);
      image.pushed.push({ ref, digest: p.digest });
      state.log.info(`tagged ${ref}@${p.digest} (${seconds(Date.now() - started)}, no layer moved)`);
    }
    state.log.info(`${jobName(job)}: proven by ${p.run} at ${p.time}, not re-tested (record ${p.record})`);
  }
}

/**
 * After a full build: the key of each job that can be proven and was not probed to the end before (its
 * probe stopped at a step the cache lacked), probed now from the cache the build just filled, so its test
 * record names it. A probe that fails only costs the next run its fast path.
 */
export async function keysAfterBuild(state: PipelineState, auth: Login): Promise<void> {
  for (const job of state.plan.jobs) {
    if (state.buildKeys.has(job.id) || notEligible(state, job)) continue;
    const cache = await cacheFor(state, job);
    if (cache.choice.backend === 'none') continue;
    const probe = await probeBuild(state.docker, job, {
      builder: cache.builder,
      builderName: cache.builderName,
      cache: cache.args,
      configDir: auth.configDir,
      secretEnv: Object.fromEntries(job.build.secrets.map((n) => [n, state.secrets[n]])),
      signal: state.options.signal,
    });
    if ('key' in probe) state.buildKeys.set(job.id, probe.key);
    else state.log.info(`no build key for ${jobName(job)} (the next run builds it again): ${probe.miss}`);
  }
}
