// Config v1 end to end on the real engine: variants built, tested and tagged separately; BuildKit secrets
// reaching the build without landing in the image or the log; `ml-image plan` output from the CLI bundle.
import { describe, expect, it, jest } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { buildTestPush } from '../../src/commands/build-test-push.js';
import { MemoryLogger } from '../../src/log/log.js';
import { imageTags, inspectRemote, ROOT, scratchForFile, testEnv, TINY, uid, writeFile } from './harness.js';

jest.setTimeout(300_000);

const env = testEnv();
const dir = scratchForFile();

const context = () => path.relative(dir, TINY);

describe('variants', () => {
  it('builds, tests and pushes each variant under its own tags and labels', async () => {
    const name = `it/tiny-variants-${uid()}`;
    const config = writeFile(
      dir,
      `${uid()}.yml`,
      `version: 1
images:
  - name: ${name}
    context: ${context()}
    build-args: { BASE_IMAGE: "${env.baseImage}" }
    tags:
      - type=raw,value=1.0.0
      - type=raw,value=latest
    smoke-test:
      http:
        port: 8080
        ready: { path: /health, timeout: 30s }
        checks: [{ name: predict, method: POST, path: /predict, json: {}, expect-body: '"setosa"' }]
    variants:
      a: {}
      b:
        build-args: { ANSWER: virginica }
        labels: { org.example.extra: "yes" }
        latest-tag: b
        smoke-test:
          http:
            port: 8080
            ready: { path: /health, timeout: 30s }
            checks: [{ name: predict, method: POST, path: /predict, json: {}, expect-body: '"virginica"' }]
push:
  registries: [${env.registry}]
`,
    );
    const result = await buildTestPush({ config, cwd: dir, env: process.env, push: true, log: new MemoryLogger() });

    expect(result.images.map((i) => [i.variant, i.smoke?.passed, i.pushed.map((p) => p.ref)])).toEqual([
      ['a', true, [`${env.registry}/${name}:1.0.0`, `${env.registry}/${name}:latest`]],
      ['b', true, [`${env.registry}/${name}:1.0.0-b`, `${env.registry}/${name}:b`]],
    ]);
    expect(imageTags(`${env.registry}/${name}`)).toEqual(['1.0.0', '1.0.0-b', 'b', 'latest']);
    const a = inspectRemote(`${env.registry}/${name}:1.0.0`);
    const b = inspectRemote(`${env.registry}/${name}:1.0.0-b`);
    expect(a.digest).not.toBe(b.digest);
    expect(a.labels['io.github.ml-image.variant']).toBe('a');
    expect(b.labels['io.github.ml-image.variant']).toBe('b');
    expect(b.labels['org.example.extra']).toBe('yes');
    expect(a.labels['org.example.extra']).toBeUndefined();
    expect(a.labels['org.opencontainers.image.base.name']).toBe(env.baseImage);
    expect(a.labels['org.opencontainers.image.version']).toBe('1.0.0');
  });
});

describe('BuildKit secrets', () => {
  const secretConfig = (name: string) =>
    writeFile(
      dir,
      `${uid()}.yml`,
      `version: 1
images:
  - name: ${name}
    context: ${context()}
    target: secret
    build-args: { BASE_IMAGE: "${env.baseImage}", TOKEN_NONCE: "${uid()}" }
    secrets: [MODEL_TOKEN]
    tags: [s1]
    smoke-test:
      commands:
        - { name: secret seen at build time, run: [cat, /token.sha256], expect-output: ["^SHA$"] }
`,
    );

  it('reach the build by name, never the image, its history or the log', async () => {
    const name = `it/tiny-secret-${uid()}`;
    const token = `tok-${randomBytes(12).toString('hex')}`;
    const sha = createHash('sha256').update(token).digest('hex');
    const file = secretConfig(name);
    writeFile(dir, path.basename(file), execFileSync('sed', ['s/SHA/' + sha + '/', file], { encoding: 'utf8' }));
    const log = new MemoryLogger();
    const result = await buildTestPush({
      config: file,
      cwd: dir,
      env: { ...process.env, MODEL_TOKEN: token },
      push: false,
      log,
    });

    expect(result.images[0].smoke?.passed).toBe(true);
    const imageId = result.images[0].imageId!;
    const history = execFileSync(env.docker, ['history', '--no-trunc', imageId], { encoding: 'utf8' });
    const inspect = execFileSync(env.docker, ['image', 'inspect', imageId], { encoding: 'utf8' });
    expect(history).toContain('MODEL_TOKEN');
    expect(history).not.toContain(token);
    expect(inspect).not.toContain(token);
    expect(log.lines.join('\n')).not.toContain(token);
  });

  it('a secret whose variable is unset stops the run before building', async () => {
    const name = `it/tiny-nosecret-${uid()}`;
    const environment = { ...process.env };
    delete environment.MODEL_TOKEN;
    const log = new MemoryLogger();
    await expect(
      buildTestPush({ config: secretConfig(name), cwd: dir, env: environment, push: false, log }),
    ).rejects.toThrow('build secret MODEL_TOKEN: environment variable not set (secrets are read from the environment)');
    expect(log.lines.some((l) => l.includes('▶ Build'))).toBe(false);
  });
});

describe('ml-image plan (CLI bundle)', () => {
  const CLI = path.join(ROOT, 'dist/cli/index.js');
  const plan = (args: string[], extraEnv: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI, 'plan', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, GITHUB_ACTIONS: '', SOURCE_DATE_EPOCH: '1700000000', ...extraEnv },
    });

  it('prints the same JSON for the same inputs, with repository-relative paths', () => {
    const first = plan(['-c', 'examples/iris/ml-image.yml', '--format', 'json']);
    const second = plan(['-c', 'examples/iris/ml-image.yml', '--format', 'json']);
    expect(first.status).toBe(0);
    expect(first.stdout).toBe(second.stdout);
    expect(first.stdout).not.toContain(ROOT);
    const data = JSON.parse(first.stdout) as {
      config: string;
      jobs: { tags: string[]; build: { context: string }; labels: Record<string, string> }[];
    };
    expect(data.config).toBe('examples/iris/ml-image.yml');
    expect(data.jobs[0].tags).toEqual(['latest', '0.1.0']);
    expect(data.jobs[0].build.context).toBe('examples/iris');
    expect(data.jobs[0].labels['org.opencontainers.image.created']).toBe('2023-11-14T22:13:20.000Z');
  });

  it('computes metadata-action tags from a GitHub tag push and prints the matrix', () => {
    const file = path.relative(
      ROOT,
      writeFile(
        dir,
        `${uid()}.yml`,
        `version: 1
images:
  - name: acme/semver
    context: ${context()}
    tags: |
      type=semver,pattern={{version}}
      type=semver,pattern={{major}}.{{minor}}
      type=sha
    variants:
      cpu: {}
      cuda12: { gpu: true, runs-on: [self-hosted, gpu] }
`,
      ),
    );
    const event = writeFile(dir, `${uid()}.json`, JSON.stringify({ repository: { default_branch: 'main' } }));
    const github = {
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REF: 'refs/tags/v1.2.3',
      GITHUB_SHA: '860c1904a1ce19322e91ac35af1ab07466440c37',
      GITHUB_EVENT_PATH: event,
    };
    const json = plan(['-c', file, '--format', 'json'], github);
    expect(json.status).toBe(0);
    const jobs = (JSON.parse(json.stdout) as { jobs: { variant: string; tags: string[] }[] }).jobs;
    expect(jobs.map((j) => [j.variant, j.tags])).toEqual([
      ['cpu', ['1.2.3', '1.2', 'sha-860c190', 'latest']],
      ['cuda12', ['1.2.3-cuda12', '1.2-cuda12', 'sha-860c190-cuda12', 'latest-cuda12']],
    ]);
    const matrix = plan(['-c', file, '--format', 'matrix'], github);
    expect(JSON.parse(matrix.stdout)).toEqual({
      include: [
        {
          id: 'acme-semver-cpu',
          image: 'acme/semver',
          variant: 'cpu',
          platform: '',
          gpu: false,
          'runs-on': 'ubuntu-latest',
        },
        {
          id: 'acme-semver-cuda12',
          image: 'acme/semver',
          variant: 'cuda12',
          platform: '',
          gpu: true,
          'runs-on': ['self-hosted', 'gpu'],
        },
      ],
    });
  });
});
