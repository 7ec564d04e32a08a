// A buildx builder the user made (as docker/setup-buildx-action makes one) named with --builder, on the
// docker-container driver: its BuildKit cannot see the engine's images, so the image reaches the engine
// for the smoke test through --load, its base comes from a registry, and the registry cache still works.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { remoteTags, removeScratch, ROOT, scratchDir, testEnv, tinyConfig, uid } from './harness.js';

jest.setTimeout(600_000);

const env = testEnv();
const CLI = path.join(ROOT, 'dist/cli/index.js');
const builder = `it-ctr-${uid()}`;
let dir: string;

const base = () => `${env.registry}/${env.baseImage}`;

beforeAll(() => {
  dir = scratchDir();
  // Its BuildKit reads FROM from a registry: the base goes into this run's own first (nothing else put it there).
  execFileSync(env.docker, ['tag', env.baseImage, base()]);
  execFileSync(env.docker, ['push', '--quiet', base()]);
  execFileSync(env.docker, ['image', 'rm', base()]);
  execFileSync(env.docker, [
    'buildx',
    'create',
    '--name',
    builder,
    '--driver',
    'docker-container',
    '--driver-opt',
    'network=host',
    '--driver-opt',
    `image=${env.buildkitImage}`,
    '--config',
    env.buildkitdConfig,
  ]);
});
afterAll(() => {
  spawnSync(env.docker, ['buildx', 'rm', builder]);
  removeScratch(dir);
});

describe('a named docker-container builder', () => {
  it('builds with --builder, loads the image for the smoke test, writes the registry cache and pushes', () => {
    const name = `it/ctr-${uid()}`;
    const config = tinyConfig(dir, name, {
      base: base(),
      more: `    cache: { mounts: false }
    smoke-test:
      commands:
        - { name: python, run: [python3, -c, "print('ok')"], expect-output: ["^ok$"] }
`,
      registries: [env.registry],
    });
    const imagesFile = path.join(dir, 'images.json');
    const r = spawnSync(
      process.execPath,
      [CLI, 'build', '-c', config, '--push', '--docker', env.docker, '--builder', builder, '--images-file', imagesFile],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, GITHUB_ACTIONS: '', ML_IMAGE_CACHE_DIR: path.join(dir, 'cache') },
      },
    );
    expect(r.stderr).toMatch(
      new RegExp(`builder ${builder} \\(docker-container driver, BuildKit v\\d+\\.\\d+\\.\\d+\\)`),
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('✓ command "python"');
    const image = Object.values(
      JSON.parse(readFileSync(imagesFile, 'utf8')) as Record<string, { cache: { backend: string; write: boolean } }>,
    )[0];
    expect(image.cache).toEqual({ backend: 'registry', write: true });
    // The registry cache, the image, its build key and its test record (the referrers fallback tag).
    expect(remoteTags(`${env.registry}/${name}`)).toEqual([
      'buildcache',
      'latest',
      expect.stringMatching(/^mlimage-key-[a-f0-9]{64}$/),
      expect.stringMatching(/^sha256-[a-f0-9]{64}$/),
    ]);
  });
});
