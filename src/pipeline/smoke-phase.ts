// The smoke phase: every built image smoke-tested in order (GPUs probed once, when some job needs them),
// each result in the run's result; then the rule that nothing is pushed unless every smoke test passed.
import type { BuiltImage } from '../build/build.js';
import { MlImageError } from '../errors.js';
import { jobName } from '../plan/plan.js';
import type { PipelineResult } from '../report/result.js';
import { probeGpuSetup, type GpuDevice } from '../smoke/gpu.js';
import { smokeTest } from '../smoke/smoke-test.js';
import { stopIfCancelled, type PipelineState } from './state.js';

export async function smokeTestAll(state: PipelineState, built: Map<string, BuiltImage>): Promise<void> {
  const { log, options, plan } = state;
  const gpu: { gpuPresent: boolean; gpuDevice?: GpuDevice } = plan.jobs.some((j) => j.smokeTest)
    ? await probeGpuSetup(state.exec, state.docker, log)
    : { gpuPresent: false };
  for (const [i, job] of plan.jobs.entries()) {
    if (!job.smokeTest) continue;
    stopIfCancelled(options.signal);
    const ctx = {
      docker: state.docker,
      log,
      resources: state.resources,
      runId: state.runId,
      ...gpu,
      signal: options.signal,
    };
    state.result.images[i].smoke = await log.group(`Smoke test ${jobName(job)}`, () =>
      smokeTest(ctx, job, built.get(job.id)!.imageId, state.suites.get(job.id) ?? []),
    );
  }
  stopIfCancelled(options.signal);
}

/** Nothing is pushed unless every smoke test passed: the reason names the first failed check. */
export function failUnlessAllPassed(result: PipelineResult): void {
  const failed = result.images.filter((i) => i.smoke && !i.smoke.passed);
  if (failed.length === 0) return;
  const first = failed[0].smoke!.checks.find((c) => !c.passed)!;
  const more = failed.flatMap((i) => i.smoke!.checks.filter((c) => !c.passed)).length - 1;
  throw new MlImageError(
    `smoke test failed for ${failed.map((i) => jobName({ image: i.name, variant: i.variant })).join(', ')}: ${first.kind} "${first.name}": ${(first.message ?? '').split('\n')[0]}` +
      `${more > 0 ? ` (and ${more} more)` : ''}; nothing was pushed`,
  );
}
