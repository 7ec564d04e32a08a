// The Action's main step: inputs → pipeline → outputs, job summary and annotations. Remembers in the
// step state what the post step must remove if this process is killed. Errors become the step's failure
// here, in one place. Its run() is the step as actions/typescript-action shapes it: what the entry
// (index.ts) calls on the runner, and what @github/local-action imports and calls to debug the step locally.
import * as core from '@actions/core';
import { ConfigError, issueText, MlImageError, oneLineReason, type SourceLocation } from '../errors.js';
import { buildTestPush, PipelineFailure } from '../commands/build-test-push.js';
import { newRunId } from '../pipeline/state.js';
import { planFromConfig } from '../commands/plan-from-config.js';
import { execProcess } from '../process/exec.js';
import { onInterrupt } from '../process/interrupt.js';
import { planResult, toOutputs, type PipelineResult } from '../report/result.js';
import { merge } from '../commands/merge.js';
import { formatPlan, planToJson } from '../plan/format.js';
import path from 'node:path';
import { smokeSuites, writeSmokeReports, type SmokeReportFiles } from '../report/smoke-report.js';
import { summaryMarkdown } from '../report/summary.js';
import { getInputs, type ActionInputs } from './inputs.js';
import { ActionLogger } from './logger.js';
import { Outputs, State } from './names.js';

/**
 * The main step, with the runner's environment. It marks the step state first: action.yml runs the same
 * dist/index.js as post, and the runner gives that second run this step's state.
 */
export async function run(): Promise<void> {
  core.saveState(State.isPost, 'true');
  // A cancelled job: main stops what runs and removes what it made; the post step sweeps what is left.
  const interrupt = onInterrupt({ say: (text) => core.info(text), secondSignalExits: false });
  await runMain(process.env, interrupt.signal);
}

/** `signal`: aborted when the runner cancels the step (run() above, process/interrupt.ts). */
export async function runMain(
  env: Record<string, string | undefined> = process.env,
  signal?: AbortSignal,
): Promise<void> {
  const log = new ActionLogger();
  let reports: SmokeReportFiles = {};
  try {
    const inputs = getInputs(env);
    if (inputs.planOnly) {
      await planOnly(inputs, env);
      return;
    }
    if (inputs.mode === 'merge') {
      await mergeMode(inputs, env, log, signal);
      return;
    }
    reports = inputs.reports;
    const result = await buildTestPush({
      ...inputs,
      cwd: process.cwd(),
      env,
      log,
      signal,
      onResource: (r) =>
        core.saveState(r.kind === 'run-id' ? State.runId : State.dockerConfig, r.kind === 'run-id' ? r.id : r.path),
    });
    await finish(result, undefined, reports);
  } catch (err: unknown) {
    const reason = oneLineReason(err);
    if (err instanceof ConfigError) {
      for (const i of err.issues) annotate(issueText(i), i.location);
    }
    if (err instanceof PipelineFailure) {
      annotateFailedChecks(err.result);
      await finish(err.result, reason, reports);
    } else {
      await writeSummary(summaryMarkdown(undefined, reason));
    }
    // The failure's own annotation, on the line it is about when it has one (a Dockerfile step).
    annotate(reason, err instanceof MlImageError ? err.location : undefined);
    process.exitCode = 1;
  }
}

/** The plan's outputs without building: the matrix for a fan-out job, tags, labels, json and version. */
async function planOnly(inputs: ActionInputs, env: Record<string, string | undefined>): Promise<void> {
  const { plan, pushSkipped } = await planFromConfig({ ...inputs, cwd: process.cwd(), env, exec: execProcess });
  setOutputs(planResult(plan, { runId: newRunId(), builder: '', pushSkipped }));
  core.setOutput(Outputs.plan, planToJson(plan).trim());
  core.info(formatPlan(plan, 'table'));
}

async function finish(result: PipelineResult, failure: string | undefined, reports: SmokeReportFiles): Promise<void> {
  setOutputs(result);
  writeSmokeReports(reports, smokeSuites(result.images), process.env.GITHUB_WORKSPACE ?? process.cwd(), result.runId);
  await writeSummary(summaryMarkdown(result, failure));
}

function setOutputs(result: PipelineResult): void {
  const outputs = toOutputs(result);
  for (const name of Object.values(Outputs)) if (name !== Outputs.plan) core.setOutput(name, outputs[name]);
}

/** mode: merge — every entry's digest under every tag of the plan; tags and digest outputs name the indexes. */
async function mergeMode(
  inputs: ActionInputs,
  env: Record<string, string | undefined>,
  log: ActionLogger,
  signal?: AbortSignal,
): Promise<void> {
  if (!inputs.planFile) throw new MlImageError("mode: merge needs the plan input (the plan job's plan output)");
  const merged = await merge({
    ...inputs,
    planFile: inputs.planFile,
    digestsDir: path.resolve(process.cwd(), inputs.digestsDir),
    cwd: process.cwd(),
    env,
    log,
    signal,
  });
  const refs = merged.flatMap((m) => m.indexes);
  core.setOutput(Outputs.tags, refs.map((x) => x.ref).join('\n'));
  core.setOutput(Outputs.digest, refs[0]?.digest ?? '');
  await writeSummary(`## ml-image merge ✅\n\n${refs.map((x) => `- \`${x.ref}@${x.digest}\``).join('\n')}\n`);
}

async function writeSummary(markdown: string): Promise<void> {
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown).write();
}

/** Each failed smoke-test check as an error on its line in the config file. */
function annotateFailedChecks(result: PipelineResult): void {
  for (const image of result.images) {
    for (const c of image.smoke?.checks ?? []) {
      if (!c.passed && c.location)
        annotate(
          `${image.name}${image.variant ? ` (${image.variant})` : ''}: ${c.kind} "${c.name}": ${(c.message ?? 'failed').split('\n')[0]}`,
          c.location,
        );
    }
  }
}

function annotate(message: string, where: SourceLocation | undefined): void {
  core.error(message, where ? { file: where.file, startLine: where.line, startColumn: where.column } : undefined);
}
