// A Compose project as a smoke test's environment: the project's services brought up with the image under
// test replacing one of them (an override file: never pulled, its build dropped), every container,
// network and volume labelled with the run id, `up --wait` bounded, `down --volumes` on every path, and
// the service's published port found for the HTTP checks. Needs Docker Compose 2.18 or newer.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Document, Scalar } from 'yaml';
import type { ComposeSpec } from '../config/types.js';
import { RUN_LABEL } from '../docker/docker.js';
import { MlImageError } from '../errors.js';
import { tailOf, type ExecResult } from '../process/exec.js';
import {
  LOG_TAIL_LINES,
  parseHostPort,
  plain,
  type EnvironmentContext,
  type Own,
  type TestEnvironment,
} from './environment-base.js';

const DEFAULT_WAIT_MS = 120_000;
/** `!reset` (dropping the file's `build:`) and `--wait-timeout` both need Compose 2.18. */
const MIN_COMPOSE: [number, number] = [2, 18];

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

export async function upCompose(
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
