// Runs one image's smoke test in real containers: command checks first, then the HTTP service checks.
// Every check runs (a report lists all failures), every container is removed afterwards, and the
// container log is printed when the service misbehaves.
import type { SmokeTestConfig } from '../config/types.js';
import type { SourceLocation } from '../errors.js';
import { seconds } from '../report/log.js';
import type { Docker } from '../docker/docker.js';
import type { Resources } from '../resources/resources.js';
import { jobName, type BuildJob } from '../plan/plan.js';
import type { Logger } from '../report/log.js';
import { commandRunArgs, parsePublishedPort, serviceRunArgs, type ContainerSpec } from './argv.js';
import { decideGpu } from './gpu.js';
import { errorText, httpRequest, waitReady } from './http.js';
import { commandFailure, httpFailure, type CheckFailure } from './verdict.js';

export interface CheckResult {
  name: string;
  kind: 'command' | 'ready' | 'http';
  passed: boolean;
  durationMs: number;
  message?: string;
  /** For a failed check: what the config asked for and what came, side by side in the summary. */
  expected?: string;
  actual?: string;
  /** For a failed service check: the container log's last lines. */
  log?: string;
  /** The check in the config file, for an annotation on its line. */
  location?: SourceLocation;
}

export interface SmokeResult {
  passed: boolean;
  gpus: boolean;
  checks: CheckResult[];
}

export interface SmokeContext {
  docker: Docker;
  log: Logger;
  resources: Resources;
  runId: string;
  gpuPresent: boolean;
  signal?: AbortSignal;
}

export async function smokeTest(ctx: SmokeContext, job: BuildJob, image: string): Promise<SmokeResult> {
  const config: SmokeTestConfig = job.smokeTest ?? { timeoutMs: 0, gpu: 'none', env: {}, commands: [] };
  const gpu = decideGpu(config.gpu, job.gpu, ctx.gpuPresent, jobName(job));
  if (gpu.warning) ctx.log.warn(gpu.warning);
  const deadline = Date.now() + config.timeoutMs;
  const remaining = () => Math.max(1_000, deadline - Date.now());
  let serial = 0;
  const spec = (): ContainerSpec => ({
    name: `ml-image-${ctx.runId}-${job.id}-${++serial}`,
    runId: ctx.runId,
    image,
    platform: job.platform,
    gpus: gpu.gpus,
    env: config.env,
  });

  const checks: CheckResult[] = [];
  const record = (result: CheckResult) => {
    checks.push(result);
    const secs = seconds(result.durationMs);
    if (result.passed) ctx.log.info(`✓ ${result.kind} "${result.name}" (${secs})`);
    else ctx.log.error(`✗ ${result.kind} "${result.name}" (${secs}): ${result.message ?? 'failed'}`);
  };

  for (const check of config.commands) {
    if (ctx.signal?.aborted) break;
    const started = Date.now();
    const s = spec();
    const key = ctx.resources.add('container', s.name, () => ctx.docker.removeContainers([s.name]));
    const r = await ctx.docker.call(commandRunArgs(s, check.run), { timeoutMs: Math.min(check.timeoutMs, remaining()), signal: ctx.signal });
    await ctx.resources.release(key, ctx.log);
    const failure = r.spawnError
      ? { message: r.spawnError, expected: 'the container starts', actual: r.spawnError }
      : commandFailure(check, { exitCode: r.exitCode, output: `${r.stdout}\n${r.stderr}`, timedOut: r.timedOut });
    record({ name: check.name, kind: 'command', passed: !failure, durationMs: Date.now() - started, ...failure, location: check.location });
  }

  if (config.http && !ctx.signal?.aborted) await httpChecks(ctx, config, spec(), remaining, record);
  return { passed: checks.every((c) => c.passed), gpus: gpu.gpus, checks };
}

async function httpChecks(
  ctx: SmokeContext,
  config: SmokeTestConfig,
  s: ContainerSpec,
  remaining: () => number,
  record: (r: CheckResult) => void,
): Promise<void> {
  const http = config.http!;
  const key = ctx.resources.add('container', s.name, () => ctx.docker.removeContainers([s.name]));
  let started = Date.now();
  try {
    const run = await ctx.docker.call(serviceRunArgs(s, http.port), { timeoutMs: 60_000, signal: ctx.signal });
    const port = run.exitCode === 0 ? await publishedPort(ctx, s.name, http.port) : undefined;
    if (port === undefined) {
      const exited = run.exitCode === 0 ? await exitCode(ctx, s.name) : undefined;
      const why =
        run.exitCode !== 0
          ? run.stderr.trim() || `docker run exited ${run.exitCode}`
          : exited !== undefined
            ? `the container exited at start (exit code ${exited})`
            : `port ${http.port} was not published`;
      const log = run.exitCode === 0 ? await containerLog(ctx, s.name) : undefined;
      record({ name: 'start service', kind: 'ready', passed: false, durationMs: Date.now() - started, message: why, expected: `the service starts and publishes port ${http.port}`, actual: why, log, location: http.ready.location });
      showLog(ctx, log);
      return;
    }
    const base = `http://127.0.0.1:${port}`;
    const notReady = await waitReady({
      url: base + http.ready.path,
      status: http.ready.status,
      timeoutMs: Math.min(http.ready.timeoutMs, remaining()),
      stillRunning: () => isRunning(ctx, s.name),
    });
    const readyName = `${http.ready.path} answers ${http.ready.status}`;
    if (notReady) {
      const log = await containerLog(ctx, s.name);
      const expected = `GET ${http.ready.path} → status ${http.ready.status} within ${http.ready.timeoutMs / 1000}s`;
      record({ name: readyName, kind: 'ready', passed: false, durationMs: Date.now() - started, message: notReady, expected, actual: notReady, log, location: http.ready.location });
      showLog(ctx, log);
      return;
    }
    record({ name: readyName, kind: 'ready', passed: true, durationMs: Date.now() - started });
    const results: CheckResult[] = [];
    for (const check of http.checks) {
      started = Date.now();
      let failure: CheckFailure | undefined;
      try {
        failure = httpFailure(check, await httpRequest(base, check, Math.min(30_000, remaining())));
      } catch (err: unknown) {
        const why = `request failed: ${errorText(err)}`;
        failure = { message: why, expected: `${check.method} ${check.path} → status ${check.expectStatus}`, actual: why };
      }
      results.push({ name: check.name, kind: 'http', passed: !failure, durationMs: Date.now() - started, ...failure, location: check.location });
    }
    // The log is read once, after the checks, and kept with each failed one.
    const log = results.some((r) => !r.passed) ? await containerLog(ctx, s.name) : undefined;
    for (const r of results) record(r.passed ? r : { ...r, log });
    showLog(ctx, log);
  } finally {
    await ctx.resources.release(key, ctx.log);
  }
}

async function publishedPort(ctx: SmokeContext, name: string, port: number): Promise<number | undefined> {
  const r = await ctx.docker.call(['port', name, `${port}/tcp`], { timeoutMs: 30_000 });
  return r.exitCode === 0 ? parsePublishedPort(r.stdout) : undefined;
}

/** The exit code of a container that has stopped; undefined while it runs. */
async function exitCode(ctx: SmokeContext, name: string): Promise<number | undefined> {
  const r = await ctx.docker.call(['inspect', '--format', '{{.State.Running}} {{.State.ExitCode}}', name], { timeoutMs: 30_000 });
  const [running, code] = r.stdout.trim().split(' ');
  return r.exitCode === 0 && running === 'false' ? Number(code) : undefined;
}

async function isRunning(ctx: SmokeContext, name: string): Promise<boolean> {
  const r = await ctx.docker.call(['inspect', '--format', '{{.State.Running}}', name], { timeoutMs: 30_000 });
  return r.exitCode === 0 && r.stdout.trim() === 'true';
}

const LOG_TAIL_LINES = 40;

/** The container log's last lines, kept with the failed checks for the report. */
async function containerLog(ctx: SmokeContext, name: string): Promise<string | undefined> {
  const r = await ctx.docker.call(['logs', '--tail', String(LOG_TAIL_LINES), name], { timeoutMs: 30_000 });
  return `${r.stdout}\n${r.stderr}`.trim() || undefined;
}

function showLog(ctx: SmokeContext, log: string | undefined): void {
  if (log) ctx.log.info(`container log (last ${LOG_TAIL_LINES} lines):\n${log}`);
}
