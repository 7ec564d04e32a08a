// Side services of a smoke test: containers of other images (a database, a model store) on a private
// network of the test's own, where the image under test reaches them by name. Each is started detached
// and labelled, registered for removal before it exists, and waited for until its readiness check (a TCP
// port accepting connections, a command exiting 0) passes, or it fails with its log.
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { ServiceSpec } from '../config/types.js';
import { RUN_LABEL } from '../docker/docker.js';
import { MlImageError } from '../errors.js';
import { tailOf } from '../process/exec.js';
import { LOG_TAIL_LINES, parseHostPort, plain, type EnvironmentContext, type Own } from './environment-base.js';

export function networkCreateArgs(runId: string, network: string): string[] {
  return ['network', 'create', '--label', `${RUN_LABEL}=${runId}`, network];
}

/**
 * A side service: detached, labelled, reachable on the network by its own name, with the test's volumes
 * (`mounts`) so it can share data with the image under test; a TCP readiness port is published on loopback.
 */
export function sideServiceRunArgs(
  s: ServiceSpec,
  o: { container: string; runId: string; network: string; mounts?: string[] },
): string[] {
  return [
    'run',
    '--detach',
    '--name',
    o.container,
    '--label',
    `${RUN_LABEL}=${o.runId}`,
    '--network',
    o.network,
    '--network-alias',
    s.name,
    ...(o.mounts ?? []),
    ...(s.ready?.port !== undefined ? ['--publish', `127.0.0.1::${s.ready.port}`] : []),
    ...Object.keys(s.env)
      .sort()
      .flatMap((k) => ['--env', `${k}=${s.env[k]}`]),
    s.image,
    ...(s.command ?? []),
  ];
}

export async function startService(
  ctx: EnvironmentContext,
  s: ServiceSpec,
  argv: string[],
  container: string,
  own: Own,
): Promise<void> {
  // Registered before `docker run`: a run that is cancelled halfway may still have created the container.
  own('container', container, () => ctx.docker.removeContainers([container]));
  const started = Date.now();
  const what = `side service "${s.name}" (${s.image})`;
  // Generous: the service's image may have to be pulled first.
  const run = await ctx.docker.call(argv, { timeoutMs: 600_000, signal: ctx.signal });
  if (run.exitCode !== 0) throw new MlImageError(`${what} did not start: ${run.spawnError ?? tailOf(run, 8)}`);
  const notReady = await waitForService(ctx, s, container);
  if (ctx.signal?.aborted) throw new MlImageError(`cancelled while waiting for ${what}`);
  if (notReady) {
    const log = await containerLog(ctx, container);
    throw new MlImageError(
      `${what} ${notReady}; expected: ${readinessText(s)}${log ? `\nlast lines of its log:\n${log}` : ''}`,
    );
  }
  ctx.log.info(`side service "${s.name}" ready (${((Date.now() - started) / 1000).toFixed(1)}s)`);
}

function readinessText(s: ServiceSpec): string {
  const parts: string[] = [];
  if (s.ready?.port !== undefined) parts.push(`port ${s.ready.port} accepts connections`);
  if (s.ready?.command) parts.push(`\`${s.ready.command.join(' ')}\` exits 0`);
  return parts.length ? `${parts.join(' and ')} within ${s.ready!.timeoutMs / 1000}s` : 'it keeps running';
}

/** Polls until the service is ready; returns why it is not (it exited, or its deadline passed), or undefined. */
async function waitForService(ctx: EnvironmentContext, s: ServiceSpec, container: string): Promise<string | undefined> {
  const ready = s.ready;
  // Without a readiness check, a short grace period still catches a service that exits at once.
  const checked = ready !== undefined && (ready.port !== undefined || ready.command !== undefined);
  const windowMs = checked ? ready.timeoutMs : 1_000;
  const deadline = Date.now() + windowMs;
  let hostPort: number | undefined;
  let portOk = ready?.port === undefined;
  let commandOk = !ready?.command;
  let last = 'no answer yet';
  for (;;) {
    if (ctx.signal?.aborted) return 'cancelled';
    const state = await ctx.docker.call(['inspect', '--format', '{{.State.Running}} {{.State.ExitCode}}', container], {
      timeoutMs: 30_000,
    });
    const [running, code] = state.stdout.trim().split(' ');
    if (state.exitCode !== 0) return `could not be inspected: ${tailOf(state, 3)}`;
    if (running !== 'true') return `exited at start (exit code ${code})`;
    if (!portOk) {
      if (hostPort === undefined) {
        const r = await ctx.docker.call(['port', container, `${ready!.port}/tcp`], { timeoutMs: 30_000 });
        hostPort = r.exitCode === 0 ? parseHostPort(r.stdout) : undefined;
      }
      portOk = hostPort !== undefined && (await tcpAnswers(hostPort));
      if (!portOk) last = `port ${ready!.port} did not accept connections`;
    }
    if (portOk && !commandOk) {
      const timeoutMs = Math.max(1_000, Math.min(30_000, deadline - Date.now()));
      const r = await ctx.docker.call(['exec', container, ...ready!.command!], { timeoutMs, signal: ctx.signal });
      commandOk = r.exitCode === 0;
      if (!commandOk)
        last = `\`${ready!.command!.join(' ')}\` ${r.timedOut ? 'timed out' : `exited ${r.exitCode}`}: ${tailOf(r, 3) || 'no output'}`;
    }
    const timeLeft = deadline - Date.now();
    if (portOk && commandOk && (checked || timeLeft <= 0)) return undefined;
    if (timeLeft <= 0) return `was not ready within ${windowMs / 1000}s: ${last}`;
    await delay(Math.min(500, timeLeft), undefined, { signal: ctx.signal }).catch(() => undefined);
  }
}

/**
 * Whether something listens behind a published loopback port. Docker's userland proxy accepts every
 * connection and closes it at once when nothing listens in the container, so a connect alone proves
 * nothing: the connection must also stay open (or bring data) for a moment.
 */
export function tcpAnswers(port: number, host = '127.0.0.1', holdMs = 250): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    let timer = setTimeout(() => done(false), 3_000);
    socket.on('connect', () => (clearTimeout(timer), (timer = setTimeout(() => done(true), holdMs))));
    socket.on('data', () => done(true));
    for (const event of ['end', 'close', 'error']) socket.on(event, () => done(false));
  });
}

async function containerLog(ctx: EnvironmentContext, container: string): Promise<string | undefined> {
  const r = await ctx.docker.call(['logs', '--tail', String(LOG_TAIL_LINES), container], { timeoutMs: 30_000 });
  return plain(`${r.stdout}\n${r.stderr}`) || undefined;
}
