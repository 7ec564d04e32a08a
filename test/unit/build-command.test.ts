import { describe, expect, it } from '@jest/globals';
import { buildCommand, timestampRewrite, type BuildCommandOptions } from '../../src/build/build-command.js';
import { cacheArgs, chooseCache, type CacheArgs } from '../../src/cache/cache.js';
import type { BuilderInfo } from '../../src/docker/builder.js';
import type { BuildJob, BuildSpec } from '../../src/plan/plan.js';
import { BUILDERS, cacheSpecOf } from './helpers.js';

const job = (over: Partial<BuildJob> = {}, build: Partial<BuildSpec> = {}): BuildJob => ({
  id: 'acme-iris',
  image: 'acme/iris',
  variant: '',
  build: {
    context: '/repo/ctx',
    dockerfile: '/repo/ctx/Dockerfile',
    buildArgs: {},
    secrets: [],
    cache: cacheSpecOf({ backend: 'none' }),
    reproducible: false,
    ...build,
  },
  gpu: false,
  runsOn: ['ubuntu-latest'],
  tags: ['latest'],
  localRefs: ['acme/iris:latest'],
  pushRefs: [],
  labels: {},
  ...over,
});

const PUSHED = { pushRefs: ['ghcr.io/acme/iris:latest', '127.0.0.1:5000/acme/iris:latest'] };
/** buildx: its default builder on the classic image store (inline cache only); buildkit: the engine's own. */
const BUILDER: Record<'buildx' | 'buildkit' | 'container', BuilderInfo> = {
  buildx: BUILDERS.dockerClassic,
  buildkit: BUILDERS.builtin,
  container: BUILDERS.container,
};
const REGISTRY_CACHE = { write: 'ghcr.io/acme/iris:buildcache', read: ['ghcr.io/acme/iris:buildcache'] };

describe('buildCommand', () => {
  type Case = {
    name: string;
    job: BuildJob;
    builder: keyof typeof BUILDER;
    push?: boolean;
    options?: Partial<BuildCommandOptions>;
    args: string[];
    env: Record<string, string>;
  };
  const cases: Case[] = [
    {
      name: 'minimal, built-in BuildKit',
      job: job(),
      builder: 'buildkit',
      args: [
        'build',
        '--progress=plain',
        '--file',
        '/repo/ctx/Dockerfile',
        '--iidfile',
        '/t/iid',
        '--tag',
        'acme/iris:latest',
        '/repo/ctx',
      ],
      env: { DOCKER_BUILDKIT: '1' },
    },
    {
      name: 'minimal, buildx loads the image for the smoke test',
      job: job(),
      builder: 'buildx',
      args: [
        'buildx',
        'build',
        '--progress=plain',
        '--file',
        '/repo/ctx/Dockerfile',
        '--iidfile',
        '/t/iid',
        '--tag',
        'acme/iris:latest',
        '--load',
        '/repo/ctx',
      ],
      env: {},
    },
    {
      name: 'target, platform, sorted build args and labels, several tags',
      job: job(
        { platform: 'linux/amd64', localRefs: ['acme/iris:latest', 'acme/iris:1.0'], labels: { z: '1', a: 'x y' } },
        { target: 'runtime', buildArgs: { MODEL: '3', BASE: 'deb' } },
      ),
      builder: 'buildkit',
      args: [
        'build',
        '--progress=plain',
        '--file',
        '/repo/ctx/Dockerfile',
        '--target',
        'runtime',
        '--platform',
        'linux/amd64',
        '--build-arg',
        'BASE=deb',
        '--build-arg',
        'MODEL=3',
        '--label',
        'a=x y',
        '--label',
        'z=1',
        '--iidfile',
        '/t/iid',
        '--tag',
        'acme/iris:latest',
        '--tag',
        'acme/iris:1.0',
        '/repo/ctx',
      ],
      env: { DOCKER_BUILDKIT: '1' },
    },
    {
      name: 'values with shell metacharacters stay single arguments',
      job: job({ labels: {} }, { buildArgs: { X: '$(rm -rf /); `id` && echo' } }),
      builder: 'buildkit',
      args: [
        'build',
        '--progress=plain',
        '--file',
        '/repo/ctx/Dockerfile',
        '--build-arg',
        'X=$(rm -rf /); `id` && echo',
        '--iidfile',
        '/t/iid',
        '--tag',
        'acme/iris:latest',
        '/repo/ctx',
      ],
      env: { DOCKER_BUILDKIT: '1' },
    },
    {
      name: 'secrets are named, never valued, in config order',
      job: job({}, { secrets: ['PIP_INDEX_URL', 'HF_TOKEN'] }),
      builder: 'buildx',
      args: [
        'buildx',
        'build',
        '--progress=plain',
        '--file',
        '/repo/ctx/Dockerfile',
        '--secret',
        'id=PIP_INDEX_URL,env=PIP_INDEX_URL',
        '--secret',
        'id=HF_TOKEN,env=HF_TOKEN',
        '--iidfile',
        '/t/iid',
        '--tag',
        'acme/iris:latest',
        '--load',
        '/repo/ctx',
      ],
      env: {},
    },
    {
      name: 'inline cache, built-in BuildKit: a sorted build arg and --cache-from the first push reference',
      job: job(PUSHED, { cache: cacheSpecOf({ backend: 'inline' }), buildArgs: { Z: '1', A: '2' } }),
      builder: 'buildkit',
      push: true,
      args: [
        'build',
        '--progress=plain',
        '--file',
        '/repo/ctx/Dockerfile',
        '--build-arg',
        'A=2',
        '--build-arg',
        'BUILDKIT_INLINE_CACHE=1',
        '--build-arg',
        'Z=1',
        '--cache-from',
        'ghcr.io/acme/iris:latest',
        '--iidfile',
        '/t/iid',
        '--tag',
        'acme/iris:latest',
        '/repo/ctx',
      ],
      env: { DOCKER_BUILDKIT: '1' },
    },
    {
      name: 'inline cache, buildx: registry cache-from and inline cache-to, after the labels',
      job: job({ ...PUSHED, labels: { team: 'ml' } }, { cache: cacheSpecOf({ backend: 'inline' }) }),
      builder: 'buildx',
      push: true,
      args: [
        'buildx',
        'build',
        '--progress=plain',
        '--file',
        '/repo/ctx/Dockerfile',
        '--label',
        'team=ml',
        '--cache-from',
        'type=registry,ref=ghcr.io/acme/iris:latest',
        '--cache-to',
        'type=inline',
        '--iidfile',
        '/t/iid',
        '--tag',
        'acme/iris:latest',
        '--load',
        '/repo/ctx',
      ],
      env: {},
    },
    {
      name: 'auto cache without push: no cache arguments',
      job: job(PUSHED, { cache: cacheSpecOf() }),
      builder: 'buildx',
      push: false,
      args: [
        'buildx',
        'build',
        '--progress=plain',
        '--file',
        '/repo/ctx/Dockerfile',
        '--iidfile',
        '/t/iid',
        '--tag',
        'acme/iris:latest',
        '--load',
        '/repo/ctx',
      ],
      env: {},
    },
    {
      name: 'auto cache with push: inline',
      job: job(PUSHED, { cache: cacheSpecOf() }),
      builder: 'buildkit',
      push: true,
      args: [
        'build',
        '--progress=plain',
        '--file',
        '/repo/ctx/Dockerfile',
        '--build-arg',
        'BUILDKIT_INLINE_CACHE=1',
        '--cache-from',
        'ghcr.io/acme/iris:latest',
        '--iidfile',
        '/t/iid',
        '--tag',
        'acme/iris:latest',
        '/repo/ctx',
      ],
      env: { DOCKER_BUILDKIT: '1' },
    },
    {
      name: 'cache none with push: no cache arguments',
      job: job(PUSHED, { cache: cacheSpecOf({ backend: 'none' }) }),
      builder: 'buildkit',
      push: true,
      args: [
        'build',
        '--progress=plain',
        '--file',
        '/repo/ctx/Dockerfile',
        '--iidfile',
        '/t/iid',
        '--tag',
        'acme/iris:latest',
        '/repo/ctx',
      ],
      env: { DOCKER_BUILDKIT: '1' },
    },
    {
      name: 'registry cache on a docker-container builder: --cache-from/--cache-to after the labels',
      job: job({ ...PUSHED, labels: { team: 'ml' } }, { cache: cacheSpecOf({ registry: REGISTRY_CACHE }) }),
      builder: 'container',
      push: true,
      args: [
        'buildx',
        'build',
        '--progress=plain',
        '--file',
        '/repo/ctx/Dockerfile',
        '--label',
        'team=ml',
        '--cache-from',
        'type=registry,ref=ghcr.io/acme/iris:buildcache',
        '--cache-to',
        'type=registry,ref=ghcr.io/acme/iris:buildcache,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true',
        '--iidfile',
        '/t/iid',
        '--tag',
        'acme/iris:latest',
        '--load',
        '/repo/ctx',
      ],
      env: {},
    },
    {
      name: 'a named builder comes right after buildx build',
      job: job(),
      builder: 'container',
      options: { builderName: 'builder-3f2a' },
      args: [
        'buildx',
        'build',
        '--builder',
        'builder-3f2a',
        '--progress=plain',
        '--file',
        '/repo/ctx/Dockerfile',
        '--iidfile',
        '/t/iid',
        '--tag',
        'acme/iris:latest',
        '--load',
        '/repo/ctx',
      ],
      env: {},
    },
    {
      name: 'a metadata file goes before --load, a named builder at the front',
      job: job({}, { secrets: ['HF_TOKEN'] }),
      builder: 'container',
      options: { builderName: 'ml-image-r7', metadataFile: '/t/metadata.json' },
      args: [
        'buildx',
        'build',
        '--builder',
        'ml-image-r7',
        '--progress=plain',
        '--file',
        '/repo/ctx/Dockerfile',
        '--secret',
        'id=HF_TOKEN,env=HF_TOKEN',
        '--iidfile',
        '/t/iid',
        '--tag',
        'acme/iris:latest',
        '--metadata-file',
        '/t/metadata.json',
        '--load',
        '/repo/ctx',
      ],
      env: {},
    },
    {
      name: 'the built-in BuildKit has neither --builder nor --metadata-file',
      job: job(),
      builder: 'buildkit',
      options: { builderName: 'ignored', metadataFile: '/t/metadata.json' },
      args: [
        'build',
        '--progress=plain',
        '--file',
        '/repo/ctx/Dockerfile',
        '--iidfile',
        '/t/iid',
        '--tag',
        'acme/iris:latest',
        '/repo/ctx',
      ],
      env: { DOCKER_BUILDKIT: '1' },
    },
  ];
  it.each(cases)('$name', ({ job: j, builder, push, options, args, env }) => {
    // The cache arguments as the pipeline makes them: chosen for this builder and run, then written out.
    const info = BUILDER[builder];
    const choice = chooseCache(j.build.cache, info, { push: push ?? false, ghaService: false, localDir: '/cache' });
    const cache = cacheArgs({
      choice,
      spec: j.build.cache,
      builder: info,
      localDir: '/cache',
      pushRefs: j.pushRefs,
      localExists: false,
      runId: 'r1',
    });
    expect(buildCommand(j, info, { iidFile: '/t/iid', cache, ...options })).toEqual({ args, env });
  });
});

// A reproducible image (issue 19): where the layers get the commit's timestamps, by builder.
describe('reproducible images', () => {
  const NO_CACHE: CacheArgs = { args: [], buildArgs: {} };
  const repro = job({}, { reproducible: true, sourceDateEpoch: 1_700_000_000 });
  const outputOf = (builder: BuilderInfo, options: Partial<BuildCommandOptions> = {}): string[] => {
    const { args } = buildCommand(repro, builder, { iidFile: '/t/iid', cache: NO_CACHE, ...options });
    const i = args.findIndex((a) => a === '--output' || a === '--load');
    return i < 0 ? [] : args[i] === '--load' ? ['--load'] : args.slice(i, i + 2);
  };

  it.each([
    ['the built-in BuildKit', BUILDERS.builtin, 'none'],
    ['the docker driver on the classic image store', BUILDERS.dockerClassic, 'none'],
    ['the docker driver on the containerd image store', BUILDERS.dockerContainerd, 'tarball'],
    ['a docker-container builder', BUILDERS.container, 'exporter'],
    ['a remote BuildKit older than 0.13', BUILDERS.remote, 'none'],
    [
      'a distribution build that says v0.0.0+unknown',
      { ...BUILDERS.dockerContainerd, buildkitVersion: 'v0.0.0+unknown' },
      'tarball',
    ],
  ] as [string, BuilderInfo, string][])('%s: %s', (_name, builder, how) => {
    expect(timestampRewrite(builder).how).toBe(how);
  });

  it('says why a builder cannot', () => {
    expect(timestampRewrite(BUILDERS.remote)).toEqual({
      how: 'none',
      reason: 'BuildKit v0.12.5 cannot rewrite timestamps (0.13 can)',
    });
  });

  it('the docker driver writes a tarball to load, a container builder loads with rewritten timestamps', () => {
    expect(outputOf(BUILDERS.dockerContainerd, { tarball: '/t/image.tar' })).toEqual([
      '--output',
      'type=docker,dest=/t/image.tar,oci-mediatypes=true,rewrite-timestamp=true',
    ]);
    expect(outputOf(BUILDERS.container)).toEqual([
      '--output',
      'type=docker,oci-mediatypes=true,rewrite-timestamp=true',
    ]);
    expect(outputOf(BUILDERS.dockerClassic)).toEqual(['--load']);
    expect(outputOf(BUILDERS.container, { pushByDigest: ['r.io/a/b'] })).toEqual([
      '--output',
      'type=image,"name=r.io/a/b",push-by-digest=true,name-canonical=true,push=true,oci-mediatypes=true,rewrite-timestamp=true',
    ]);
  });

  it('says which tarball the caller must load, and only when the image goes through one', () => {
    const opts = { iidFile: '/t/iid', cache: NO_CACHE, tarball: '/t/image.tar' };
    expect(buildCommand(repro, BUILDERS.dockerContainerd, opts).tarball).toBe('/t/image.tar');
    expect(buildCommand(repro, BUILDERS.container, opts).tarball).toBeUndefined();
    expect(buildCommand(repro, BUILDERS.dockerClassic, opts).tarball).toBeUndefined();
    expect(buildCommand(job({}, { reproducible: false }), BUILDERS.dockerContainerd, opts).tarball).toBeUndefined();
  });

  it('passes the commit date as SOURCE_DATE_EPOCH; reproducible: false keeps --load', () => {
    const { args } = buildCommand(repro, BUILDERS.builtin, { iidFile: '/t/iid', cache: NO_CACHE });
    expect(args).toContain('SOURCE_DATE_EPOCH=1700000000');
    const plain = job({}, { reproducible: false });
    expect(buildCommand(plain, BUILDERS.container, { iidFile: '/t/iid', cache: NO_CACHE }).args).toContain('--load');
  });
});
