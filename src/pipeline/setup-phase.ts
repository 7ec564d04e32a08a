// The setup phase, the first of a run (commands/build-test-push.ts runs them in order): the plan's build
// secrets read from the environment, its container-structure-test files read, the engine and builder
// found, the free space checked, the run's result begun; everything a later phase would refuse is refused
// here, before anything is built. Needs the plan (commands/plan-from-config.ts), not the config file.
import { statfs } from 'node:fs/promises';
import { secretBuildArgsWarning } from '../config/semantic-checks.js';
import { inspectBuilder } from '../docker/builder.js';
import { detectDocker } from '../docker/detect.js';
import { Docker } from '../docker/docker.js';
import { MlImageError } from '../errors.js';
import { megabytes, type Logger } from '../log/log.js';
import type { Env } from '../meta/context.js';
import { jobName, type Plan } from '../plan/plan.js';
import type { Exec } from '../process/exec.js';
import { checkUsable } from '../registry/auth.js';
import { planResult } from '../report/result.js';
import { Resources } from '../resources/resources.js';
import { loadSuites } from '../smoke/suites.js';
import { timestampRewrite } from '../build/build-command.js';
import { describeBuilder } from './builders.js';
import { pushCredentials, type PipelineOptions, type PipelineState } from './state.js';

/** What the run starts from: its id, the process seam and the plan, with why it does not push (auto). */
export interface PlannedRun {
  exec: Exec;
  runId: string;
  plan: Plan;
  pushSkipped?: string;
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

/**
 * The first phase: from the plan to the state every later phase carries. What would fail later fails
 * here, before anything is built: push credentials that cannot be used, a build secret whose variable is
 * unset, a container-structure-test file that does not read, too little free space. Build arguments that
 * look like secrets are warned about; then the engine and the builder are found and described.
 */
export async function setUpPipeline(options: PipelineOptions, planned: PlannedRun): Promise<PipelineState> {
  const { log } = options;
  const { exec, runId, plan, pushSkipped } = planned;
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
  // Once per run, not per image: what stands between this builder and one digest per commit.
  const rewrite = timestampRewrite(builder);
  if (rewrite.how === 'none' && plan.jobs.some((j) => j.build.reproducible))
    log.warn(
      `images are not reproducible with this builder: ${rewrite.reason}; dates still come from the commit, layer timestamps are the build's (reproducible: false in the config says you know)`,
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
    buildKeys: new Map(),
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
