// The cache model, table by table: where a job's cache lives (cacheSpec), which backend a builder and a run
// allow (chooseCache), the build arguments for it (cacheArgs), what the builder is (docker/builder.ts), and
// the config's cache section (schema, resolve). The argv of a named builder is in build-argv.test.ts.
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  cacheArgs,
  chooseCache,
  exportsCaches,
  type Backend,
  type CacheArgs,
  type CacheChoice,
  type CacheRun,
} from '../../src/cache/cache.js';
import { cacheSpec, type CacheSpec, type CacheSpecInput } from '../../src/plan/cache-spec.js';
import { parseConfig } from '../../src/config/load.js';
import { DEFAULT_MOUNTS_MAX_BYTES, sizeBytes } from '../../src/config/resolve.js';
import type { CacheBackend, Config } from '../../src/config/types.js';
import {
  atLeast,
  parseBuildxInspect,
  parseBuildxVersion,
  parseDockerInfo,
  type BuilderInfo,
} from '../../src/docker/builder.js';
import { ConfigError, type ConfigIssue } from '../../src/errors.js';
import type { GitContext } from '../../src/meta/context.js';
import { BUILDERS, cacheConfig, cacheSpecOf, gitContext } from './helpers.js';

const REG = 'ghcr.io/acme/acme/iris';
const BASE = `${REG}:buildcache`;
const EXPLICIT = 'quay.io/acme/cache:iris';

describe('cacheSpec: which registry caches a run writes and reads', () => {
  const spec = (git: Partial<GitContext>, over: Partial<CacheSpecInput> = {}): CacheSpec =>
    cacheSpec({
      cache: cacheConfig(),
      image: 'acme/iris',
      variant: '',
      jobId: 'acme-iris',
      registries: ['ghcr.io/acme', '127.0.0.1:5000'],
      git: gitContext({ defaultBranch: 'main', ...git }),
      ...over,
    });
  const pr = (baseRef?: string): Partial<GitContext> => ({
    eventName: 'pull_request',
    ref: 'refs/pull/7/merge',
    baseRef,
  });

  it.each([
    { name: 'push to the default branch', git: {}, want: { write: BASE, read: [BASE] } },
    {
      name: 'a variant has its own cache',
      git: {},
      over: { variant: 'cuda12' },
      want: { write: `${BASE}-cuda12`, read: [`${BASE}-cuda12`] },
    },
    {
      name: 'a feature branch writes its own, reads the default one after it',
      git: { ref: 'refs/heads/feat/x' },
      want: { write: `${BASE}-feat-x`, read: [`${BASE}-feat-x`, BASE] },
    },
    {
      name: 'a feature branch of a variant',
      git: { ref: 'refs/heads/feat/x' },
      over: { variant: 'cuda12' },
      want: { write: `${BASE}-cuda12-feat-x`, read: [`${BASE}-cuda12-feat-x`, `${BASE}-cuda12`] },
    },
    {
      name: 'a long branch name is cut to 60 characters',
      git: { ref: `refs/heads/${'b'.repeat(80)}` },
      want: { write: `${BASE}-${'b'.repeat(60)}`, read: [`${BASE}-${'b'.repeat(60)}`, BASE] },
    },
    { name: 'a pull request into the default branch: no write', git: pr('main'), want: { read: [BASE] } },
    {
      name: 'a pull request into release/1: its base cache, then the default',
      git: pr('release/1'),
      want: { read: [`${BASE}-release-1`, BASE] },
    },
    { name: 'a pull request without a base ref', git: pr(undefined), want: { read: [BASE] } },
    {
      name: 'pull_request_target (ref is the base branch)',
      git: { eventName: 'pull_request_target', ref: 'refs/heads/main', baseRef: 'main' },
      want: { read: [BASE] },
    },
    {
      name: 'a tag push writes the default cache',
      git: { ref: 'refs/tags/v1.2.3' },
      want: { write: BASE, read: [BASE] },
    },
    { name: 'a schedule on the default branch', git: { eventName: 'schedule' }, want: { write: BASE, read: [BASE] } },
    {
      name: 'an explicit ref on the default branch',
      git: {},
      over: { cache: cacheConfig({ ref: EXPLICIT }) },
      want: { write: EXPLICIT, read: [EXPLICIT] },
    },
    {
      name: 'an explicit ref is the same on every branch',
      git: { ref: 'refs/heads/feat/x' },
      over: { cache: cacheConfig({ ref: EXPLICIT }) },
      want: { write: EXPLICIT, read: [EXPLICIT] },
    },
    {
      name: 'an explicit ref in a pull request: read only',
      git: pr('main'),
      over: { cache: cacheConfig({ ref: EXPLICIT }) },
      want: { read: [EXPLICIT] },
    },
    {
      name: 'an explicit ref without push registries',
      git: {},
      over: { registries: [], cache: cacheConfig({ ref: EXPLICIT }) },
      want: { write: EXPLICIT, read: [EXPLICIT] },
    },
  ] as { name: string; git: Partial<GitContext>; over?: Partial<CacheSpecInput>; want: CacheSpec['registry'] }[])(
    '$name',
    ({ git, over, want }) => {
      const got = spec(git, over).registry;
      expect(got).toEqual(want);
      expect(got?.write).toBe(want?.write);
    },
  );

  it('no push registries and no ref: no registry cache, the rest of the config kept', () => {
    expect(spec({}, { registries: [] })).toStrictEqual({ ...cacheConfig(), scope: 'acme-iris' });
  });

  it('the scope is the job id unless the config names one', () => {
    expect([spec({}).scope, spec({}, { cache: cacheConfig({ scope: 'iris-shared' }) }).scope]).toEqual([
      'acme-iris',
      'iris-shared',
    ]);
  });
});

describe('chooseCache: the auto table and explicit backends', () => {
  const OWN = { write: BASE, read: [BASE] };
  const specs = {
    reg: cacheSpecOf({ registry: OWN }),
    pr: cacheSpecOf({ registry: { read: [BASE] } }),
    none: cacheSpecOf(),
  };
  type Row = [
    builder: keyof typeof BUILDERS,
    backend: CacheBackend,
    spec: keyof typeof specs,
    push: boolean,
    gha: boolean,
    want: Backend,
    write: boolean,
    needs: boolean,
    reason: string,
  ];
  const INLINE_ONLY = (b: string) => `${b} exports only inline cache`;
  const rows: Row[] = [
    [
      'builtin',
      'auto',
      'reg',
      true,
      false,
      'inline',
      true,
      false,
      `auto; ${INLINE_ONLY("the engine's built-in BuildKit")}`,
    ],
    [
      'builtin',
      'auto',
      'reg',
      false,
      false,
      'none',
      false,
      false,
      `auto; ${INLINE_ONLY("the engine's built-in BuildKit")}, and this run pushes nothing`,
    ],
    [
      'dockerClassic',
      'auto',
      'reg',
      true,
      true,
      'inline',
      true,
      false,
      `auto; ${INLINE_ONLY('buildx docker driver (classic image store)')}`,
    ],
    [
      'dockerClassic',
      'auto',
      'none',
      false,
      true,
      'none',
      false,
      false,
      `auto; ${INLINE_ONLY('buildx docker driver (classic image store)')}, and this run pushes nothing`,
    ],
    [
      'dockerContainerd',
      'auto',
      'reg',
      true,
      false,
      'registry',
      true,
      false,
      'auto: a push registry and buildx docker driver (containerd image store)',
    ],
    [
      'container',
      'auto',
      'reg',
      true,
      true,
      'registry',
      true,
      false,
      'auto: a push registry and buildx docker-container driver',
    ],
    [
      'container',
      'auto',
      'reg',
      false,
      false,
      'registry',
      false,
      false,
      'auto: a push registry and buildx docker-container driver (read only: this run pushes nothing)',
    ],
    ['remote', 'auto', 'reg', true, false, 'registry', true, false, 'auto: a push registry and buildx remote driver'],
    [
      'container',
      'auto',
      'none',
      false,
      true,
      'gha',
      true,
      false,
      "auto: no push registry; GitHub's cache service (v2)",
    ],
    [
      'dockerContainerd',
      'auto',
      'none',
      true,
      true,
      'gha',
      true,
      false,
      "auto: no push registry; GitHub's cache service (v2)",
    ],
    ['container', 'auto', 'none', true, false, 'local', true, false, 'auto: no push registry'],
    [
      'remote',
      'auto',
      'none',
      true,
      true,
      'local',
      true,
      false,
      "auto: no push registry; BuildKit v0.12.5 / buildx v0.13.1 cannot use GitHub's cache service v2",
    ],
    ['builtin', 'none', 'reg', true, true, 'none', false, false, 'cache.backend: none'],
    ['container', 'none', 'reg', true, true, 'none', false, false, 'cache.backend: none'],
    ['builtin', 'inline', 'reg', true, false, 'inline', true, false, 'cache.backend: inline'],
    ['container', 'inline', 'reg', false, false, 'inline', false, false, 'cache.backend: inline'],
    ['container', 'registry', 'reg', true, false, 'registry', true, false, 'cache.backend: registry'],
    ['dockerContainerd', 'registry', 'pr', true, false, 'registry', false, false, 'cache.backend: registry'],
    [
      'container',
      'registry',
      'none',
      true,
      false,
      'local',
      true,
      false,
      'cache.backend: registry, but no push registry or cache.ref: local instead',
    ],
    [
      'dockerClassic',
      'registry',
      'reg',
      true,
      false,
      'registry',
      true,
      true,
      'cache.backend: registry; buildx docker driver (classic image store) cannot export it: a docker-container builder',
    ],
    [
      'builtin',
      'registry',
      'reg',
      true,
      false,
      'inline',
      true,
      false,
      `cache.backend: registry needs buildx; ${INLINE_ONLY("the engine's built-in BuildKit")}`,
    ],
    ['container', 'local', 'reg', false, true, 'local', true, false, 'cache.backend: local'],
    [
      'dockerClassic',
      'local',
      'none',
      false,
      false,
      'local',
      true,
      true,
      'cache.backend: local; buildx docker driver (classic image store) cannot export it: a docker-container builder',
    ],
    [
      'builtin',
      'local',
      'none',
      false,
      false,
      'none',
      false,
      false,
      `cache.backend: local needs buildx; ${INLINE_ONLY("the engine's built-in BuildKit")}, and this run pushes nothing`,
    ],
    ['dockerContainerd', 'gha', 'reg', false, true, 'gha', true, false, 'cache.backend: gha'],
    [
      'container',
      'gha',
      'none',
      true,
      false,
      'local',
      true,
      false,
      "cache.backend: gha, but GitHub's cache service is not available here: local instead",
    ],
    [
      'builtin',
      'gha',
      'none',
      true,
      true,
      'inline',
      true,
      false,
      `cache.backend: gha needs buildx; ${INLINE_ONLY("the engine's built-in BuildKit")}`,
    ],
  ];
  it.each(rows)(
    '%s, %s, registry %s, push %s, gha service %s → %s',
    (builder, backend, spec, push, gha, want, write, needs, reason) => {
      const run: CacheRun = { push, ghaService: gha, localDir: '/cache' };
      expect(chooseCache({ ...specs[spec], backend }, BUILDERS[builder], run)).toStrictEqual({
        backend: want,
        write,
        needsContainerBuilder: needs,
        reason,
      });
    },
  );

  it('gha on the docker driver with a new buildx: a docker-container builder exports it', () => {
    const builder: BuilderInfo = { ...BUILDERS.dockerClassic, buildxVersion: 'v0.21.2' };
    const reason =
      'cache.backend: gha; buildx docker driver (classic image store) cannot export it: a docker-container builder';
    expect(
      chooseCache(cacheSpecOf({ backend: 'gha' }), builder, { push: true, ghaService: true, localDir: '/cache' }),
    ).toStrictEqual({ backend: 'gha', write: true, needsContainerBuilder: true, reason });
  });

  // A fallback to local must still be exportable by the builder (or ask for a container builder); the
  // built-in BuildKit never gets one.
  it('never a registry, gha or local cache the builder cannot export without a container builder', () => {
    const bad: string[] = [];
    for (const [name, builder] of Object.entries(BUILDERS) as [string, BuilderInfo][])
      for (const backend of ['auto', 'registry', 'gha', 'local', 'inline', 'none'] as const)
        for (const [s, spec] of Object.entries(specs))
          for (const push of [true, false])
            for (const ghaService of [true, false]) {
              const c = chooseCache({ ...spec, backend }, builder, { push, ghaService, localDir: '/cache' });
              const exportable =
                c.backend === 'none' || c.backend === 'inline' || exportsCaches(builder) || c.needsContainerBuilder;
              if (!exportable || (c.needsContainerBuilder && builder.kind !== 'buildx'))
                bad.push(`${name} ${backend} ${s} push=${push} gha=${ghaService} → ${c.backend}`);
            }
    expect(bad).toEqual([]);
  });

  // A builder created by the same old buildx could not speak GitHub's cache protocol v2 either.
  it('gha with a buildx older than 0.21: local, no container builder that could not help', () => {
    const builder: BuilderInfo = { ...BUILDERS.container, buildxVersion: 'v0.13.1' };
    const c = chooseCache(cacheSpecOf({ backend: 'gha' }), builder, {
      push: true,
      ghaService: true,
      localDir: '/cache',
    });
    expect([c.backend, c.needsContainerBuilder]).toEqual(['local', false]);
  });

  // push.when: pull-request pushes, but pull requests write no cache.
  it('a pushing pull request: read only, without claiming the run pushes nothing', () => {
    const c = chooseCache(specs.pr, BUILDERS.container, { push: true, ghaService: false, localDir: '/cache' });
    expect([c.backend, c.write]).toEqual(['registry', false]);
    expect(c.reason).not.toContain('this run pushes nothing');
  });
});

describe('cacheArgs: the exact arguments per backend', () => {
  const REFS = ['ghcr.io/acme/iris:1.0', '127.0.0.1:5000/acme/iris:1.0'];
  const choice = (backend: Backend, write: boolean): CacheChoice => ({
    backend,
    write,
    reason: 'r',
    needsContainerBuilder: false,
  });
  const FROM_TO_OWN = { write: `${BASE}-feat-x`, read: [`${BASE}-feat-x`, BASE] };
  type Row = {
    name: string;
    builder: BuilderInfo;
    choice: CacheChoice;
    spec?: Partial<CacheSpec>;
    refs?: string[];
    localExists?: boolean;
    want: CacheArgs;
  };
  const rows: Row[] = [
    {
      name: 'none, built-in',
      builder: BUILDERS.builtin,
      choice: choice('none', false),
      refs: REFS,
      want: { args: [], buildArgs: {} },
    },
    {
      name: 'none, buildx',
      builder: BUILDERS.container,
      choice: choice('none', false),
      refs: REFS,
      want: { args: [], buildArgs: {} },
    },
    {
      name: 'inline, built-in, writing',
      builder: BUILDERS.builtin,
      choice: choice('inline', true),
      refs: REFS,
      want: { args: ['--cache-from', REFS[0]], buildArgs: { BUILDKIT_INLINE_CACHE: '1' } },
    },
    {
      name: 'inline, built-in, reading only',
      builder: BUILDERS.builtin,
      choice: choice('inline', false),
      refs: REFS,
      want: { args: ['--cache-from', REFS[0]], buildArgs: {} },
    },
    {
      name: 'inline, built-in, nothing pushed before',
      builder: BUILDERS.builtin,
      choice: choice('inline', true),
      refs: [],
      want: { args: [], buildArgs: { BUILDKIT_INLINE_CACHE: '1' } },
    },
    {
      name: 'inline, buildx, writing',
      builder: BUILDERS.dockerClassic,
      choice: choice('inline', true),
      refs: REFS,
      want: { args: ['--cache-from', `type=registry,ref=${REFS[0]}`, '--cache-to', 'type=inline'], buildArgs: {} },
    },
    {
      name: 'inline, buildx, reading only',
      builder: BUILDERS.dockerClassic,
      choice: choice('inline', false),
      refs: REFS,
      want: { args: ['--cache-from', `type=registry,ref=${REFS[0]}`], buildArgs: {} },
    },
    {
      name: 'registry: one --cache-from per read ref, own first; --cache-to the own ref',
      builder: BUILDERS.container,
      choice: choice('registry', true),
      spec: { registry: FROM_TO_OWN },
      want: {
        args: [
          '--cache-from',
          `type=registry,ref=${BASE}-feat-x`,
          '--cache-from',
          `type=registry,ref=${BASE}`,
          '--cache-to',
          `type=registry,ref=${BASE}-feat-x,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true`,
        ],
        buildArgs: {},
      },
    },
    {
      name: 'registry, mode min',
      builder: BUILDERS.dockerContainerd,
      choice: choice('registry', true),
      spec: { mode: 'min', registry: { write: BASE, read: [BASE] } },
      want: {
        args: [
          '--cache-from',
          `type=registry,ref=${BASE}`,
          '--cache-to',
          `type=registry,ref=${BASE},mode=min,image-manifest=true,oci-mediatypes=true,ignore-error=true`,
        ],
        buildArgs: {},
      },
    },
    {
      name: 'registry, not writing',
      builder: BUILDERS.container,
      choice: choice('registry', false),
      spec: { registry: FROM_TO_OWN },
      want: {
        args: ['--cache-from', `type=registry,ref=${BASE}-feat-x`, '--cache-from', `type=registry,ref=${BASE}`],
        buildArgs: {},
      },
    },
    {
      name: 'registry, a pull request (no write ref)',
      builder: BUILDERS.container,
      choice: choice('registry', true),
      spec: { registry: { read: [BASE] } },
      want: { args: ['--cache-from', `type=registry,ref=${BASE}`], buildArgs: {} },
    },
    {
      name: 'gha: the scope, and no URL or token in argv',
      builder: BUILDERS.container,
      choice: choice('gha', true),
      want: {
        args: [
          '--cache-from',
          'type=gha,scope=acme-iris',
          '--cache-to',
          'type=gha,scope=acme-iris,mode=max,ignore-error=true',
        ],
        buildArgs: {},
      },
    },
    {
      name: 'gha, an explicit scope, not writing',
      builder: BUILDERS.container,
      choice: choice('gha', false),
      spec: { scope: 'shared' },
      want: { args: ['--cache-from', 'type=gha,scope=shared'], buildArgs: {} },
    },
    {
      name: 'local with a previous export: read it, export next to it, swap after',
      builder: BUILDERS.container,
      choice: choice('local', true),
      localExists: true,
      want: {
        args: [
          '--cache-from',
          'type=local,src=/cache/acme-iris',
          '--cache-to',
          'type=local,dest=/cache/acme-iris.new-r1,mode=max,ignore-error=true',
        ],
        buildArgs: {},
        localSwap: { from: '/cache/acme-iris.new-r1', to: '/cache/acme-iris' },
      },
    },
    {
      name: 'local, first run: no --cache-from (BuildKit fails on a missing src)',
      builder: BUILDERS.dockerContainerd,
      choice: choice('local', true),
      spec: { mode: 'min' },
      want: {
        args: ['--cache-to', 'type=local,dest=/cache/acme-iris.new-r1,mode=min,ignore-error=true'],
        buildArgs: {},
        localSwap: { from: '/cache/acme-iris.new-r1', to: '/cache/acme-iris' },
      },
    },
    {
      name: 'local, not writing: no swap',
      builder: BUILDERS.container,
      choice: choice('local', false),
      localExists: true,
      want: { args: ['--cache-from', 'type=local,src=/cache/acme-iris'], buildArgs: {}, localSwap: undefined },
    },
  ];
  it.each(rows)('$name', ({ builder, choice: c, spec, refs, localExists, want }) => {
    const got = cacheArgs({
      choice: c,
      spec: cacheSpecOf(spec),
      builder,
      localDir: '/cache',
      pushRefs: refs ?? [],
      localExists: localExists ?? false,
      runId: 'r1',
    });
    expect(got).toStrictEqual(want);
    expect(got.args.join(' ')).not.toMatch(/token|url=|ACTIONS_/i);
  });
});

describe('what the builder is', () => {
  const BUILDX_013_DOCKER = `Name:          default
Driver:        docker
Last Activity: 2024-04-02 09:12:44 +0000 UTC

Nodes:
Name:             default
Endpoint:         default
Status:           running
BuildKit version: v0.12.5
Platforms:        linux/amd64, linux/amd64/v2, linux/amd64/v3, linux/386
Labels:
 org.mobyproject.buildkit.worker.moby.host-gateway-ip: 172.17.0.1
GC Policy rule#0:
 All:           false
 Keep Duration: 48h0m0s
`;
  const BUILDX_010_CONTAINER = `Name:   mybuilder
Driver: docker-container

Nodes:
Name:      mybuilder0
Endpoint:  unix:///var/run/docker.sock
Status:    running
Buildkit:  v0.11.6
Platforms: linux/amd64, linux/amd64/v2, linux/amd64/v3, linux/386
`;
  const BUILDX_021_CONTAINER = `Name:          builder-3f2a
Driver:        docker-container
Last Activity: 2025-03-10 08:01:02 +0000 UTC

Nodes:
Name:                  builder-3f2a0
Endpoint:              unix:///var/run/docker.sock
Driver Options:        image="moby/buildkit:buildx-stable-1" network="host"
Status:                running
BuildKit daemon flags: --allow-insecure-entitlement=network.host
BuildKit version:      v0.20.1
Platforms:             linux/amd64, linux/386
`;
  it.each([
    {
      name: 'buildx 0.13, docker driver',
      text: BUILDX_013_DOCKER,
      want: { name: 'default', driver: 'docker', buildkitVersion: 'v0.12.5' },
    },
    {
      name: 'an older buildx: "Buildkit:"',
      text: BUILDX_010_CONTAINER,
      want: { name: 'mybuilder', driver: 'docker-container', buildkitVersion: 'v0.11.6' },
    },
    {
      name: 'a docker-container builder with driver options and daemon flags',
      text: BUILDX_021_CONTAINER,
      want: { name: 'builder-3f2a', driver: 'docker-container', buildkitVersion: 'v0.20.1' },
    },
    {
      name: 'an inactive builder: no version',
      text: 'Name:   k8s\nDriver: kubernetes\n\nNodes:\nName:      k8s0\nStatus:    inactive\n',
      want: { name: 'k8s', driver: 'kubernetes', buildkitVersion: undefined },
    },
    {
      name: 'an unknown driver',
      text: 'Name:   cloud-acme\nDriver: cloud\n',
      want: { name: 'cloud-acme', driver: undefined, buildkitVersion: undefined },
    },
    { name: 'nothing', text: '', want: { name: undefined, driver: undefined, buildkitVersion: undefined } },
  ])('parseBuildxInspect: $name', ({ text, want }) => {
    expect(parseBuildxInspect(text)).toStrictEqual(want);
  });

  it.each([
    {
      name: 'containerd image store',
      json: '{"Driver":"overlayfs","DriverStatus":[["driver-type","io.containerd.snapshotter.v1"]],"DockerRootDir":"/var/lib/docker"}',
      want: { containerdStore: true, dataRoot: '/var/lib/docker' },
    },
    {
      name: 'classic overlay2',
      json: '{"Driver":"overlay2","DriverStatus":[["Backing Filesystem","extfs"],["Supports d_type","true"]],"DockerRootDir":"/mnt/docker"}',
      want: { containerdStore: false, dataRoot: '/mnt/docker' },
    },
    {
      name: 'DriverStatus null, no data root',
      json: '{"DriverStatus":null}',
      want: { containerdStore: false, dataRoot: undefined },
    },
    { name: 'invalid JSON', json: 'Cannot connect to the Docker daemon', want: { containerdStore: false } },
  ])('parseDockerInfo: $name', ({ json, want }) => {
    expect(parseDockerInfo(json)).toStrictEqual(want);
  });

  it.each([
    { text: 'github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3', want: 'v0.13.1' },
    { text: 'github.com/docker/buildx v0.21.2 1360a9e', want: 'v0.21.2' },
    { text: 'github.com/docker/buildx v0.13.1-desktop.1 788433953af10f2a698f5c07611dcdeb2', want: 'v0.13.1' },
    { text: "docker: 'buildx' is not a docker command.", want: undefined },
  ])('parseBuildxVersion: $text → $want', ({ text, want }) => {
    expect(parseBuildxVersion(text)).toBe(want);
  });

  it.each([
    { v: 'v0.20.1', want: true },
    { v: 'v0.20.0', want: true },
    { v: 'v0.19.9', want: false },
    { v: '0.21.0+ds1', want: true },
    { v: 'v0.100.0', want: true },
    { v: 'v0.3.0', want: false },
    { v: 'v1.0.0', want: true },
    { v: 'unknown', want: false },
    { v: undefined, want: false },
  ])('atLeast($v, 0, 20) → $want', ({ v, want }) => {
    expect(atLeast(v, 0, 20)).toBe(want);
  });
});

describe('the config cache section', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ml-image-cache-config-'));
  mkdirSync(path.join(dir, '.git'));
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const parse = (text: string): Config => parseConfig(text, path.join(dir, 'ml-image.yml'), dir);
  const img = (...more: string[]): string =>
    ['version: 1', 'images:', '  - name: a', ...more.map((l) => `    ${l}`), ''].join('\n');
  const issuesOf = (text: string): readonly ConfigIssue[] => {
    try {
      parse(text);
    } catch (err: unknown) {
      if (err instanceof ConfigError) return err.issues;
      throw err;
    }
    throw new Error('expected a ConfigError, but the config was accepted');
  };
  const issue = (line: number, column: number, keyPath: string, message: string): ConfigIssue => ({
    location: { file: 'ml-image.yml', line, column },
    path: keyPath,
    message,
  });

  it.each([
    { text: '500MB', bytes: 500_000_000 },
    { text: '2GB', bytes: 2_000_000_000 },
    { text: '1.5GiB', bytes: 1_610_612_736 },
    { text: '10B', bytes: 10 },
  ])('sizeBytes($text) = $bytes', ({ text, bytes }) => {
    expect(sizeBytes(text)).toBe(bytes);
  });

  it('sizeBytes refuses what is no size; the default bound is 2GB', () => {
    expect(() => sizeBytes('2 gigs')).toThrow('not a size: 2 gigs');
    expect(DEFAULT_MOUNTS_MAX_BYTES).toBe(2_000_000_000);
  });

  it("every key on an image; a variant's keys override it, the rest merged", () => {
    const cache = [
      'cache:',
      '  backend: registry',
      '  ref: ghcr.io/acme/iris:buildcache',
      '  mode: min',
      '  mounts: [pip]',
      '  mounts-max-size: 500MB',
    ];
    const config = parse(
      img(
        ...cache,
        'variants:',
        '  cpu: {}',
        '  gpu:',
        '    cache: { mode: max, scope: iris-gpu, mounts: false, mounts-max-size: 1GiB }',
      ),
    );
    const image = {
      backend: 'registry',
      ref: 'ghcr.io/acme/iris:buildcache',
      mode: 'min',
      scope: undefined,
      mounts: ['pip'],
      mountsMaxBytes: 500_000_000,
    };
    expect(config.images[0].variants.map((v) => v.cache)).toStrictEqual([
      image,
      { ...image, mode: 'max', scope: 'iris-gpu', mounts: false, mountsMaxBytes: 2 ** 30 },
    ]);
  });

  it.each([
    {
      name: 'a size in words',
      yaml: img('cache:', '  mounts-max-size: 2 gigs'),
      issues: [issue(5, 24, 'images[0].cache.mounts-max-size', 'expected a size like 500MB or 2GB, got "2 gigs"')],
    },
    {
      name: 'an unknown backend on a variant',
      yaml: img('variants:', '  gpu:', '    cache: { backend: s3 }'),
      issues: [
        issue(
          6,
          27,
          'images[0].variants.gpu.cache.backend',
          'expected one of auto, registry, gha, local, inline, none, got "s3"',
        ),
      ],
    },
    {
      name: 'a ref without a tag',
      yaml: img('cache: { ref: ghcr.io/acme/iris }'),
      issues: [
        issue(
          4,
          19,
          'images[0].cache.ref',
          'expected a reference with a tag, like ghcr.io/acme/iris:buildcache, got "ghcr.io/acme/iris"',
        ),
      ],
    },
    {
      name: 'mode neither max nor min',
      yaml: img('cache: { mode: all }'),
      issues: [issue(4, 20, 'images[0].cache.mode', 'expected one of max, min, got "all"')],
    },
  ])('refused, located: $name', ({ yaml, issues }) => {
    expect(issuesOf(yaml)).toEqual(issues);
  });
});
