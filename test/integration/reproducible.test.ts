// Reproducible images (issue 19), through the bundled CLI the way a user runs it: one commit built again on
// another runner — its local image gone, and then on a fresh docker-container builder with an empty
// BuildKit — is pushed as the same manifest digest, dated from the commit (the created label and the image
// config), while a changed source file gives another digest. Before, the created label held each run's
// own time, so every run pushed a new digest.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { inspectRemote, ROOT, testEnv, tinyCheckout, uid, writeFile, type TinyCheckout } from './harness.js';

const CLI = path.join(ROOT, 'dist/cli/index.js');
jest.setTimeout(600_000);
const env = testEnv();
const COMMIT_DATE = '2026-11-30T12:34:56Z';

let repo: string;
let base: string;
const builder = `ml-image-it-repro-${uid()}`;

let checkout: TinyCheckout;
const git = (...args: string[]): void => checkout.git(...args);

beforeAll(() => {
  // Both builders read FROM from a registry: one base, one digest, for every build here.
  checkout = tinyCheckout('repro', COMMIT_DATE);
  repo = checkout.dir;
  base = checkout.base;
  mkdirSync(path.join(repo, 'out'));
});
afterAll(() => {
  spawnSync(env.docker, ['buildx', 'rm', builder]);
  checkout.remove();
});

/** The checkout's ml-image.yml: one image of the tiny service on the registry's base, `more` under it. */
function writeConfig(name: string, more = ''): void {
  writeFile(
    repo,
    'ml-image.yml',
    `version: 1
images:
  - name: ${name}
    context: svc
    build-args: { BASE_IMAGE: "${base}" }
    tags: [latest]
    cache: { mounts: false }
${more}push:
  registries: [${env.registry}]
`,
  );
}

/** Builds and pushes the checkout's image with the CLI; the digest the registry reports for its tag. */
function buildAndPush(name: string, extra: string[] = []): { digest: string; log: string } {
  const r = spawnSync(
    process.execPath,
    [CLI, 'build', '-c', 'ml-image.yml', '--push', '--docker', env.docker, ...extra],
    { cwd: repo, encoding: 'utf8', env: { ...process.env, GITHUB_ACTIONS: '' } },
  );
  const log = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0) throw new Error(`build failed (${r.status}):\n${log}`);
  // The run's local names go, as on another runner: the next build cannot reuse the loaded image.
  spawnSync(env.docker, ['image', 'rm', `${name}:latest`]);
  return { digest: inspectRemote(`${env.registry}/${name}:latest`).digest, log };
}

describe('a reproducible image (the default)', () => {
  const name = `it/repro-${uid()}`;
  beforeAll(() => {
    writeConfig(name);
    git('add', '-A');
    git('commit', '-q', '-m', 'one commit');
  });

  let first: string;
  it('is dated from the commit, in its label and in its image config', () => {
    first = buildAndPush(name).digest;
    expect(first).toMatch(/^sha256:[a-f0-9]{64}$/);
    const view = inspectRemote(`${env.registry}/${name}:latest`);
    expect(view.labels['org.opencontainers.image.created']).toBe('2026-11-30T12:34:56.000Z');
    const config = JSON.parse(
      execFileSync('skopeo', ['inspect', '--config', '--tls-verify=false', `docker://${env.registry}/${name}:latest`], {
        encoding: 'utf8',
      }),
    ) as { created: string };
    expect(config.created).toBe('2026-11-30T12:34:56Z');
  });

  it('is pushed as the same digest by a second run of the same commit', () => {
    expect(buildAndPush(name).digest).toBe(first);
  });

  it('and by a fresh docker-container builder, its own BuildKit empty, from the registry cache', () => {
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
    const r = buildAndPush(name, ['--builder', builder]);
    expect(r.digest).toBe(first);
  });

  it('gets another digest when a source file changes', () => {
    appendFileSync(path.join(repo, 'svc', 'server.py'), '\n# changed\n');
    git('commit', '-q', '-am', 'a changed file');
    expect(buildAndPush(name).digest).not.toBe(first);
  });
});

describe('a tested image', () => {
  const name = `it/proven-${uid()}`;
  it('gets a test record that ml-image verify reads back; an untested digest has none', () => {
    writeConfig(
      name,
      `    smoke-test:
      commands:
        - { name: python, run: [python3, -c, "print('ok')"], expect-output: ["^ok$"] }
`,
    );
    git('add', '-A');
    git('commit', '-q', '-m', 'a smoke test');
    const { digest, log } = buildAndPush(name);
    expect(log).toContain(`test record for ${env.registry}/${name}@${digest}`);
    const verify = (ref: string) => spawnSync(process.execPath, [CLI, 'verify', ref], { cwd: repo, encoding: 'utf8' });
    const proven = verify(`${env.registry}/${name}@${digest}`);
    expect(proven.status).toBe(0);
    expect(proven.stdout).toContain('test record: PASSED on cpu');
    expect(proven.stdout).toContain('✓ command: python');
    const untested = inspectRemote(base).digest;
    const none = verify(`${base.slice(0, base.lastIndexOf(':'))}@${untested}`);
    expect(none.status).toBe(1);
    expect(none.stdout).toContain('no test record');
  });
});
