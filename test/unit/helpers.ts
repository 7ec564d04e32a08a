// Small helpers shared by the unit tests: caught() and hand-built fixtures of the resolved types.
import type { CacheSpec } from '../../src/plan/cache-spec.js';
import type { CacheConfig, VariantConfig } from '../../src/config/types.js';
import type { BuilderInfo } from '../../src/docker/builder.js';
import type { GitContext } from '../../src/meta/context.js';

/** The Error a function throws; fails the test when it throws nothing or a non-Error. */
export function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (err: unknown) {
    if (err instanceof Error) return err;
    throw new Error(`threw a non-Error: ${String(err)}`, { cause: err });
  }
  throw new Error('expected an error, but none was thrown');
}

/** A cache section as resolve.ts makes it from no `cache:` at all; `over` replaces keys. */
export const cacheConfig = (over: Partial<CacheConfig> = {}): CacheConfig => ({
  backend: 'auto',
  ref: undefined,
  mode: 'max',
  scope: undefined,
  mounts: true,
  mountsMaxBytes: 2_000_000_000,
  ...over,
});

/** A job's cache spec as cacheSpec() makes it for job acme-iris without push registries; `over` replaces keys. */
export const cacheSpecOf = (over: Partial<CacheSpec> = {}): CacheSpec => ({
  ...cacheConfig(),
  scope: 'acme-iris',
  ...over,
});

/** Builders as inspectBuilder() describes them, one of each kind the cache table tells apart. */
export const BUILDERS = {
  /** The engine's built-in BuildKit, driven by a classic `docker build` client. */
  builtin: { kind: 'buildkit', driver: 'builtin', containerdStore: false, dataRoot: '/var/lib/docker' },
  /** buildx's default builder on an engine with the classic image store: inline cache only. */
  dockerClassic: {
    kind: 'buildx',
    name: 'default',
    driver: 'docker',
    buildkitVersion: 'v0.12.5',
    buildxVersion: 'v0.13.1',
    containerdStore: false,
    dataRoot: '/var/lib/docker',
  },
  /** buildx's default builder on an engine with the containerd image store, both new enough for gha v2. */
  dockerContainerd: {
    kind: 'buildx',
    name: 'default',
    driver: 'docker',
    buildkitVersion: 'v0.20.2',
    buildxVersion: 'v0.21.2',
    containerdStore: true,
    dataRoot: '/var/lib/docker',
  },
  /** A docker-container builder (setup-buildx-action's), new enough for gha v2. */
  container: {
    kind: 'buildx',
    name: 'builder-3f2a',
    driver: 'docker-container',
    buildkitVersion: 'v0.21.1',
    buildxVersion: 'v0.21.2',
    containerdStore: false,
    dataRoot: '/var/lib/docker',
  },
  /** A remote BuildKit too old for gha v2. */
  remote: {
    kind: 'buildx',
    name: 'farm',
    driver: 'remote',
    buildkitVersion: 'v0.12.5',
    buildxVersion: 'v0.13.1',
    containerdStore: false,
  },
} as const satisfies Record<string, BuilderInfo>;

/** The one variant of an image without variants, as resolve.ts makes it; `over` replaces keys. */
export const variantConfig = (over: Partial<VariantConfig> = {}): VariantConfig => ({
  name: '',
  isDefault: true,
  dockerfile: '/repo/model/Dockerfile',
  buildArgs: {},
  labels: {},
  platforms: [],
  gpu: false,
  runsOn: ['ubuntu-latest'],
  tagSuffix: '',
  cache: cacheConfig(),
  ...over,
});

/** A git context with no repository information; `over` replaces keys. */
export const gitContext = (over: Partial<GitContext> = {}): GitContext => ({
  sha: 'abc',
  ref: 'refs/heads/main',
  eventName: 'push',
  serverUrl: 'https://github.com',
  repo: {},
  usePrHeadSha: false,
  ...over,
});
