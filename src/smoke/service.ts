// The HTTP side of a smoke test: the image's own command as a service — a container of its own with the
// port published on 127.0.0.1, or the Compose project's service — then readiness by polling (status and
// optional body) with a deadline, failing at once with the container's log when it exits, then the request
// checks. The service container is removed afterwards on every path.
import type { HttpConfig } from '../config/types.js';
import { parsePublishedPort, serviceRunArgs } from './container-args.js';
import { errorText, httpRequest, waitReady } from './http.js';
import type { CheckResult, Session } from './session.js';
import { httpFailure, type CheckFailure } from './verdict.js';

const LOG_TAIL_LINES = 40;

/** Where the service under test answers, how to tell it is still up, and its log. */
interface Service {
  port: number;
  stillRunning: () => Promise<boolean>;
  log: () => Promise<string | undefined>;
}

export async function httpChecks(s: Session, http: HttpConfig): Promise<void> {
  const { ctx } = s;
  let started = Date.now();
  const spec = s.spec();
  const key = s.env?.compose
    ? undefined
    : ctx.resources.add('container', spec.name, () => ctx.docker.removeContainers([spec.name]));
  try {
    const service = await startService(s, http, spec.name, started);
    if (!service) return;
    const base = `http://127.0.0.1:${service.port}`;
    const notReady = await waitReady({
      url: base + http.ready.path,
      status: http.ready.status,
      body: http.ready.body,
      timeoutMs: Math.min(http.ready.timeoutMs, s.remaining()),
      stillRunning: service.stillRunning,
    });
    const readyName = `${http.ready.path} answers ${http.ready.status}`;
    if (notReady) {
      const log = await service.log();
      const expected = `GET ${http.ready.path} → status ${http.ready.status}${http.ready.body ? `, body matching /${http.ready.body}/` : ''} within ${http.ready.timeoutMs / 1000}s`;
      s.record({
        name: readyName,
        kind: 'ready',
        passed: false,
        durationMs: Date.now() - started,
        message: notReady,
        expected,
        actual: notReady,
        log,
        location: http.ready.location,
      });
      showLog(s, log);
      return;
    }
    s.record({ name: readyName, kind: 'ready', passed: true, durationMs: Date.now() - started });
    const results: CheckResult[] = [];
    for (const check of http.checks) {
      started = Date.now();
      let failure: CheckFailure | undefined;
      try {
        failure = httpFailure(check, await httpRequest(base, check, Math.min(30_000, s.remaining())));
      } catch (err: unknown) {
        const why = `request failed: ${errorText(err)}`;
        failure = {
          message: why,
          expected: `${check.method} ${check.path} → status ${check.expectStatus}`,
          actual: why,
        };
      }
      results.push({
        name: check.name,
        kind: 'http',
        passed: !failure,
        durationMs: Date.now() - started,
        ...failure,
        location: check.location,
      });
    }
    // The log is read once, after the checks, and kept with each failed one.
    const log = results.some((r) => !r.passed) ? await service.log() : undefined;
    for (const r of results) s.record(r.passed ? r : { ...r, log });
    showLog(s, log);
  } finally {
    if (key) await ctx.resources.release(key, ctx.log);
  }
}

/** Starts the service (or finds the Compose one); records why not and answers undefined when it cannot. */
async function startService(s: Session, http: HttpConfig, name: string, started: number): Promise<Service | undefined> {
  const { ctx } = s;
  const compose = s.env?.compose;
  if (compose) {
    const port = await compose.publishedPort(http.port);
    if (port === undefined) {
      const log = await compose.logs();
      s.record({
        name: 'start service',
        kind: 'ready',
        passed: false,
        durationMs: Date.now() - started,
        message: `the Compose service publishes no host port for ${http.port}`,
        expected: `the service publishes container port ${http.port} (ports: in the Compose file)`,
        actual: 'no published port',
        log,
        location: http.ready.location,
      });
      return undefined;
    }
    return { port, stillRunning: () => Promise.resolve(true), log: async () => tail(await compose.logs()) };
  }
  const run = await ctx.docker.call(serviceRunArgs(s.spec({ name }), http.port), {
    timeoutMs: 60_000,
    signal: ctx.signal,
  });
  const port = run.exitCode === 0 ? await publishedPort(s, name, http.port) : undefined;
  const log = () => containerLog(s, name);
  if (port === undefined) {
    const exited = run.exitCode === 0 ? await exitCode(s, name) : undefined;
    const why =
      run.exitCode !== 0
        ? run.stderr.trim() || `docker run exited ${run.exitCode}`
        : exited !== undefined
          ? `the container exited at start (exit code ${exited})`
          : `port ${http.port} was not published`;
    const text = run.exitCode === 0 ? await log() : undefined;
    s.record({
      name: 'start service',
      kind: 'ready',
      passed: false,
      durationMs: Date.now() - started,
      message: why,
      expected: `the service starts and publishes port ${http.port}`,
      actual: why,
      log: text,
      location: http.ready.location,
    });
    showLog(s, text);
    return undefined;
  }
  return { port, stillRunning: () => isRunning(s, name), log };
}

async function publishedPort(s: Session, name: string, port: number): Promise<number | undefined> {
  const r = await s.ctx.docker.call(['port', name, `${port}/tcp`], { timeoutMs: 30_000 });
  return r.exitCode === 0 ? parsePublishedPort(r.stdout) : undefined;
}

/** The exit code of a container that has stopped; undefined while it runs. */
async function exitCode(s: Session, name: string): Promise<number | undefined> {
  const r = await s.ctx.docker.call(['inspect', '--format', '{{.State.Running}} {{.State.ExitCode}}', name], {
    timeoutMs: 30_000,
  });
  const [running, code] = r.stdout.trim().split(' ');
  return r.exitCode === 0 && running === 'false' ? Number(code) : undefined;
}

async function isRunning(s: Session, name: string): Promise<boolean> {
  const r = await s.ctx.docker.call(['inspect', '--format', '{{.State.Running}}', name], { timeoutMs: 30_000 });
  return r.exitCode === 0 && r.stdout.trim() === 'true';
}

/** The container log's last lines, kept with the failed checks for the report. */
async function containerLog(s: Session, name: string): Promise<string | undefined> {
  const r = await s.ctx.docker.call(['logs', '--tail', String(LOG_TAIL_LINES), name], { timeoutMs: 30_000 });
  return `${r.stdout}\n${r.stderr}`.trim() || undefined;
}

const tail = (text: string): string | undefined =>
  text.trim().split('\n').slice(-LOG_TAIL_LINES).join('\n') || undefined;

function showLog(s: Session, log: string | undefined): void {
  if (log) s.ctx.log.info(`container log (last ${LOG_TAIL_LINES} lines):\n${log}`);
}
