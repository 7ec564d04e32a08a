// The Action's main step: inputs → pipeline → outputs, job summary and annotations. Remembers in the
// step state what the post step must remove if this process is killed.
import * as core from '@actions/core';
import { ConfigError, oneLineReason } from '../errors.js';
import { buildTestPush, PipelineFailure } from '../pipeline/pipeline.js';
import { summaryMarkdown, toOutputs, type PipelineResult } from '../report/result.js';
import { getInputs, shouldPush } from './inputs.js';
import { ActionLogger } from './logger.js';
import { Outputs, State } from './names.js';

export async function runMain(env: Record<string, string | undefined> = process.env): Promise<void> {
  const log = new ActionLogger();
  let result: PipelineResult | undefined;
  try {
    const inputs = getInputs();
    const push = shouldPush(inputs.push, env.GITHUB_EVENT_NAME);
    if (inputs.push === 'auto' && !push) log.info(`push: auto does not push for ${env.GITHUB_EVENT_NAME} events (set push: true to force)`);
    result = await buildTestPush({
      ...inputs,
      push,
      cwd: process.cwd(),
      env,
      log,
      onResource: (r) => core.saveState(r.kind === 'run-id' ? State.runId : State.dockerConfig, r.kind === 'run-id' ? r.id : r.path),
    });
    await finish(result);
  } catch (err: unknown) {
    if (err instanceof ConfigError) {
      for (const i of err.issues) {
        log.error(`${i.path ? i.path + ': ' : ''}${i.message}`, { file: i.location.file, line: i.location.line, column: i.location.column });
      }
    }
    if (err instanceof PipelineFailure) await finish(err.result, oneLineReason(err));
    core.setFailed(oneLineReason(err));
  }
}

async function finish(result: PipelineResult, failure?: string): Promise<void> {
  const outputs = toOutputs(result);
  core.setOutput(Outputs.tags, outputs.tags);
  core.setOutput(Outputs.digest, outputs.digest);
  core.setOutput(Outputs.metadata, outputs.metadata);
  if (process.env.GITHUB_STEP_SUMMARY) {
    await core.summary.addRaw(summaryMarkdown(result, failure)).write();
  }
}
