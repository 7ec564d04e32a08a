// The job both front ends run: load the config, plan, build every image, smoke-test every image, and only
// when all passed, push every reference. Cleanup of containers and credentials happens here on every path.
import { randomBytes } from 'node:crypto';
import { buildImage, type BuiltImage } from '../build/build.js';
import { detectDocker, type BuilderKind } from '../docker/detect.js';
import { Docker } from '../docker/docker.js';
import { MlImageError, type SourceLocation } from '../errors.js';
import type { Env } from '../meta/context.js';
import { jobName, type BuildJob, type Plan } from '../plan/plan.js';
import { run as defaultRunner, type Runner } from '../process/run.js';
import { checkUsable, credentialsFor, login, type Login, type RegistryCredential } from '../registry/auth.js';
import { pushImage } from '../registry/push.js';
import { megabytes, seconds, type Logger } from '../report/log.js';
import { planResult, type PipelineResult } from '../report/result.js';
import { detectGpu } from '../smoke/gpu.js';
import { smokeTest } from '../smoke/run.js';
import { Cleanup } from './cleanup.js';
import { preparePlan, type PrepareOptions } from './prepare.js';

export interface PipelineOptions extends Omit<PrepareOptions, 'runner'> {
  credentials?: RegistryCredential[];
  sharedCredential?: { username: string; password: string };
  /** false: log in to the caller's docker config and stay logged in (docker/login-action's logout). */
  logout?: boolean;
  docker?: string;
  builder?: BuilderKind;
  log: Logger;
  runId?: string;
  runner?: Runner;
  signal?: AbortSignal;
  /** Told about resources the post step must remove if this process dies (Action state). */
  onResource?: (resource: { kind: 'docker-config'; path: string } | { kind: 'run-id'; id: string }) => void;
}

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
    throw new MlImageError(`build secret${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: environment variable not set (secrets are read from the environment)`);
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

interface Run {
  options: PipelineOptions;
  log: Logger;
  runner: Runner;
  runId: string;
  plan: Plan;
  docker: Docker;
  secrets: Record<string, string>;
  result: PipelineResult;
  cleanup: Cleanup;
}

/**
 * The whole job, as phases: prepare (plan, secrets, engine) → log in → build and smoke-test each image →
 * push, only when every smoke test passed. Cleanup runs on every path.
 */
export async function buildTestPush(options: PipelineOptions): Promise<PipelineResult> {
  const r = await prepare(options);
  try {
    const auth = r.plan.push ? await r.log.group('Log in to registries', () => logIn(r)) : undefined;
    await buildAndTestAll(r, auth);
    failUnlessAllPassed(r.result);
    if (auth) await r.log.group('Push', () => pushAll(r, auth));
    return r.result;
  } catch (err: unknown) {
    // From here on a failure carries what was done so far, for outputs and the job summary.
    throw err instanceof MlImageError && !(err instanceof PipelineFailure) ? new PipelineFailure(err.message, r.result, err.exitCode, err.location) : err;
  } finally {
    await r.cleanup.releaseAll(r.log);
  }
}

async function prepare(options: PipelineOptions): Promise<Run> {
  const { log } = options;
  const runner = options.runner ?? defaultRunner;
  const runId = options.runId ?? newRunId();
  options.onResource?.({ kind: 'run-id', id: runId });

  const { plan, pushSkipped } = await preparePlan({ ...options, runner });
  if (pushSkipped) log.info(`not pushing: ${pushSkipped}`);
  if (plan.push) checkUsable(pushCredentials(plan, options));
  const secrets = secretValues(plan, options.env);
  for (const value of Object.values(secrets)) log.addSecret(value);

  const choice = await detectDocker(runner, { docker: options.docker, builder: options.builder, pathVar: options.env.PATH });
  const docker = new Docker(choice.docker, choice.builder, runner, log);
  const engine = await docker.assertEngine();
  log.info(`docker ${choice.version ?? '?'} (${choice.docker}), engine ${engine}, builder ${choice.builder}; run ${runId}`);
  const result = planResult(plan, { runId, builder: choice.builder, pushSkipped });
  return { options, log, runner, runId, plan, docker, secrets, result, cleanup: new Cleanup() };
}

const pushCredentials = (plan: Plan, options: PipelineOptions): RegistryCredential[] =>
  credentialsFor(plan.registries, options.credentials ?? [], options.sharedCredential);

async function logIn(r: Run): Promise<Login> {
  const l = await login(r.docker, pushCredentials(r.plan, r.options), r.log, { keep: r.options.logout === false });
  if (l.configDir) {
    r.cleanup.add('registry logins', l.logout);
    r.options.onResource?.({ kind: 'docker-config', path: l.configDir });
  }
  return l;
}

async function buildAndTestAll(r: Run, auth: Login | undefined): Promise<void> {
  const { log, options, plan } = r;
  const gpuPresent = plan.jobs.some((j) => j.smokeTest) ? await detectGpu(r.runner) : false;
  for (const [i, job] of plan.jobs.entries()) {
    const image = r.result.images[i]!;
    stopIfCancelled(options.signal);
    const built = await log.group(`Build ${jobName(job)}${job.platform ? ` (${job.platform})` : ''}`, () =>
      buildImage(r.docker, job, {
        push: plan.push,
        configDir: auth?.configDir,
        secretEnv: Object.fromEntries(job.build.secrets.map((n) => [n, r.secrets[n]!])),
        signal: options.signal,
      }),
    );
    stopIfCancelled(options.signal);
    image.imageId = built.imageId;
    image.build = { durationMs: built.durationMs, steps: built.steps, sizeBytes: built.sizeBytes };
    log.info(builtLine(job, built));
    if (job.smokeTest) {
      const ctx = { docker: r.docker, log, cleanup: r.cleanup, runId: r.runId, gpuPresent, signal: options.signal };
      image.smoke = await log.group(`Smoke test ${jobName(job)}`, () => smokeTest(ctx, job, built.imageId));
    }
  }
  stopIfCancelled(options.signal);
}

/** Nothing is pushed unless every smoke test passed: the reason names the first failed check. */
function failUnlessAllPassed(result: PipelineResult): void {
  const failed = result.images.filter((i) => i.smoke && !i.smoke.passed);
  if (failed.length === 0) return;
  const first = failed[0]!.smoke!.checks.find((c) => !c.passed)!;
  const more = failed.flatMap((i) => i.smoke!.checks.filter((c) => !c.passed)).length - 1;
  throw new MlImageError(
    `smoke test failed for ${failed.map((i) => jobName({ image: i.name, variant: i.variant })).join(', ')}: ${first.kind} "${first.name}": ${(first.message ?? '').split('\n')[0]}` +
      `${more > 0 ? ` (and ${more} more)` : ''}; nothing was pushed`,
  );
}

async function pushAll(r: Run, auth: Login): Promise<void> {
  for (const [i, job] of r.plan.jobs.entries()) {
    const image = r.result.images[i]!;
    try {
      await pushImage(r.docker, image.imageId!, job.pushRefs, auth, r.log, { signal: r.options.signal, onPushed: (p) => image.pushed.push(p) });
    } catch (err: unknown) {
      image.pushError = err instanceof Error ? err.message : String(err);
      throw err;
    }
  }
}

function stopIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new MlImageError('cancelled; nothing more was built, tested or pushed', 130);
}
