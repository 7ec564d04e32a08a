// The `build` command, which both front ends run: plan from the config (plan-from-config.ts), then the
// pipeline's phases in order, each taking what the previous one made (pipeline/: setup → log in → look for
// proof → build → smoke test → push → test records, the push only when every smoke test passed). When the
// lookup proves every job (proven-phase.ts: its build key names a passing record of this spec), the run
// takes the fast path instead: the tags are moved by manifest and nothing is built, loaded or tested.
// Every container, builder and credential the run made is released here, on every path.
import { MlImageError, type SourceLocation } from '../errors.js';
import { execProcess } from '../process/exec.js';
import { checkReleasesBeforeBuild } from '../registry/immutable.js';
import type { PipelineResult } from '../report/result.js';
import { buildAll } from '../pipeline/build-phase.js';
import { logIn } from '../pipeline/login-phase.js';
import { inspector, keptReleases, pushAll } from '../pipeline/push-phase.js';
import { recordProofs } from '../pipeline/proof-phase.js';
import { findProven, keysAfterBuild, moveTags } from '../pipeline/proven-phase.js';
import { setUpPipeline } from '../pipeline/setup-phase.js';
import { failUnlessAllPassed, smokeTestAll } from '../pipeline/smoke-phase.js';
import { newRunId, type PipelineOptions, type PipelineState } from '../pipeline/state.js';
import { planFromConfig, type PlanFromConfigOptions } from './plan-from-config.js';

/** What a front end asks of the build command: what to plan, and how the pipeline runs it. */
export type BuildOptions = PipelineOptions & Omit<PlanFromConfigOptions, 'exec'>;

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

/**
 * The whole job, as phases, each taking what the previous one made: plan, set up (secrets, engine,
 * builder) → log in → build → smoke test → push, only when every smoke test passed. Resources are released
 * on every path; a cache problem only warns.
 */
export async function buildTestPush(options: BuildOptions): Promise<PipelineResult> {
  const state = await start(options);
  try {
    const auth = state.plan.push ? await state.log.group('Log in to registries', () => logIn(state)) : undefined;
    const releases =
      auth && state.plan.immutableTags
        ? await state.log.group('Check release tags', () =>
            checkReleasesBeforeBuild(state.plan, inspector(state), state.log),
          )
        : [];
    // The fast path: every image's build already proven by a test record, so only its tags move.
    const proven = auth && (await state.log.group('Look for proof', () => findProven(state, auth, releases)));
    if (auth && proven) {
      await state.log.group('Move tags', () => moveTags(state, proven, releases));
      return state.result;
    }
    const built = await buildAll(state, auth);
    await smokeTestAll(state, built);
    failUnlessAllPassed(state.result);
    if (auth) {
      const keep = (await keptReleases(state, releases)).keep;
      await state.log.group('Push', () => pushAll(state, auth, keep));
      await keysAfterBuild(state, auth);
      await state.log.group('Test records', () => recordProofs(state));
    }
    return state.result;
  } catch (err: unknown) {
    // From here on a failure carries what was done so far, for outputs and the job summary.
    throw err instanceof MlImageError && !(err instanceof PipelineFailure)
      ? new PipelineFailure(err.message, state.result, err.exitCode, err.location)
      : err;
  } finally {
    await state.resources.releaseAll(state.log);
  }
}

/** The run's id first (the front end records it, for the post step's sweep), then the plan, then setup. */
async function start(options: BuildOptions): Promise<PipelineState> {
  const exec = options.exec ?? execProcess;
  const runId = options.runId ?? newRunId();
  options.onResource?.({ kind: 'run-id', id: runId });
  const { plan, pushSkipped } = await planFromConfig({ ...options, exec });
  return setUpPipeline(options, { exec, runId, plan, pushSkipped });
}
