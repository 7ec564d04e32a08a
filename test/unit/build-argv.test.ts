import { describe, expect, it } from '@jest/globals';
import { buildCommand } from '../../src/build/argv.js';
import type { BuildJob, BuildSpec } from '../../src/plan/plan.js';

const job = (over: Partial<BuildJob> = {}, build: Partial<BuildSpec> = {}): BuildJob => ({
  id: 'acme-iris',
  image: 'acme/iris',
  variant: '',
  build: { context: '/repo/ctx', dockerfile: '/repo/ctx/Dockerfile', buildArgs: {}, secrets: [], cache: 'none', ...build },
  gpu: false,
  runsOn: ['ubuntu-latest'],
  tags: ['latest'],
  localRefs: ['acme/iris:latest'],
  pushRefs: [],
  labels: {},
  ...over,
});

const PUSHED = { pushRefs: ['ghcr.io/acme/iris:latest', '127.0.0.1:5000/acme/iris:latest'] };

describe('buildCommand', () => {
  const cases: { name: string; job: BuildJob; builder: 'buildx' | 'buildkit'; push?: boolean; args: string[]; env: Record<string, string> }[] = [
    {
      name: 'minimal, built-in BuildKit',
      job: job(),
      builder: 'buildkit',
      args: ['build', '--progress=plain', '--file', '/repo/ctx/Dockerfile', '--iidfile', '/t/iid', '--tag', 'acme/iris:latest', '/repo/ctx'],
      env: { DOCKER_BUILDKIT: '1' },
    },
    {
      name: 'minimal, buildx loads the image for the smoke test',
      job: job(),
      builder: 'buildx',
      args: ['buildx', 'build', '--progress=plain', '--file', '/repo/ctx/Dockerfile', '--iidfile', '/t/iid', '--tag', 'acme/iris:latest', '--load', '/repo/ctx'],
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
        'build', '--progress=plain', '--file', '/repo/ctx/Dockerfile', '--target', 'runtime', '--platform', 'linux/amd64',
        '--build-arg', 'BASE=deb', '--build-arg', 'MODEL=3', '--label', 'a=x y', '--label', 'z=1',
        '--iidfile', '/t/iid', '--tag', 'acme/iris:latest', '--tag', 'acme/iris:1.0', '/repo/ctx',
      ],
      env: { DOCKER_BUILDKIT: '1' },
    },
    {
      name: 'values with shell metacharacters stay single arguments',
      job: job({ labels: {} }, { buildArgs: { X: '$(rm -rf /); `id` && echo' } }),
      builder: 'buildkit',
      args: ['build', '--progress=plain', '--file', '/repo/ctx/Dockerfile', '--build-arg', 'X=$(rm -rf /); `id` && echo', '--iidfile', '/t/iid', '--tag', 'acme/iris:latest', '/repo/ctx'],
      env: { DOCKER_BUILDKIT: '1' },
    },
    {
      name: 'secrets are named, never valued, in config order',
      job: job({}, { secrets: ['PIP_INDEX_URL', 'HF_TOKEN'] }),
      builder: 'buildx',
      args: [
        'buildx', 'build', '--progress=plain', '--file', '/repo/ctx/Dockerfile',
        '--secret', 'id=PIP_INDEX_URL,env=PIP_INDEX_URL', '--secret', 'id=HF_TOKEN,env=HF_TOKEN',
        '--iidfile', '/t/iid', '--tag', 'acme/iris:latest', '--load', '/repo/ctx',
      ],
      env: {},
    },
    {
      name: 'inline cache, built-in BuildKit: a sorted build arg and --cache-from the first push reference',
      job: job(PUSHED, { cache: 'inline', buildArgs: { Z: '1', A: '2' } }),
      builder: 'buildkit',
      push: true,
      args: [
        'build', '--progress=plain', '--file', '/repo/ctx/Dockerfile',
        '--build-arg', 'A=2', '--build-arg', 'BUILDKIT_INLINE_CACHE=1', '--build-arg', 'Z=1',
        '--cache-from', 'ghcr.io/acme/iris:latest', '--iidfile', '/t/iid', '--tag', 'acme/iris:latest', '/repo/ctx',
      ],
      env: { DOCKER_BUILDKIT: '1' },
    },
    {
      name: 'inline cache, buildx: registry cache-from and inline cache-to, after the labels',
      job: job({ ...PUSHED, labels: { team: 'ml' } }, { cache: 'inline' }),
      builder: 'buildx',
      push: true,
      args: [
        'buildx', 'build', '--progress=plain', '--file', '/repo/ctx/Dockerfile', '--label', 'team=ml',
        '--cache-from', 'type=registry,ref=ghcr.io/acme/iris:latest', '--cache-to', 'type=inline',
        '--iidfile', '/t/iid', '--tag', 'acme/iris:latest', '--load', '/repo/ctx',
      ],
      env: {},
    },
    {
      name: 'auto cache without push: no cache arguments',
      job: job(PUSHED, { cache: 'auto' }),
      builder: 'buildx',
      push: false,
      args: ['buildx', 'build', '--progress=plain', '--file', '/repo/ctx/Dockerfile', '--iidfile', '/t/iid', '--tag', 'acme/iris:latest', '--load', '/repo/ctx'],
      env: {},
    },
    {
      name: 'auto cache with push: inline',
      job: job(PUSHED, { cache: 'auto' }),
      builder: 'buildkit',
      push: true,
      args: [
        'build', '--progress=plain', '--file', '/repo/ctx/Dockerfile', '--build-arg', 'BUILDKIT_INLINE_CACHE=1',
        '--cache-from', 'ghcr.io/acme/iris:latest', '--iidfile', '/t/iid', '--tag', 'acme/iris:latest', '/repo/ctx',
      ],
      env: { DOCKER_BUILDKIT: '1' },
    },
    {
      name: 'cache none with push: no cache arguments',
      job: job(PUSHED, { cache: 'none' }),
      builder: 'buildkit',
      push: true,
      args: ['build', '--progress=plain', '--file', '/repo/ctx/Dockerfile', '--iidfile', '/t/iid', '--tag', 'acme/iris:latest', '/repo/ctx'],
      env: { DOCKER_BUILDKIT: '1' },
    },
  ];
  it.each(cases)('$name', ({ job: j, builder, push, args, env }) => {
    expect(buildCommand(j, builder, { iidFile: '/t/iid', push: push ?? false })).toEqual({ args, env });
  });
});
