// The world a smoke test runs in: volumes mounted into the image under test, side services (a database, a
// model store) on a private network where the image reaches them by name, or a whole Compose project in
// which the image under test replaces one service. Pure argv/YAML builders first, then prepareEnvironment,
// which creates everything and registers each piece with Resources the moment it exists, so failure,
// cancellation and the Action's post step (which sweeps by RUN_LABEL) all remove it.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Document, Scalar } from 'yaml';
import { RUN_LABEL, type Docker } from '../docker/docker.js';
import { MlImageError } from '../errors.js';
import { tailOf, type ExecResult } from '../process/exec.js';
import type { Logger } from '../log/log.js';
import type { ResourceKind, Resources } from '../resources/resources.js';
import type { ComposeSpec, ServiceSpec, VolumeSpec } from '../config/types.js';

export interface EnvironmentSpec {
  volumes: VolumeSpec[];
  services: ServiceSpec[];
  compose?: ComposeSpec;
}

export interface TestEnvironment {
  /** extra `docker run` arguments for every container of the image under test: --network, --volume/--mount flags */
  runArgs: string[];
  /** With compose: how to reach the service under test — the compose project name, and a function giving the host port published for a container port (docker compose port). */
  compose?: {
    project: string;
    publishedPort(containerPort: number): Promise<number | undefined>;
    logs(): Promise<string>;
  };
  /** removes everything created (also registered with resources, so failures and cancellation release it) */
  close(): Promise<void>;
}

export interface EnvironmentContext {
  docker: Docker;
  log: Logger;
  resources: Resources;
  runId: string;
  signal?: AbortSignal;
}

const LOG_TAIL_LINES = 40;
const DEFAULT_WAIT_MS = 120_000;
/** `!reset` (dropping the file's `build:`) and `--wait-timeout` both need Compose 2.18. */
const MIN_COMPOSE: [number, number] = [2, 18];
/** Docker names: volumes, container names and network aliases all accept this. */
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

// ---- pure builders ----

/** The network and the Compose project of one job's test: lowercase, as Compose requires of project names. */
export function environmentName(runId: string, jobId: string): string {
  return `ml-image-${runId}-${jobId}`.toLowerCase().replace(/[^a-z0-9_-]+/g, '-');
}

export const volumeName = (runId: string, jobId: string, name: string): string => `ml-image-${runId}-${jobId}-${name}`;
export const serviceContainerName = (runId: string, jobId: string, name: string): string =>
  `ml-image-${runId}-${jobId}-svc-${name}`;

/** Problems with the spec that docker would report less clearly (or, for commas in paths, wrongly). */
export function specProblems(spec: EnvironmentSpec): string[] {
  const problems: string[] = [];
  for (const v of spec.volumes) {
    const what = `volume ${v.name ?? v.source ?? '?'} → ${v.target}`;
    if ((v.source === undefined) === (v.name === undefined))
      problems.push(`${what}: give exactly one of a host path or a volume name`);
    if (v.source !== undefined && !path.isAbsolute(v.source)) problems.push(`${what}: the host path must be absolute`);
    if (v.name !== undefined && !NAME.test(v.name)) problems.push(`${what}: "${v.name}" is not a valid volume name`);
    if (!v.target.startsWith('/')) problems.push(`${what}: the target must be an absolute path in the container`);
  }
  const seen = new Set<string>();
  for (const s of spec.services) {
    if (!NAME.test(s.name)) problems.push(`service "${s.name}": not a valid name (letters, digits, _ . -)`);
    if (seen.has(s.name)) problems.push(`service "${s.name}" is defined twice`);
    seen.add(s.name);
  }
  if (spec.compose && !path.isAbsolute(spec.compose.file))
    problems.push(`compose file ${spec.compose.file}: the path must be absolute`);
  return problems;
}

/** One `key=value` field of --mount, CSV-quoted when the value holds a comma or quote (docker parses it as CSV). */
function mountField(key: string, value: string): string {
  const field = `${key}=${value}`;
  return /[",]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** The --mount flag for one volume; `volume` is the created volume's full name for named ones. */
export function mountArgs(v: VolumeSpec, volume?: string): string[] {
  const fields =
    v.source !== undefined
      ? ['type=bind', mountField('source', v.source)]
      : ['type=volume', mountField('source', volume ?? v.name ?? '')];
  fields.push(mountField('target', v.target));
  if (v.readOnly) fields.push('readonly');
  return ['--mount', fields.join(',')];
}

export function volumeCreateArgs(runId: string, volume: string): string[] {
  return ['volume', 'create', '--label', `${RUN_LABEL}=${runId}`, volume];
}

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

/** The arguments every compose call shares; relative paths in the file resolve against its own directory. */
export function composeArgs(project: string, file: string, override?: string): string[] {
  return [
    'compose',
    '--ansi',
    'never',
    '--project-name',
    project,
    '--project-directory',
    path.dirname(file),
    '--file',
    file,
    ...(override ? ['--file', override] : []),
  ];
}

export function composeUpArgs(base: readonly string[], waitTimeoutMs: number): string[] {
  return [...base, 'up', '--detach', '--wait', '--wait-timeout', String(Math.max(1, Math.ceil(waitTimeoutMs / 1000)))];
}

export function composeDownArgs(base: readonly string[]): string[] {
  return [...base, 'down', '--volumes', '--remove-orphans', '--timeout', '5'];
}

/** What the override needs from `docker compose config --format json`: the (active) services, networks and volumes. */
export interface ComposeModel {
  services: Record<string, { build: boolean }>;
  /** networks and volumes the project creates itself (external ones are someone else's) */
  networks: string[];
  volumes: string[];
}

/** Registers one created resource with Resources and remembers its key for close(). */
type Own = (kind: ResourceKind, name: string, release: () => Promise<void>) => void;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseComposeModel(json: string): ComposeModel {
  const data: unknown = JSON.parse(json);
  const root = isRecord(data) ? data : {};
  const section = (key: string): Record<string, unknown> => (isRecord(root[key]) ? root[key] : {});
  const own = (key: string) =>
    Object.entries(section(key))
      .filter(([, v]) => !(isRecord(v) && v.external === true))
      .map(([k]) => k);
  const services = Object.fromEntries(
    Object.entries(section('services')).map(([k, v]) => [k, { build: isRecord(v) && v.build != null }]),
  );
  return { services, networks: own('networks'), volumes: own('volumes') };
}

/**
 * The override file: the service under test runs the image under test (never pulled, its `build:` dropped
 * with Compose's `!reset`), and every container, network and volume the project creates carries the run
 * label, so the post step's sweep finds them even when `down` never ran.
 */
export function composeOverride(model: ComposeModel, service: string, image: string, runId: string): string {
  const labels = () => ({ [RUN_LABEL]: runId });
  const services: Record<string, Record<string, unknown>> = {};
  for (const name of Object.keys(model.services).sort()) {
    if (name !== service) {
      services[name] = { labels: labels() };
      continue;
    }
    const reset = new Scalar(null);
    reset.tag = '!reset';
    services[name] = {
      image,
      ...(model.services[name]?.build ? { build: reset } : {}),
      pull_policy: 'never',
      labels: labels(),
    };
  }
  const doc = new Document({
    services,
    ...(model.networks.length
      ? { networks: Object.fromEntries([...model.networks].sort().map((n) => [n, { labels: labels() }])) }
      : {}),
    ...(model.volumes.length
      ? { volumes: Object.fromEntries([...model.volumes].sort().map((v) => [v, { labels: labels() }])) }
      : {}),
  });
  return doc.toString();
}

/** The host port in `docker port` / `docker compose port` output ("127.0.0.1:49153", "[::]:49153", "0.0.0.0:49153"). */
export function parseHostPort(output: string): number | undefined {
  const m = /:(\d+)\s*$/m.exec(output.trim().split('\n')[0] ?? '');
  return m ? Number(m[1]) : undefined;
}

// ---- the runner ----

export async function prepareEnvironment(
  ctx: EnvironmentContext,
  spec: EnvironmentSpec,
  image: string,
  jobId: string,
): Promise<TestEnvironment> {
  const problems = specProblems(spec);
  if (problems.length) throw new MlImageError(`smoke-test environment: ${problems.join('; ')}`);
  const keys: string[] = [];
  const own: Own = (kind, name, release) => void keys.push(ctx.resources.add(kind, name, release));
  let closing: Promise<void> | undefined;
  // Reverse order of creation: containers before the network they sit on, the project before its temp dir.
  const close = () =>
    (closing ??= (async () => {
      for (const key of keys.reverse()) await ctx.resources.release(key, ctx.log);
    })());
  const env: TestEnvironment = { runArgs: [], close };
  const base = environmentName(ctx.runId, jobId);
  try {
    for (const v of spec.volumes) {
      if (v.source !== undefined) {
        // --mount (unlike -v) refuses a missing source; say which entry it was.
        if (!(await stat(v.source).catch(() => undefined)))
          throw new MlImageError(`smoke-test volume: host path ${v.source} does not exist`);
        env.runArgs.push(...mountArgs(v));
        continue;
      }
      const volume = volumeName(ctx.runId, jobId, v.name!);
      await ctx.docker.ok(volumeCreateArgs(ctx.runId, volume), `creating volume ${volume}`, {
        timeoutMs: 60_000,
        signal: ctx.signal,
      });
      own('volume', volume, async () => {
        await ctx.docker.call(['volume', 'rm', '--force', volume], { timeoutMs: 60_000 });
      });
      env.runArgs.push(...mountArgs(v, volume));
    }
    if (spec.services.length) {
      const mounts = [...env.runArgs];
      await ctx.docker.ok(networkCreateArgs(ctx.runId, base), `creating network ${base}`, {
        timeoutMs: 60_000,
        signal: ctx.signal,
      });
      own('network', base, async () => {
        await ctx.docker.call(['network', 'rm', base], { timeoutMs: 60_000 });
      });
      env.runArgs.push('--network', base);
      for (const s of spec.services) {
        const container = serviceContainerName(ctx.runId, jobId, s.name);
        await startService(
          ctx,
          s,
          sideServiceRunArgs(s, { container, runId: ctx.runId, network: base, mounts }),
          container,
          own,
        );
      }
    }
    if (spec.compose) env.compose = await upCompose(ctx, spec.compose, image, base, own);
    return env;
  } catch (err: unknown) {
    await close();
    throw err;
  }
}

async function startService(
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

/** Compose writes progress with terminal codes even under --ansi never; reports want plain lines. */
const plain = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').trim();

async function containerLog(ctx: EnvironmentContext, container: string): Promise<string | undefined> {
  const r = await ctx.docker.call(['logs', '--tail', String(LOG_TAIL_LINES), container], { timeoutMs: 30_000 });
  return plain(`${r.stdout}\n${r.stderr}`) || undefined;
}

async function upCompose(
  ctx: EnvironmentContext,
  c: ComposeSpec,
  image: string,
  project: string,
  own: Own,
): Promise<NonNullable<TestEnvironment['compose']>> {
  await checkComposeVersion(ctx);
  const config = await ctx.docker.call([...composeArgs(project, c.file), 'config', '--format', 'json'], {
    timeoutMs: 60_000,
    signal: ctx.signal,
    quiet: true,
  });
  if (config.exitCode !== 0)
    throw new MlImageError(`compose file ${c.file} cannot be read: ${config.spawnError ?? plain(tailOf(config, 8))}`);
  const model = parseComposeModel(config.stdout);
  if (!model.services[c.service]) {
    const known = Object.keys(model.services).sort().join(', ') || 'none';
    throw new MlImageError(
      `compose file ${c.file} has no service "${c.service}" to replace with the image under test (services: ${known})`,
    );
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ml-image-compose-'));
  own('directory', dir, () => rm(dir, { recursive: true, force: true }));
  const override = path.join(dir, 'override.yml');
  await writeFile(override, composeOverride(model, c.service, image, ctx.runId));
  const base = composeArgs(project, c.file, override);
  // Registered before `up`: a failed or cancelled `up` leaves containers, networks and volumes behind.
  own('container', `${project} (compose project)`, async () => {
    const down = await ctx.docker.call(composeDownArgs(base), { timeoutMs: 120_000 });
    if (down.exitCode !== 0) throw new MlImageError(`docker compose down failed: ${plain(tailOf(down, 5))}`);
  });
  const logs = async () => {
    const r = await ctx.docker.call([...base, 'logs', '--no-color', '--tail', String(LOG_TAIL_LINES)], {
      timeoutMs: 30_000,
    });
    return plain(`${r.stdout}\n${r.stderr}`);
  };
  const waitMs = c.waitTimeoutMs ?? DEFAULT_WAIT_MS;
  const started = Date.now();
  // `up` may pull or build side services before the wait starts; its own timeout only bounds the wait.
  const up = await ctx.docker.call(composeUpArgs(base, waitMs), { timeoutMs: waitMs + 600_000, signal: ctx.signal });
  if (ctx.signal?.aborted) throw new MlImageError(`cancelled while compose project ${project} was coming up`);
  if (up.exitCode !== 0) {
    const log = await logs();
    const why = up.spawnError ?? (up.timedOut ? 'timed out' : upFailure(up));
    throw new MlImageError(
      `compose project ${project} (${c.file}) did not come up: ${why}; expected: every service running (healthy where it has a healthcheck) within ${waitMs / 1000}s` +
        (log ? `\nlast lines of its log:\n${log}` : ''),
    );
  }
  ctx.log.info(`compose project ${project} up (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  return {
    project,
    logs,
    publishedPort: async (containerPort) => {
      const r = await ctx.docker.call([...base, 'port', c.service, String(containerPort)], { timeoutMs: 30_000 });
      return r.exitCode === 0 ? parseHostPort(r.stdout) : undefined;
    },
  };
}

/** The error lines of a failed `up`, without its " Container x  Started" progress lines. */
function upFailure(r: ExecResult): string {
  const lines = plain(`${r.stderr}\n${r.stdout}`)
    .split('\n')
    .map((l) => l.trim())
    .filter(
      (l) =>
        l &&
        !/^(Container|Network|Volume)\b.*\b(Creating|Created|Starting|Started|Waiting|Healthy|Running|Stopping|Stopped|Removing|Removed)$/.test(
          l,
        ),
    );
  return lines.slice(-5).join('; ') || `docker compose up exited ${r.exitCode}`;
}

async function checkComposeVersion(ctx: EnvironmentContext): Promise<void> {
  const r = await ctx.docker.call(['compose', 'version', '--short'], { timeoutMs: 30_000, signal: ctx.signal });
  const m = /^v?(\d+)\.(\d+)/.exec(r.stdout.trim());
  if (r.exitCode !== 0 || !m)
    throw new MlImageError(
      `the smoke test's compose file needs Docker Compose v2 (docker compose): ${r.spawnError ?? tailOf(r, 3)}`,
    );
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major < MIN_COMPOSE[0] || (major === MIN_COMPOSE[0] && minor < MIN_COMPOSE[1])) {
    throw new MlImageError(
      `the smoke test's compose file needs Docker Compose ${MIN_COMPOSE.join('.')} or newer; found ${r.stdout.trim()}`,
    );
  }
}
