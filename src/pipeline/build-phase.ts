// The build phase: every job of the plan built in order, each with its layer cache (chosen here, with a
// docker-container builder for the run when the backend needs one) and its persisted cache mounts
// restored before and saved after. What each build made goes into the run's result and, for a later push
// by digest, the builder and cache flags it used into the state.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildImage, type BuiltImage } from '../build/build.js';
import { cacheArgs, chooseCache, type CacheArgs, type CacheChoice } from '../cache/cache.js';
import {
  ActionsMountStore,
  LocalMountStore,
  restoreMounts,
  saveMounts,
  type MountContext,
  type MountStore,
} from '../cache/persist.js';
import type { BuilderInfo } from '../docker/builder.js';
import { megabytes, seconds } from '../log/log.js';
import { jobName, type BuildJob } from '../plan/plan.js';
import type { Login } from '../registry/auth.js';
import { withLock } from '../resources/lock.js';
import { createContainerBuilder, localCacheDir } from './builders.js';
import { stopIfCancelled, type PipelineState } from './state.js';

/** The build's one line: time, cache hits, size and id (the full BuildKit output is the step's detail). */
function builtLine(job: BuildJob, built: BuiltImage): string {
  const size = built.sizeBytes !== undefined ? `, ${megabytes(built.sizeBytes)}` : '';
  return `built ${jobName(job)} in ${seconds(built.durationMs)} (${built.steps.cached}/${built.steps.total} steps cached${size}): ${built.imageId}`;
}

export async function buildAll(state: PipelineState, auth: Login | undefined): Promise<Map<string, BuiltImage>> {
  const { log, options, plan } = state;
  const built = new Map<string, BuiltImage>();
  for (const [i, job] of plan.jobs.entries()) {
    const image = state.result.images[i];
    stopIfCancelled(options.signal);
    const cache = await cacheFor(state, job);
    state.buildSetup.set(job.id, { builder: cache.builder, builderName: cache.builderName, cache: cache.args });
    image.cache = { backend: cache.choice.backend, write: cache.choice.write, reason: cache.choice.reason };
    const dockerfile = await readFile(job.build.dockerfile, 'utf8').catch(() => undefined);
    const mounts: MountContext = {
      docker: state.docker,
      builder: cache.builder,
      builderName: cache.builderName,
      store: mountStore(state),
      log,
      unique: saveId(state),
      layerCacheKeepsSteps: cache.keepsEveryStep,
      signal: options.signal,
    };
    const result = await log.group(`Build ${jobName(job)}${job.platform ? ` (${job.platform})` : ''}`, async () => {
      image.mounts = await restoreMounts(job, mounts, dockerfile);
      // The local names are the engine's, shared with another run of this config on the machine: BuildKit
      // refuses to name an image that is being named ("already exists"), so the build holds them.
      // The run's own name for the image holds it while the run tests and pushes it: on the containerd
      // store an image whose last name moves to another run's build is gone.
      const hold = `${job.image}:ml-image-${state.runId}`;
      state.resources.add('image', hold, async () => {
        await state.docker.call(['image', 'rm', hold], { timeoutMs: 60_000 });
      });
      const b = await withLock(`tags ${[...job.localRefs].sort().join(' ')}`, () =>
        buildImage(state.docker, job, {
          extraTags: [hold],
          builder: cache.builder,
          builderName: cache.builderName,
          cache: cache.args,
          configDir: auth?.configDir,
          secretEnv: Object.fromEntries(job.build.secrets.map((n) => [n, state.secrets[n]])),
          signal: options.signal,
          warn: (message) => log.warn(message),
        }),
      );
      log.info(builtLine(job, b));
      // Unchanged mounts are not saved again: only a step that ran can have changed them (or nothing is stored yet).
      const stored = image.mounts?.restored ?? image.mounts?.unchanged;
      if (b.mountStepsRan && image.mounts?.unchanged)
        log.info(
          `cache mounts of ${job.image}: a step that uses them ran although it was expected from the layer cache; it ran with empty mounts`,
        );
      if (b.mountStepsRan || !stored) image.mounts = await saveMounts(job, mounts, dockerfile, image.mounts);
      else log.info(`cache mounts of ${job.image}: unchanged (their steps came from the cache), not saved again`);
      return b;
    });
    image.imageId = result.imageId;
    image.build = { durationMs: result.durationMs, steps: result.steps, sizeBytes: result.sizeBytes };
    built.set(job.id, result);
  }
  stopIfCancelled(options.signal);
  return built;
}

/** A job's layer cache and the builder that reads it (cacheFor). */
export interface JobCache {
  args: CacheArgs;
  choice: CacheChoice;
  builder: BuilderInfo;
  builderName?: string;
  keepsEveryStep: boolean;
}

const chosen = new WeakMap<PipelineState, Map<string, Promise<JobCache>>>();

/**
 * The job's cache choice, logged once per run (the fast path's probe and the build share it); a
 * docker-container builder when the backend needs one (or inline/none without).
 */
export function cacheFor(state: PipelineState, job: BuildJob): Promise<JobCache> {
  const jobs = chosen.get(state) ?? new Map<string, Promise<JobCache>>();
  chosen.set(state, jobs);
  const made = jobs.get(job.id) ?? chooseFor(state, job);
  jobs.set(job.id, made);
  return made;
}

async function chooseFor(state: PipelineState, job: BuildJob): Promise<JobCache> {
  const run = {
    push: state.plan.push,
    ghaService: Boolean(state.options.env.ACTIONS_RESULTS_URL && state.options.env.ACTIONS_RUNTIME_TOKEN),
    localDir: localCacheDir(state.options.env),
  };
  let builder = state.builder;
  let builderName = state.options.buildxBuilder;
  let choice = chooseCache(job.build.cache, builder, run);
  if (choice.needsContainerBuilder) {
    state.containerBuilder ??= createContainerBuilder(state);
    const name = await state.containerBuilder;
    if (name) {
      builderName = name;
      builder = { ...builder, name, driver: 'docker-container' };
    } else {
      choice = {
        ...choice,
        backend: state.plan.push ? 'inline' : 'none',
        needsContainerBuilder: false,
        reason: `${choice.reason}, which could not be created: ${state.plan.push ? 'inline' : 'no'} cache instead`,
      };
    }
  }
  const localDir = path.join(run.localDir, job.build.cache.scope);
  const args = cacheArgs({
    choice,
    spec: job.build.cache,
    builder,
    localDir: run.localDir,
    pushRefs: job.pushRefs,
    localExists: existsSync(localDir),
    runId: state.runId,
  });
  state.log.info(
    `cache for ${jobName(job)}: ${choice.backend}${choice.backend !== 'none' && !choice.write ? ' (read only)' : ''}: ${choice.reason}`,
  );
  // A layer cache that is read and keeps every step (max mode), intermediate stages included.
  const keepsEveryStep =
    job.build.cache.mode === 'max' &&
    (choice.backend === 'registry' || choice.backend === 'gha' || (choice.backend === 'local' && existsSync(localDir)));
  return { args, choice, builder, builderName, keepsEveryStep };
}

/** Mount content goes through GitHub's cache service in the Action, a local directory elsewhere. */
function mountStore(state: PipelineState): MountStore {
  const env = state.options.env;
  const service =
    env.GITHUB_ACTIONS === 'true' && env.ACTIONS_RUNTIME_TOKEN && (env.ACTIONS_RESULTS_URL || env.ACTIONS_CACHE_URL);
  // GitHub's cache entries are versioned by the exact path they were saved from, so the Action uses one
  // that is the same on every runner of an OS (RUNNER_TEMP is not, on self-hosted runners).
  return service
    ? new ActionsMountStore(path.join(os.tmpdir(), 'ml-image-mounts'))
    : new LocalMountStore(path.join(path.dirname(localCacheDir(env)), 'mounts'));
}

/** What makes one save's key unique: the commit and the workflow run (or the time, locally). */
function saveId(state: PipelineState): string {
  const env = state.options.env;
  return [
    env.GITHUB_SHA?.slice(0, 12) ?? 'local',
    env.GITHUB_RUN_ID ?? String(Date.now()),
    env.GITHUB_RUN_ATTEMPT ?? '1',
  ].join('-');
}
