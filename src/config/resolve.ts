// Turns a config that passed every check into the resolved Config of types.ts: defaults applied, paths
// absolute, durations in milliseconds, variants merged over their image, names lowercased.
import path from 'node:path';
import {
  DEFAULT_SMOKE_TIMEOUT_MS,
  type CacheBackend,
  type CacheConfig,
  type CommandCheckConfig,
  type Config,
  type FileCheck,
  type HttpCheckConfig,
  type HttpConfig,
  type ImageConfig,
  type MetadataCheck,
  type PushEvent,
  type SecretBuildArgsPolicy,
  type ServiceSpec,
  type SmokeTestConfig,
  type VariantConfig,
  type VolumeSpec,
} from './types.js';
import type { PathSegment } from './validate.js';
import { isObject } from '../util/objects.js';
import type { SourceLocation } from '../errors.js';

export interface SourceText {
  sourceText(keyPath: readonly PathSegment[]): string | undefined;
  locate(keyPath: readonly PathSegment[]): SourceLocation;
}

/** Pushes happen on these events unless push.when says otherwise: everything but pull requests. */
export const DEFAULT_PUSH_WHEN: readonly PushEvent[] = ['branch', 'tag', 'schedule', 'workflow-dispatch', 'release'];
export const DEFAULT_RUNS_ON = 'ubuntu-latest';

// The data is valid (schema and semantic checks passed): the casts only narrow what was checked.
type Raw = Record<string, unknown>;

export function resolveConfig(data: Raw, dir: string, root: string, map: SourceText): Omit<Config, 'file'> {
  const images = (data.images as Raw[]).map((raw, index) => resolveImage(raw, index, dir, map));
  const push = (data.push as Raw | undefined) ?? {};
  return {
    version: 1,
    root,
    images,
    push: {
      registries: [...new Set(((push.registries as string[] | undefined) ?? []).map(lowerRegistry))],
      when: [...new Set((push.when as PushEvent[] | undefined) ?? DEFAULT_PUSH_WHEN)],
      immutableTags: push['immutable-tags'] === true,
    },
    policy: {
      secretBuildArgs:
        ((data.policy as Raw | undefined)?.['secret-build-args'] as SecretBuildArgsPolicy | undefined) ?? 'warn',
    },
  };
}

const DOCKER_HUB_ALIASES = /^(?:index\.docker\.io|registry-1\.docker\.io|registry\.hub\.docker\.com)(?=\/|$)/;

/**
 * Registry hosts are case-insensitive and repository paths must be lowercase (GHCR owners often are not);
 * Docker Hub's other names are folded into docker.io, as the docker CLI does.
 */
export function lowerRegistry(registry: string): string {
  return registry.toLowerCase().replace(DOCKER_HUB_ALIASES, 'docker.io');
}

function resolveImage(raw: Raw, index: number, dir: string, map: SourceText): ImageConfig {
  const at = (...rest: PathSegment[]): PathSegment[] => ['images', index, ...rest];
  const context = path.resolve(dir, (raw.context as string | undefined) ?? '.');
  const base: Omit<VariantConfig, 'name' | 'isDefault' | 'tagSuffix'> = {
    dockerfile: path.resolve(context, (raw.dockerfile as string | undefined) ?? 'Dockerfile'),
    target: raw.target as string | undefined,
    buildArgs: stringMap(raw['build-args'], at('build-args'), map),
    labels: stringMap(raw.labels, at('labels'), map),
    platforms: (raw.platforms as string[] | undefined) ?? [],
    gpu: (raw.gpu as boolean | undefined) ?? false,
    runsOn: listOf(raw['runs-on']) ?? [DEFAULT_RUNS_ON],
    ...(raw['platform-runs-on'] ? { platformRunsOn: platformRunsOn(raw['platform-runs-on']) } : {}),
    smokeTest: isObject(raw['smoke-test']) ? resolveSmoke(raw['smoke-test'], at('smoke-test'), map, dir) : undefined,
    cache: resolveCache(raw.cache as Raw | undefined),
  };
  const declared = Object.entries((raw.variants as Record<string, Raw | null> | undefined) ?? {}).map(
    ([n, v]): [string, Raw] => [n, v ?? {}],
  );
  const defaultName = (raw['default-variant'] as string | undefined) ?? declared[0]?.[0];
  const variants: VariantConfig[] =
    declared.length === 0
      ? [{ ...base, name: '', isDefault: true, tagSuffix: '' }]
      : declared.map(([name, v]) => {
          const vAt = (...rest: PathSegment[]) => at('variants', name, ...rest);
          const isDefault = name === defaultName;
          return {
            name,
            isDefault,
            dockerfile: v.dockerfile ? path.resolve(context, v.dockerfile as string) : base.dockerfile,
            target: (v.target as string | undefined) ?? base.target,
            buildArgs: { ...base.buildArgs, ...stringMap(v['build-args'], vAt('build-args'), map) },
            labels: { ...base.labels, ...stringMap(v.labels, vAt('labels'), map) },
            platforms: (v.platforms as string[] | undefined) ?? base.platforms,
            gpu: (v.gpu as boolean | undefined) ?? base.gpu,
            runsOn: listOf(v['runs-on']) ?? base.runsOn,
            ...(base.platformRunsOn || v['platform-runs-on']
              ? { platformRunsOn: { ...base.platformRunsOn, ...platformRunsOn(v['platform-runs-on']) } }
              : {}),
            smokeTest: isObject(v['smoke-test'])
              ? resolveSmoke(v['smoke-test'], vAt('smoke-test'), map, dir)
              : base.smokeTest,
            cache: resolveCache(v.cache as Raw | undefined, base.cache),
            tagSuffix: isDefault ? '' : ((v['tag-suffix'] as string | undefined) ?? `-${name}`),
            latestTag: isDefault ? undefined : (v['latest-tag'] as string | undefined),
          };
        });
  return {
    index,
    name: (raw.name as string).toLowerCase(),
    context,
    secrets: [...new Set((raw.secrets as string[] | undefined) ?? [])],
    reproducible: (raw.reproducible as boolean | undefined) ?? true,
    tags: ruleLines(raw.tags),
    flavor: ruleLines(raw.flavor),
    variants,
  };
}

export const DEFAULT_MOUNTS_MAX_BYTES = 2_000_000_000;

/** A cache section over the one it overrides (a variant's over its image's; the image's over the defaults). */
function resolveCache(raw: Raw | undefined, over?: CacheConfig): CacheConfig {
  const r = raw ?? {};
  return {
    backend: (r.backend as CacheBackend | undefined) ?? over?.backend ?? 'auto',
    ref: (r.ref as string | undefined) ?? over?.ref,
    mode: (r.mode as CacheConfig['mode'] | undefined) ?? over?.mode ?? 'max',
    scope: (r.scope as string | undefined) ?? over?.scope,
    mounts: (r.mounts as boolean | string[] | undefined) ?? over?.mounts ?? true,
    mountsMaxBytes:
      r['mounts-max-size'] !== undefined
        ? sizeBytes(r['mounts-max-size'] as string)
        : (over?.mountsMaxBytes ?? DEFAULT_MOUNTS_MAX_BYTES),
  };
}

const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
};

/** "500MB" | "2GB" | "1.5GiB" → bytes (decimal units as docker prints sizes, binary ones when asked). */
export function sizeBytes(text: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/.exec(text);
  if (!m) throw new Error(`not a size: ${text}`);
  return Math.round(Number(m[1]) * SIZE_UNITS[m[2]]);
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);

/**
 * The smoke-test section: its own settings, then each kind of check and the test's environment, read by a
 * function of its own. `at` is the section's key path, for the locations of its checks.
 */
function resolveSmoke(raw: Raw, at: PathSegment[], map: SourceText, dir: string): SmokeTestConfig {
  const compose = raw.compose as Raw | undefined;
  return {
    timeoutMs: durationMs(raw.timeout, DEFAULT_SMOKE_TIMEOUT_MS),
    gpu: (raw.gpu as SmokeTestConfig['gpu'] | undefined) ?? 'auto',
    ...(raw.retest === 'always' ? { retest: 'always' as const } : {}),
    gpuCheck: raw['gpu-check'] === false ? false : undefined,
    emulated: raw.emulated === 'skip' ? 'skip' : undefined,
    env: stringMap(raw.env, [...at, 'env'], map),
    commands: commandChecks(raw, at, map),
    http: httpChecks(raw, at, map),
    files: fileChecks(raw, at, map),
    metadata: metadataCheck(raw, at, map),
    structureTests: strings(raw['structure-tests']).map((f) => path.resolve(dir, f)),
    volumes: smokeVolumes(raw, dir),
    services: sideServices(raw, at, map),
    compose: compose && { file: path.resolve(dir, compose.file as string), service: compose.service as string },
  };
}

/** smoke-test.commands: each with its expectations, a 60 s limit unless it sets one. */
function commandChecks(raw: Raw, at: PathSegment[], map: SourceText): CommandCheckConfig[] {
  return ((raw.commands as Raw[] | undefined) ?? []).map((c, i): CommandCheckConfig => {
    const run = c.run as string[];
    return {
      name: (c.name as string | undefined) ?? run.join(' '),
      run,
      expectOutput: strings(c['expect-output']),
      excludeOutput: strings(c['exclude-output']),
      expectError: strings(c['expect-error']),
      excludeError: strings(c['exclude-error']),
      expectExitCode: (c['expect-exit-code'] as number | undefined) ?? 0,
      env: stringMap(c.env, [...at, 'commands', i, 'env'], map),
      workdir: c.workdir as string | undefined,
      user: c.user as string | undefined,
      requiresGpu: c['requires-gpu'] === true || undefined,
      timeoutMs: durationMs(c.timeout, 60_000),
      location: map.locate([...at, 'commands', i]),
    };
  });
}

/** smoke-test.http: the service's port, its readiness probe (GET / until 200 by default) and its requests. */
function httpChecks(raw: Raw, at: PathSegment[], map: SourceText): HttpConfig | undefined {
  const http = raw.http as Raw | undefined;
  const ready = (http?.ready as Raw | undefined) ?? {};
  return (
    http && {
      port: http.port as number,
      ready: {
        path: (ready.path as string | undefined) ?? '/',
        status: (ready.status as number | undefined) ?? 200,
        timeoutMs: durationMs(ready.timeout, 60_000),
        body: ready.body as string | undefined,
        location: map.locate([...at, 'http', http.ready ? 'ready' : 'port']),
      },
      checks: ((http.checks as Raw[] | undefined) ?? []).map((c, i): HttpCheckConfig => {
        const method = (c.method as string | undefined) ?? 'GET';
        return {
          name: (c.name as string | undefined) ?? `${method} ${c.path as string}`,
          method,
          path: c.path as string,
          headers: stringMap(c.headers, [...at, 'http', 'checks', i, 'headers'], map),
          json: c.json,
          body: c.body as string | undefined,
          expectStatus: (c['expect-status'] as number | undefined) ?? 200,
          expectBody: c['expect-body'] as string | undefined,
          expectJson: c['expect-json'],
          maxLatencyMs: c['max-latency'] === undefined ? undefined : durationMs(c['max-latency'], 30_000),
          location: map.locate([...at, 'http', 'checks', i]),
        };
      }),
    }
  );
}

/** smoke-test.files: a file that must exist (or must not), with its mode, owner and content. */
function fileChecks(raw: Raw, at: PathSegment[], map: SourceText): FileCheck[] {
  return ((raw.files as Raw[] | undefined) ?? []).map((f, i): FileCheck => ({
    kind: 'file',
    name: (f.name as string | undefined) ?? `${f.exists === false ? 'no ' : ''}${f.path as string}`,
    path: f.path as string,
    shouldExist: f.exists !== false,
    permissions: f.permissions as string | undefined,
    uid: f.uid as number | undefined,
    gid: f.gid as number | undefined,
    isExecutableBy: f['executable-by'] as FileCheck['isExecutableBy'],
    expectContent: strings(f['expect-content']),
    excludeContent: strings(f['exclude-content']),
    location: map.locate([...at, 'files', i]),
  }));
}

/** smoke-test.metadata: the image config's env, labels, entrypoint and the rest, matched literally. */
function metadataCheck(raw: Raw, at: PathSegment[], map: SourceText): MetadataCheck | undefined {
  const metadata = raw.metadata as Raw | undefined;
  return (
    metadata && {
      kind: 'metadata',
      name: 'metadata',
      env: Object.entries(stringMap(metadata.env, [...at, 'metadata', 'env'], map)).map(([key, value]) => ({
        key,
        value,
        isRegex: false,
      })),
      unboundEnv: strings(metadata['unset-env']),
      labels: Object.entries(stringMap(metadata.labels, [...at, 'metadata', 'labels'], map)).map(([key, value]) => ({
        key,
        value,
        isRegex: false,
      })),
      entrypoint: metadata.entrypoint as string[] | undefined,
      cmd: metadata.cmd as string[] | undefined,
      exposedPorts: strings(metadata['exposed-ports']),
      unexposedPorts: strings(metadata['unexposed-ports']),
      volumes: strings(metadata.volumes),
      unmountedVolumes: [],
      workdir: metadata.workdir as string | undefined,
      user: metadata.user as string | undefined,
      location: map.locate([...at, 'metadata']),
    }
  );
}

/** smoke-test.volumes: a host directory (resolved against the config's) or a named volume, at a target. */
function smokeVolumes(raw: Raw, dir: string): VolumeSpec[] {
  return ((raw.volumes as Raw[] | undefined) ?? []).map((v) => ({
    source: typeof v.source === 'string' ? path.resolve(dir, v.source) : undefined,
    name: v.name as string | undefined,
    target: v.target as string,
    readOnly: v['read-only'] === true,
  }));
}

/** smoke-test.services: side containers the image reaches by name, each with its own readiness. */
function sideServices(raw: Raw, at: PathSegment[], map: SourceText): ServiceSpec[] {
  return ((raw.services as Raw[] | undefined) ?? []).map((sv, i) => {
    const ready = sv.ready as Raw | undefined;
    return {
      name: sv.name as string,
      image: sv.image as string,
      env: stringMap(sv.env, [...at, 'services', i, 'env'], map),
      command: sv.command as string[] | undefined,
      ready: ready && {
        port: ready.port as number | undefined,
        command: ready.command as string[] | undefined,
        timeoutMs: durationMs(ready.timeout, 60_000),
      },
    };
  });
}

/** A list, or a block string read as metadata-action reads its inputs: one item a line, # comments. */
export function ruleLines(value: unknown): string[] {
  if (Array.isArray(value)) return value as string[];
  if (typeof value !== 'string') return [];
  return value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** GitHub's arm64 runners, for linux/arm64 builds in the fan-out matrix unless the config names others. */
export const DEFAULT_PLATFORM_RUNS_ON: Record<string, string[]> = { 'linux/arm64': ['ubuntu-24.04-arm'] };

function platformRunsOn(value: unknown): Record<string, string[]> {
  if (!isObject(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([p, labels]) => [p, listOf(labels) ?? []]));
}

function listOf(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? (value as string[]) : undefined;
}

/** A map of strings; numbers and booleans keep the text the user wrote (`3.10` stays "3.10"). */
function stringMap(value: unknown, keyPath: PathSegment[], map: SourceText): Record<string, string> {
  return Object.fromEntries(
    Object.entries(isObject(value) ? value : {}).map(([k, v]) => [
      k,
      typeof v === 'string' ? v : (map.sourceText([...keyPath, k]) ?? String(v)),
    ]),
  );
}

/** "90s" | "2m" | "500ms" | "1h" | 30 (seconds) → milliseconds; the schema has checked the form. */
export function durationMs(value: unknown, fallback: number): number {
  if (typeof value === 'number') return value * 1000;
  if (typeof value !== 'string') return fallback;
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$/.exec(value);
  if (!m) return fallback;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  // Up, not to nearest: "0.4ms" must not become 0, which means no limit to execa.
  return Math.ceil(Number(m[1]) * unit);
}
