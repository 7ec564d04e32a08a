// The Action's main step: inputs → pipeline → outputs, job summary and annotations. Remembers in the
// step state what the post step must remove if this process is killed.
import * as core from '@actions/core';
import { ConfigError, issueText, oneLineReason } from '../errors.js';
import { buildTestPush, PipelineFailure } from '../pipeline/pipeline.js';
import { summaryMarkdown, toOutputs, type PipelineResult } from '../report/result.js';
import { preparePlan } from '../pipeline/prepare.js';
import { formatPlan, planToMatrix } from '../plan/format.js';
import { run } from '../process/run.js';
import { getInputs, pushMode, type ActionInputs } from './inputs.js';
import { ActionLogger } from './logger.js';
import { Outputs, State } from './names.js';

export async function runMain(env: Record<string, string | undefined> = process.env): Promise<void> {
  const log = new ActionLogger();
  let result: PipelineResult | undefined;
  try {
    const inputs = getInputs();
    if (inputs.planOnly) {
      await planOnly(inputs, env);
      return;
    }
    result = await buildTestPush({
      ...inputs,
      push: pushMode(inputs.push),
      cwd: process.cwd(),
      env,
      log,
      onResource: (r) => core.saveState(r.kind === 'run-id' ? State.runId : State.dockerConfig, r.kind === 'run-id' ? r.id : r.path),
    });
    await finish(result);
  } catch (err: unknown) {
    if (err instanceof ConfigError) {
      for (const i of err.issues) {
        log.error(issueText(i), { file: i.location.file, line: i.location.line, column: i.location.column });
      }
    }
    if (err instanceof PipelineFailure) await finish(err.result, oneLineReason(err));
    core.setFailed(oneLineReason(err));
  }
}

/** The plan's outputs without building: the matrix for a fan-out job, the tags and version. */
async function planOnly(inputs: ActionInputs, env: Record<string, string | undefined>): Promise<void> {
  const { plan } = await preparePlan({ ...inputs, push: pushMode(inputs.push), cwd: process.cwd(), env, runner: run });
  core.setOutput(Outputs.matrix, JSON.stringify(planToMatrix(plan)));
  core.setOutput(Outputs.tags, plan.jobs.flatMap((j) => (plan.push ? j.pushRefs : j.localRefs)).join('\n'));
  core.setOutput(Outputs.version, plan.jobs[0]?.version ?? '');
  core.info(formatPlan(plan, 'table'));
}

async function finish(result: PipelineResult, failure?: string): Promise<void> {
  const outputs = toOutputs(result);
  core.setOutput(Outputs.tags, outputs.tags);
  core.setOutput(Outputs.digest, outputs.digest);
  core.setOutput(Outputs.metadata, outputs.metadata);
  core.setOutput(Outputs.matrix, outputs.matrix);
  core.setOutput(Outputs.version, outputs.version);
  if (process.env.GITHUB_STEP_SUMMARY) {
    await core.summary.addRaw(summaryMarkdown(result, failure)).write();
  }
}
