import { describe, expect, it } from '@jest/globals';
import { buildCommand } from '../../src/build/argv.js';
import type { ImageConfig } from '../../src/config/types.js';
import type { BuildJob } from '../../src/plan/plan.js';

const image = (over: Partial<ImageConfig> = {}): ImageConfig => ({
  index: 0,
  name: 'acme/iris',
  context: '/repo/ctx',
  dockerfile: '/repo/ctx/Dockerfile',
  buildArgs: {},
  labels: {},
  platforms: [],
  tags: ['latest'],
  gpu: false,
  ...over,
});

const job = (over: Partial<BuildJob> = {}, img: Partial<ImageConfig> = {}): BuildJob => ({
  id: 'acme-iris',
  image: image(img),
  localRefs: ['acme/iris:latest'],
  pushRefs: [],
  labels: {},
  ...over,
});

describe('buildCommand', () => {
  const cases: { name: string; job: BuildJob; builder: 'buildx' | 'buildkit'; args: string[]; env: Record<string, string> }[] = [
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
  ];
  it.each(cases)('$name', ({ job: j, builder, args, env }) => {
    expect(buildCommand(j, builder, { iidFile: '/t/iid' })).toEqual({ args, env });
  });
});
