// The job both front ends run: load the config, plan, build every image, smoke-test every image, and only
// when all passed, push every reference (the push phase: push-phase.ts; the state phases share:
// run-state.ts). Cleanup of containers and credentials happens here on every path.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildImage, type BuiltImage } from '../build/build.js';
import { secretBuildArgsWarning } from '../config/semantic-checks.js';
import { chooseCache, cacheArgs, type CacheArgs, type CacheChoice } from '../cache/cache.js';
import {
  ActionsMountStore,
  LocalMountStore,
  restoreMounts,
  saveMounts,
  type MountContext,
  type MountStore,
} from '../cache/persist.js';
import { inspectBuilder, type BuilderInfo } from '../docker/builder.js';
import { detectDocker } from '../docker/detect.js';
import { withLock } from '../resources/lock.js';
import { Resources } from '../resources/resources.js';
import { createContainerBuilder, describeBuilder, localCacheDir } from './builders.js';
import { Docker } from '../docker/docker.js';
import { MlImageError, type SourceLocation } from '../errors.js';
import type { Env } from '../meta/context.js';
import { jobName, type BuildJob, type Plan } from '../plan/plan.js';
import { execProcess } from '../process/exec.js';
import { checkUsable, login, type Login } from '../registry/auth.js';
import { checkReleasesBeforeBuild } from '../registry/immutable.js';
import { megabytes, seconds, type Logger } from '../log/log.js';
import { planResult, type PipelineResult } from '../report/result.js';
import { probeGpuSetup, type GpuDevice } from '../smoke/gpu.js';
import { loadSuites } from '../smoke/suites.js';
import { smokeTest } from '../smoke/smoke-test.js';
import { preparePlan } from './prepare.js';
import { inspector, keptReleases, pushAll } from './push-phase.js';
import { pushCredentials, stopIfCancelled, type PipelineOptions, type Run } from './run-state.js';

export type { PipelineOptions } from './run-state.js';

/** A failure after building started; carries what was done so far for the report. */
export class PipelineFailure extends MlImageError {
  constructor(
    message: string,
    readonly result: PipelineResult,
    exitCode = 1,
    location?: SourceLocation,
  ) {
    super(message, exitCode, location);
    this.name = 'PipelineFailure';
  }
}

/** The values of the build's secrets by name; a secret whose variable is unset is an error, not a silent skip. */
function secretValues(plan: Plan, env: Env): Record<string, string> {
  const names = [...new Set(plan.jobs.flatMap((j) => j.build.secrets))];
  const missing = names.filter((n) => !env[n]);
  if (missing.length > 0) {
    throw new MlImageError(
      `build secret${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: environment variable not set (secrets are read from the environment)`,
    );
  }
  return Object.fromEntries(names.map((n) => [n, env[n]!]));
}

/** The build's one line: time, cache hits, size and id (the full BuildKit output is the step's detail). */
function builtLine(job: BuildJob, built: BuiltImage): string {
  const size = built.sizeBytes !== undefined ? `, ${megabytes(built.sizeBytes)}` : '';
  return `built ${jobName(job)} in ${seconds(built.durationMs)} (${built.steps.cached}/${built.steps.total} steps cached${size}): ${built.imageId}`;
}

export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

/**
 * The whole job, as phases, each taking what the previous one made: prepare (plan, secrets, engine,
 * builder) → log in → build → smoke test → push, only when every smoke test passed. Resources are released
 * on every path; a cache problem only warns.
 */
export async function buildTestPush(options: PipelineOptions): Promise<PipelineResult> {
  const r = await prepare(options);
  try {
    const auth = r.plan.push ? await r.log.group('Log in to registries', () => logIn(r)) : undefined;
    const releases =
      auth && r.plan.immutableTags
        ? await r.log.group('Check release tags', () => checkReleasesBeforeBuild(r.plan, inspector(r), r.log))
        : [];
    const built = await buildAll(r, auth);
    await smokeTestAll(r, built);
    failUnlessAllPassed(r.result);
    if (auth) {
      const keep = (await keptReleases(r, releases)).keep;
      await r.log.group('Push', () => pushAll(r, auth, keep));
    }
    return r.result;
  } catch (err: unknown) {
    // From here on a failure carries what was done so far, for outputs and the job summary.
    throw err instanceof MlImageError && !(err instanceof PipelineFailure)
      ? new PipelineFailure(err.message, r.result, err.exitCode, err.location)
      : err;
  } finally {
    await r.resources.releaseAll(r.log);
  }
}

async function prepare(options: PipelineOptions): Promise<Run> {
  const { log } = options;
  const exec = options.exec ?? execProcess;
  const runId = options.runId ?? newRunId();
  options.onResource?.({ kind: 'run-id', id: runId });

  const { plan, pushSkipped } = await preparePlan({ ...options, exec });
  if (pushSkipped) log.info(`not pushing: ${pushSkipped}`);
  if (plan.push) checkUsable(pushCredentials(plan, options));
  for (const job of plan.jobs) {
    const warning = secretBuildArgsWarning(jobName(job), job.build.buildArgs, plan.secretBuildArgs);
    if (warning) log.warn(warning);
  }
  const secrets = secretValues(plan, options.env);
  const suites = loadSuites(plan);
  for (const value of Object.values(secrets)) log.addSecret(value);

  const choice = await detectDocker(exec, {
    docker: options.docker,
    builder: options.builder,
    pathVar: options.env.PATH,
  });
  const docker = new Docker(choice.docker, choice.builder, exec, log);
  const engine = await docker.assertEngine();
  const builder = await inspectBuilder(
    (args) => docker.call(args, { timeoutMs: 30_000, quiet: args[0] === 'info' }),
    choice.builder,
    options.buildxBuilder,
  );
  log.info(
    `docker ${choice.version ?? '?'} (${choice.docker}), engine ${engine}, ${describeBuilder(builder)}; run ${runId}`,
  );
  const freeBytes = await checkDiskSpace(builder.dataRoot, options.minFreeBytes, log);
  const result = planResult(plan, { runId, builder: describeBuilder(builder), pushSkipped });
  result.freeBytes = freeBytes;
  return {
    options,
    log,
    exec,
    runId,
    plan,
    docker,
    builder,
    secrets,
    suites,
    result,
    resources: new Resources(),
    buildSetup: new Map(),
  };
}

/** Free space under the engine's data root, reported; below the asked minimum, a failure before building. */
async function checkDiskSpace(
  dataRoot: string | undefined,
  minFree: number | undefined,
  log: Logger,
): Promise<number | undefined> {
  if (!dataRoot) return undefined;
  let free: number;
  try {
    const s = await statfs(dataRoot);
    free = s.bavail * s.bsize;
  } catch {
    // The data root of a remote engine is not on this machine.
    return undefined;
  }
  log.info(`free space under ${dataRoot}: ${megabytes(free)}`);
  if (minFree !== undefined && free < minFree) {
    throw new MlImageError(
      `only ${megabytes(free)} free under ${dataRoot}, less than min-free-space ${megabytes(minFree)}; nothing was built`,
    );
  }
  return free;
}

async function logIn(r: Run): Promise<Login> {
  const l = await login(r.docker, pushCredentials(r.plan, r.options), r.log, {
    keep: r.options.logout === false,
    env: r.options.env,
    retry: r.options.retry,
    signal: r.options.signal,
  });
  if (l.configDir) {
    r.resources.add('credentials', l.configDir, l.logout);
    r.options.onResource?.({ kind: 'docker-config', path: l.configDir });
  }
  return l;
}

async function buildAll(r: Run, auth: Login | undefined): Promise<Map<string, BuiltImage>> {
  const { log, options, plan } = r;
  const built = new Map<string, BuiltImage>();
  for (const [i, job] of plan.jobs.entries()) {
    const image = r.result.images[i];
    stopIfCancelled(options.signal);
    const cache = await cacheFor(r, job);
    r.buildSetup.set(job.id, { builder: cache.builder, builderName: cache.builderName, cache: cache.args });
    image.cache = { backend: cache.choice.backend, write: cache.choice.write, reason: cache.choice.reason };
    const dockerfile = await readFile(job.build.dockerfile, 'utf8').catch(() => undefined);
    const mounts: MountContext = {
      docker: r.docker,
      builder: cache.builder,
      builderName: cache.builderName,
      store: mountStore(r),
      log,
      unique: saveId(r),
      layerCacheKeepsSteps: cache.keepsEveryStep,
      signal: options.signal,
    };
    const result = await log.group(`Build ${jobName(job)}${job.platform ? ` (${job.platform})` : ''}`, async () => {
      image.mounts = await restoreMounts(job, mounts, dockerfile);
      // The local names are the engine's, shared with another run of this config on the machine: BuildKit
      // refuses to name an image that is being named ("already exists"), so the build holds them.
      // The run's own name for the image holds it while the run tests and pushes it: on the containerd
      // store an image whose last name moves to another run's build is gone.
      const hold = `${job.image}:ml-image-${r.runId}`;
      r.resources.add('image', hold, async () => {
        await r.docker.call(['image', 'rm', hold], { timeoutMs: 60_000 });
      });
      const b = await withLock(`tags ${[...job.localRefs].sort().join(' ')}`, () =>
        buildImage(r.docker, job, {
          extraTags: [hold],
          builder: cache.builder,
          builderName: cache.builderName,
          cache: cache.args,
          configDir: auth?.configDir,
          secretEnv: Object.fromEntries(job.build.secrets.map((n) => [n, r.secrets[n]])),
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

/** The job's cache choice, logged; a docker-container builder when the backend needs one (or inline/none without). */
async function cacheFor(
  r: Run,
  job: BuildJob,
): Promise<{
  args: CacheArgs;
  choice: CacheChoice;
  builder: BuilderInfo;
  builderName?: string;
  keepsEveryStep: boolean;
}> {
  const run = {
    push: r.plan.push,
    ghaService: Boolean(r.options.env.ACTIONS_RESULTS_URL && r.options.env.ACTIONS_RUNTIME_TOKEN),
    localDir: localCacheDir(r.options.env),
  };
  let builder = r.builder;
  let builderName = r.options.buildxBuilder;
  let choice = chooseCache(job.build.cache, builder, run);
  if (choice.needsContainerBuilder) {
    r.containerBuilder ??= createContainerBuilder(r);
    const name = await r.containerBuilder;
    if (name) {
      builderName = name;
      builder = { ...builder, name, driver: 'docker-container' };
    } else {
      choice = {
        ...choice,
        backend: r.plan.push ? 'inline' : 'none',
        needsContainerBuilder: false,
        reason: `${choice.reason}, which could not be created: ${r.plan.push ? 'inline' : 'no'} cache instead`,
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
    runId: r.runId,
  });
  r.log.info(
    `cache for ${jobName(job)}: ${choice.backend}${choice.backend !== 'none' && !choice.write ? ' (read only)' : ''}: ${choice.reason}`,
  );
  // A layer cache that is read and keeps every step (max mode), intermediate stages included.
  const keepsEveryStep =
    job.build.cache.mode === 'max' &&
    (choice.backend === 'registry' || choice.backend === 'gha' || (choice.backend === 'local' && existsSync(localDir)));
  return { args, choice, builder, builderName, keepsEveryStep };
}

/** Mount content goes through GitHub's cache service in the Action, a local directory elsewhere. */
function mountStore(r: Run): MountStore {
  const env = r.options.env;
  const service =
    env.GITHUB_ACTIONS === 'true' && env.ACTIONS_RUNTIME_TOKEN && (env.ACTIONS_RESULTS_URL || env.ACTIONS_CACHE_URL);
  // GitHub's cache entries are versioned by the exact path they were saved from, so the Action uses one
  // that is the same on every runner of an OS (RUNNER_TEMP is not, on self-hosted runners).
  return service
    ? new ActionsMountStore(path.join(os.tmpdir(), 'ml-image-mounts'))
    : new LocalMountStore(path.join(path.dirname(localCacheDir(env)), 'mounts'));
}

/** What makes one save's key unique: the commit and the workflow run (or the time, locally). */
function saveId(r: Run): string {
  const env = r.options.env;
  return [
    env.GITHUB_SHA?.slice(0, 12) ?? 'local',
    env.GITHUB_RUN_ID ?? String(Date.now()),
    env.GITHUB_RUN_ATTEMPT ?? '1',
  ].join('-');
}

async function smokeTestAll(r: Run, built: Map<string, BuiltImage>): Promise<void> {
  const { log, options, plan } = r;
  const gpu: { gpuPresent: boolean; gpuDevice?: GpuDevice } = plan.jobs.some((j) => j.smokeTest)
    ? await probeGpuSetup(r.exec, r.docker, log)
    : { gpuPresent: false };
  for (const [i, job] of plan.jobs.entries()) {
    if (!job.smokeTest) continue;
    stopIfCancelled(options.signal);
    const ctx = { docker: r.docker, log, resources: r.resources, runId: r.runId, ...gpu, signal: options.signal };
    r.result.images[i].smoke = await log.group(`Smoke test ${jobName(job)}`, () =>
      smokeTest(ctx, job, built.get(job.id)!.imageId, r.suites.get(job.id) ?? []),
    );
  }
  stopIfCancelled(options.signal);
}

/** Nothing is pushed unless every smoke test passed: the reason names the first failed check. */
function failUnlessAllPassed(result: PipelineResult): void {
  const failed = result.images.filter((i) => i.smoke && !i.smoke.passed);
  if (failed.length === 0) return;
  const first = failed[0].smoke!.checks.find((c) => !c.passed)!;
  const more = failed.flatMap((i) => i.smoke!.checks.filter((c) => !c.passed)).length - 1;
  throw new MlImageError(
    `smoke test failed for ${failed.map((i) => jobName({ image: i.name, variant: i.variant })).join(', ')}: ${first.kind} "${first.name}": ${(first.message ?? '').split('\n')[0]}` +
      `${more > 0 ? ` (and ${more} more)` : ''}; nothing was pushed`,
  );
}
