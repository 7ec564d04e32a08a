// The pipeline against the real engine and real registries: build, smoke-test, push with an isolated
// login, and every failure path (smoke test, readiness, timeout, login) pushing nothing and leaving nothing.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import path from 'node:path';
import { buildTestPush, PipelineFailure } from '../../src/commands/build-test-push.js';
import { MemoryLogger } from '../../src/log/log.js';
import {
  authDirsLeft,
  containersOfRun,
  inspectRemote,
  imageTags,
  removeScratch,
  scratchDir,
  testEnv,
  TINY,
  uid,
  userConfigHasLogin,
  writeFile,
} from './harness.js';

jest.setTimeout(300_000);

const env = testEnv();
let dir: string;

beforeAll(() => {
  dir = scratchDir();
});
afterAll(() => removeScratch(dir));

interface TinyOptions {
  name: string;
  buildArgs?: Record<string, string>;
  target?: string;
  smoke: string;
  registries?: string[];
  tags?: string[];
}

/** Writes a config for the tiny fixture and returns its path. */
function tinyConfig(o: TinyOptions): string {
  const args = { BASE_IMAGE: env.baseImage, ...o.buildArgs };
  const yaml = [
    'version: 1',
    'images:',
    `  - name: ${o.name}`,
    `    context: ${path.relative(dir, TINY)}`,
    o.target ? `    target: ${o.target}` : '',
    '    build-args:',
    ...Object.entries(args).map(([k, v]) => `      ${k}: "${v}"`),
    `    tags: [${(o.tags ?? ['latest', '1.0.0']).join(', ')}]`,
    '    smoke-test:',
    ...o.smoke.split('\n').map((l) => `      ${l}`),
    'push:',
    `  registries: [${(o.registries ?? [env.authRegistry]).join(', ')}]`,
  ].filter(Boolean);
  return writeFile(dir, `${uid()}.yml`, yaml.join('\n') + '\n');
}

const PASSING = `timeout: 90s
commands:
  - name: python works
    run: [python3, -c, "print('ok')"]
    expect-output: ["^ok$"]
http:
  port: 8080
  ready: { path: /health, timeout: 30s }
  checks:
    - name: predict
      method: POST
      path: /predict
      json: { features: [5.1, 3.5, 1.4, 0.2] }
      expect-body: '"class": *"setosa"'`;

const credential = { username: env.authUser, password: env.authPassword };

async function runPipeline(config: string, push: boolean, extra: Partial<Parameters<typeof buildTestPush>[0]> = {}) {
  const log = new MemoryLogger();
  const runId = `t${uid()}`;
  const run = buildTestPush({
    config,
    cwd: dir,
    env: process.env,
    push,
    log,
    runId,
    sharedCredential: credential,
    ...extra,
  });
  return { log, runId, run };
}

describe('build → smoke test → push (real engine, TLS + basic-auth registry)', () => {
  it('pushes every tag after the smoke test passed, with the digest the registry reports', async () => {
    const name = `it/tiny-${uid()}`;
    const { log, runId, run } = await runPipeline(tinyConfig({ name, smoke: PASSING }), true);
    const result = await run;

    const image = result.images[0];
    expect(image.smoke?.passed).toBe(true);
    expect(image.smoke?.checks.map((c) => [c.kind, c.name, c.passed])).toEqual([
      ['command', 'python works', true],
      ['ready', '/health answers 200', true],
      ['http', 'predict', true],
    ]);
    const refs = [`${env.authRegistry}/${name}:latest`, `${env.authRegistry}/${name}:1.0.0`];
    expect(image.pushed.map((p) => p.ref)).toEqual(refs);

    expect(imageTags(`${env.authRegistry}/${name}`)).toEqual(['1.0.0', 'latest']);
    for (const p of image.pushed) expect(inspectRemote(p.ref).digest).toBe(p.digest);
    const labels = inspectRemote(refs[0]).labels;
    expect(labels['org.opencontainers.image.title']).toMatch(/^tiny-/);
    expect(labels['org.opencontainers.image.created']).toMatch(/^\d{4}-\d\d-\d\dT/);

    // Nothing left behind: containers, credentials (temp dir and the user's own config), the password in logs.
    expect(containersOfRun(runId)).toEqual([]);
    expect(authDirsLeft()).toEqual([]);
    expect(userConfigHasLogin(env.authRegistry)).toBe(false);
    expect(log.lines.join('\n')).not.toContain(env.authPassword);
    expect(log.lines.join('\n')).toContain(`logged in to ${env.authRegistry} as ${env.authUser}`);
  });

  it('a wrong /predict answer fails the run and pushes nothing', async () => {
    const name = `it/tiny-wrong-${uid()}`;
    const { runId, run } = await runPipeline(
      tinyConfig({ name, smoke: PASSING, buildArgs: { ANSWER: 'virginica' } }),
      true,
    );
    const err = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PipelineFailure);
    expect((err as PipelineFailure).message).toBe(
      `smoke test failed for ${name}: http "predict": body did not match /"class": *"setosa"/; body: {"class": "virginica"}; nothing was pushed`,
    );
    const image = (err as PipelineFailure).result.images[0];
    expect(image.imageId).toMatch(/^sha256:/);
    expect(image.pushed).toEqual([]);
    expect(imageTags(`${env.authRegistry}/${name}`)).toEqual([]);
    expect(containersOfRun(runId)).toEqual([]);
    expect(authDirsLeft()).toEqual([]);
  });

  it('a service that never gets ready fails with the last probe and its log, and is removed', async () => {
    const name = `it/tiny-unready-${uid()}`;
    const smoke = PASSING.replace('timeout: 30s', 'timeout: 3s');
    const { log, runId, run } = await runPipeline(tinyConfig({ name, smoke, buildArgs: { FAIL_HEALTH: '1' } }), true);
    await expect(run).rejects.toThrow(
      `smoke test failed for ${name}: ready "/health answers 200": not ready after 3s (last probe: status 503); nothing was pushed`,
    );
    expect(log.lines.some((l) => l.includes('container log (last 40 lines):'))).toBe(true);
    expect(imageTags(`${env.authRegistry}/${name}`)).toEqual([]);
    expect(containersOfRun(runId)).toEqual([]);
  });

  it('a service that crashes on start is reported as such, without waiting out the ready timeout', async () => {
    const name = `it/tiny-crash-${uid()}`;
    // The fixture parses PORT as an integer: this makes it exit at once.
    const smoke = `env: { PORT: not-a-port }\n${PASSING.replace(/^commands:[\s\S]*?(?=^http:)/m, '')}`;
    const { log, runId, run } = await runPipeline(tinyConfig({ name, smoke }), true);
    const started = Date.now();
    // Depending on timing the crash is seen at start or during the readiness probe; both must say so.
    await expect(run).rejects.toThrow(
      /^smoke test failed for it\/tiny-crash-\w+: ready "(start service": the container exited at start \(exit code 1\)|\/health answers 200": the container exited before it was ready \(last probe: .+\)); nothing was pushed$/,
    );
    expect(log.lines.join('\n')).toMatch(
      /container log \(last 40 lines\):\n[\s\S]*ValueError: invalid literal for int/,
    );
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(containersOfRun(runId)).toEqual([]);
  });

  it('a command over its time limit is stopped, reported, and its container removed', async () => {
    const name = `it/tiny-slow-${uid()}`;
    const smoke = 'commands:\n  - name: slow\n    run: [sleep, "60"]\n    timeout: 2s';
    const { runId, run } = await runPipeline(tinyConfig({ name, smoke }), false);
    const started = Date.now();
    await expect(run).rejects.toThrow(
      `smoke test failed for ${name}: command "slow": timed out after 2s; nothing was pushed`,
    );
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(containersOfRun(runId)).toEqual([]);
  });

  it('builds the configured target, checks files and exit codes, and without push only tags locally', async () => {
    const name = `it/tiny-target-${uid()}`;
    const smoke = [
      'commands:',
      '  - name: target stage',
      '    run: [cat, /target.txt]',
      '    expect-output: ["^other$"]',
      '  - name: expected failure',
      '    run: [sh, -c, "exit 3"]',
      '    expect-exit-code: 3',
    ].join('\n');
    const { run } = await runPipeline(tinyConfig({ name, smoke, target: 'other' }), false);
    const result = await run;
    expect(result.images[0].smoke?.checks.every((c) => c.passed)).toBe(true);
    expect(result.images[0].pushed).toEqual([]);
    expect(imageTags(`${env.authRegistry}/${name}`)).toEqual([]);
  });

  it('a wrong password fails at login, before building, without echoing it', async () => {
    const name = `it/tiny-badauth-${uid()}`;
    const wrong = `wrong-${uid()}-pw`;
    const { log, run } = await runPipeline(tinyConfig({ name, smoke: PASSING }), true, {
      sharedCredential: { username: env.authUser, password: wrong },
    });
    const err = await run.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(
      new RegExp(
        `^login to ${env.authRegistry.replace(/\./g, '\\.')} as ${env.authUser} failed \\(not retried: the registry refused\\): `,
      ),
    );
    expect(err?.message).not.toContain(wrong);
    expect(log.lines.join('\n')).not.toContain(wrong);
    expect(log.lines.some((l) => l.includes('▶ Build'))).toBe(false);
    expect(authDirsLeft()).toEqual([]);
  });

  it('pushes to a plain registry with no login at all', async () => {
    const name = `it/tiny-plain-${uid()}`;
    const { run } = await runPipeline(
      tinyConfig({ name, smoke: PASSING, registries: [env.registry], tags: ['v1'] }),
      true,
      { sharedCredential: undefined },
    );
    const result = await run;
    expect(result.images[0].pushed.map((p) => p.ref)).toEqual([`${env.registry}/${name}:v1`]);
    expect(inspectRemote(`${env.registry}/${name}:v1`).digest).toBe(result.images[0].pushed[0].digest);
  });
});
