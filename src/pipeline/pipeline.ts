// The job both front ends run: load the config, plan, build every image, smoke-test every image, and only
// when all passed, push every reference. Cleanup of containers and credentials happens here on every path.
import { randomBytes } from 'node:crypto';
import { buildImage } from '../build/build.js';
import { detectDocker, type BuilderKind } from '../docker/detect.js';
import { Docker } from '../docker/docker.js';
import { MlImageError } from '../errors.js';
import type { Env } from '../meta/context.js';
import { planToMatrix } from '../plan/format.js';
import { jobName, type Plan } from '../plan/plan.js';
import { run as defaultRunner, type Runner } from '../process/run.js';
import { credentialsFor, login, type RegistryCredential } from '../registry/auth.js';
import { pushImage } from '../registry/push.js';
import type { Logger } from '../report/log.js';
import type { ImageResult, PipelineResult } from '../report/result.js';
import { detectGpu } from '../smoke/gpu.js';
import { smokeTest } from '../smoke/run.js';
import { Cleanup } from './cleanup.js';
import { preparePlan, type PrepareOptions } from './prepare.js';

export interface PipelineOptions extends Omit<PrepareOptions, 'runner'> {
  credentials?: RegistryCredential[];
  sharedCredential?: { username: string; password: string };
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
  ) {
    super(message, exitCode);
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

export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

export async function buildTestPush(options: PipelineOptions): Promise<PipelineResult> {
  const { log } = options;
  const runner = options.runner ?? defaultRunner;
  const runId = options.runId ?? newRunId();
  options.onResource?.({ kind: 'run-id', id: runId });

  const { config, plan, pushSkipped } = await preparePlan({ ...options, runner });
  if (pushSkipped) log.info(`not pushing: ${pushSkipped}`);
  const secrets = secretValues(plan, options.env);
  for (const value of Object.values(secrets)) log.addSecret(value);

  const choice = await detectDocker(runner, { docker: options.docker, builder: options.builder, pathVar: options.env.PATH });
  const docker = new Docker(choice.docker, choice.builder, runner, log);
  const engine = await docker.assertEngine();
  log.info(`docker ${choice.version ?? '?'} (${choice.docker}), engine ${engine}, builder ${choice.builder}; run ${runId}`);

  const result: PipelineResult = {
    configFile: config.file,
    runId,
    builder: choice.builder,
    pushRequested: plan.push,
    matrix: JSON.stringify(planToMatrix(plan)),
    version: plan.jobs[0]?.version ?? '',
    images: [],
  };
  const cleanup = new Cleanup();
  const stopIfCancelled = () => {
    if (options.signal?.aborted) throw new MlImageError('cancelled; nothing more was built, tested or pushed', 130);
  };
  try {
    const auth = plan.push
      ? await log.group('Log in to registries', async () => {
          const l = await login(docker, credentialsFor(plan.registries, options.credentials ?? [], options.sharedCredential), log);
          if (l.configDir) {
            cleanup.add('registry logins', l.logout);
            options.onResource?.({ kind: 'docker-config', path: l.configDir });
          }
          return l;
        })
      : undefined;

    const gpuPresent = plan.jobs.some((j) => j.smokeTest) ? await detectGpu(runner) : false;
    for (const job of plan.jobs) {
      const image: ImageResult = {
        name: job.image,
        variant: job.variant,
        platform: job.platform,
        tags: job.tags,
        localRefs: job.localRefs,
        pushRefs: job.pushRefs,
        pushed: [],
      };
      result.images.push(image);
      stopIfCancelled();
      const built = await log.group(`Build ${jobName(job)}${job.platform ? ` (${job.platform})` : ''}`, () =>
        buildImage(docker, job, {
          push: plan.push,
          configDir: auth?.configDir,
          secretEnv: Object.fromEntries(job.build.secrets.map((n) => [n, secrets[n]!])),
          signal: options.signal,
        }),
      );
      stopIfCancelled();
      image.imageId = built.imageId;
      log.info(`built ${built.imageId} in ${(built.durationMs / 1000).toFixed(1)}s as ${job.localRefs.join(', ')}`);
      if (job.smokeTest) {
        image.smoke = await log.group(`Smoke test ${jobName(job)}`, () =>
          smokeTest({ docker, log, cleanup, runId, gpuPresent, signal: options.signal }, job, built.imageId),
        );
      }
    }
    stopIfCancelled();

    const failed = result.images.filter((i) => i.smoke && !i.smoke.passed);
    if (failed.length > 0) {
      const first = failed[0]!.smoke!.checks.find((c) => !c.passed)!;
      const more = failed.flatMap((i) => i.smoke!.checks.filter((c) => !c.passed)).length - 1;
      throw new MlImageError(
        `smoke test failed for ${failed.map((i) => jobName({ image: i.name, variant: i.variant })).join(', ')}: ${first.kind} "${first.name}": ${(first.message ?? '').split('\n')[0]}` +
          `${more > 0 ? ` (and ${more} more)` : ''}; nothing was pushed`,
      );
    }
    if (!auth) return result;

    await log.group('Push', async () => {
      for (const [i, job] of plan.jobs.entries()) {
        const image = result.images[i]!;
        image.pushed = await pushImage(docker, image.imageId!, job.pushRefs, auth, log, { signal: options.signal });
      }
    });
    return result;
  } catch (err: unknown) {
    // From here on a failure carries what was done so far, for outputs and the job summary.
    throw err instanceof MlImageError && !(err instanceof PipelineFailure) ? new PipelineFailure(err.message, result, err.exitCode) : err;
  } finally {
    await cleanup.releaseAll(log);
  }
}
