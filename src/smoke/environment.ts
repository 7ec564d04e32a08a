// The world a smoke test runs in: volumes mounted into the image under test, side services (a database, a
// model store) on a private network where the image reaches them by name (side-services.ts), or a whole
// Compose project in which the image under test replaces one service (compose.ts). Pure argv builders
// first, then prepareEnvironment, which creates everything and registers each piece with Resources the
// moment it exists, so failure, cancellation and the Action's post step (which sweeps by RUN_LABEL) all
// remove it. What the three share is environment-base.ts.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { VolumeSpec } from '../config/types.js';
import { RUN_LABEL } from '../docker/docker.js';
import { MlImageError } from '../errors.js';
import { upCompose } from './compose.js';
import {
  environmentName,
  serviceContainerName,
  volumeName,
  type EnvironmentContext,
  type EnvironmentSpec,
  type Own,
  type TestEnvironment,
} from './environment-base.js';
import { networkCreateArgs, sideServiceRunArgs, startService } from './side-services.js';

/** Docker names: volumes, container names and network aliases all accept this. */
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

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
