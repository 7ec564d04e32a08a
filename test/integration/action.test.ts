// The bundled Action (dist/index.js) run the way the GitHub runner runs it: INPUT_* variables, the
// GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY files, an event file; then the post step with the
// saved state (STATE_* variables), which must leave no container and no credentials behind.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authDirsLeft, containersOfRun, inspectRemote, parseCommandFile, remoteTags, removeScratch, ROOT, scratchDir, testEnv, TINY, uid, userConfigHasLogin, writeFile } from './harness.js';

jest.setTimeout(300_000);

const env = testEnv();
const ACTION = path.join(ROOT, 'dist/index.js');
let dir: string;

beforeAll(() => {
  dir = scratchDir();
});
afterAll(() => removeScratch(dir));

interface Step {
  status: number | null;
  stdout: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
}

/** Runs dist/index.js as the runner would, in a workspace (the repository root). */
function runStep(inputs: Record<string, string>, extraEnv: Record<string, string> = {}, event: object = { repository: { default_branch: 'main' } }): Step {
  const files = path.join(dir, `step-${uid()}`);
  mkdirSync(files);
  const out = writeFile(files, 'output', '');
  const state = writeFile(files, 'state', '');
  const summary = writeFile(files, 'summary', '');
  const eventFile = writeFile(files, 'event.json', JSON.stringify(event));
  const runnerEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: ROOT,
    GITHUB_OUTPUT: out,
    GITHUB_STATE: state,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REPOSITORY: 'acme/models',
    GITHUB_SERVER_URL: 'https://github.com',
    RUNNER_TEMP: os.tmpdir(),
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...extraEnv,
  };
  const r = spawnSync(process.execPath, [ACTION], { cwd: ROOT, env: runnerEnv, encoding: 'utf8' });
  return {
    status: r.status,
    stdout: r.stdout + r.stderr,
    outputs: parseCommandFile(readFileSync(out, 'utf8')),
    state: parseCommandFile(readFileSync(state, 'utf8')),
    summary: readFileSync(summary, 'utf8'),
  };
}

/** The post step gets main's saved state back as STATE_<name> variables. */
function runPost(state: Record<string, string>, inputs: Record<string, string> = {}): Step {
  return runStep(inputs, Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v])));
}

function tinyConfig(name: string, smokeAnswer = 'setosa'): string {
  const text = `version: 1
images:
  - name: ${name}
    context: ${path.relative(dir, TINY)}
    build-args: { BASE_IMAGE: "${env.baseImage}" }
    tags: [latest, sha-0123456]
    smoke-test:
      commands:
        - { name: python, run: [python3, -c, "print('ok')"], expect-output: ["^ok$"] }
      http:
        port: 8080
        ready: { path: /health, timeout: 30s }
        checks:
          - { name: predict, method: POST, path: /predict, json: { features: [1, 2, 3, 4] }, expect-body: '"${smokeAnswer}"' }
push:
  registries: [${env.authRegistry}]
`;
  return path.relative(ROOT, writeFile(dir, `${uid()}.yml`, text));
}

describe('the Action (dist/index.js) as the runner runs it', () => {
  it('main builds, tests, pushes and writes outputs; post leaves no container and no credentials', () => {
    const name = `it/action-${uid()}`;
    const main = runStep({ config: tinyConfig(name), username: env.authUser, password: env.authPassword, push: 'auto' });
    expect(main.stdout).toContain('✓ http "predict"');
    expect(main.status).toBe(0);

    const refs = [`${env.authRegistry}/${name}:latest`, `${env.authRegistry}/${name}:sha-0123456`];
    expect(main.outputs.tags).toBe(refs.join('\n'));
    expect(main.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(inspectRemote(refs[0]!).digest).toBe(main.outputs.digest);
    expect(inspectRemote(refs[0]!).labels['org.opencontainers.image.revision']).toBe('0123456789abcdef0123456789abcdef01234567');
    expect(inspectRemote(refs[0]!).labels['org.opencontainers.image.source']).toBe('https://github.com/acme/models');
    const metadata = JSON.parse(main.outputs.metadata!) as { pushed: boolean; images: { name: string; refs: string[]; digest: string; smokeTest: { passed: boolean } }[] };
    expect(metadata.pushed).toBe(true);
    expect(metadata.images).toEqual([expect.objectContaining({ name, refs, digest: main.outputs.digest, smokeTest: expect.objectContaining({ passed: true }) })]);
    expect(main.summary).toContain('## ml-image ✅ passed');
    expect(main.summary).toContain(`\`${refs[0]}\``);

    // The password reaches the log only as the runner's mask command, nowhere else.
    const withPassword = main.stdout.split('\n').filter((l) => l.includes(env.authPassword));
    expect(withPassword.length).toBeGreaterThan(0);
    expect(withPassword.every((l) => l === `::add-mask::${env.authPassword}`)).toBe(true);

    expect(main.state.isPost).toBe('true');
    const runId = main.state['run-id']!;
    expect(runId).toMatch(/^[a-f0-9]{8}$/);
    expect(containersOfRun(runId)).toEqual([]);

    const post = runPost(main.state);
    expect(post.status).toBe(0);
    expect(post.stdout).toContain('no containers left behind');
    expect(containersOfRun(runId)).toEqual([]);
    expect(authDirsLeft()).toEqual([]);
    expect(userConfigHasLogin(env.authRegistry)).toBe(false);
  });

  it('post removes what a killed main left: labelled containers and the private docker config', () => {
    const runId = `dead${uid()}`;
    // What main leaves when the runner kills it mid-smoke-test: a running labelled service, a login dir.
    execFileSync(env.docker, ['run', '--detach', '--label', `io.github.ml-image.run=${runId}`, '--entrypoint', 'sleep', env.baseImage, '300']);
    const configDir = path.join(os.tmpdir(), `ml-image-auth-${uid()}`);
    writeFile(configDir, 'config.json', JSON.stringify({ auths: { [env.authRegistry]: { auth: 'eDp5' } } }));
    expect(containersOfRun(runId)).toHaveLength(1);

    const post = runPost({ isPost: 'true', 'run-id': runId, 'docker-config': configDir });
    expect(post.status).toBe(0);
    expect(post.stdout).toContain('removed 1 leftover container(s)');
    expect(containersOfRun(runId)).toEqual([]);
    expect(existsSync(configDir)).toBe(false);
  });

  it('a pull request with push: auto builds and tests but pushes nothing', () => {
    const name = `it/action-pr-${uid()}`;
    const pr = runStep(
      { config: tinyConfig(name), username: env.authUser, password: env.authPassword, push: 'auto' },
      { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/7/merge' },
      { pull_request: { head: { sha: 'feedfacefeedfacefeedfacefeedfacefeedface' } }, repository: { default_branch: 'main' } },
    );
    expect(pr.status).toBe(0);
    expect(pr.stdout).toContain(
      'not pushing: push.when (branch, tag, schedule, workflow-dispatch, release) does not include this pull_request event on refs/pull/7/merge',
    );
    expect(pr.outputs.tags).toBe(`${name}:latest\n${name}:sha-0123456`);
    expect(pr.outputs.digest).toBe('');
    expect(remoteTags(`${env.authRegistry}/${name}`)).toEqual([]);
  });

  it('a failing smoke test fails the step, reports the check, and pushes nothing', () => {
    const name = `it/action-fail-${uid()}`;
    const r = runStep({ config: tinyConfig(name, 'versicolor'), username: env.authUser, password: env.authPassword, push: 'true' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`::error::smoke test failed for ${name}: http "predict": body did not match /"versicolor"/`);
    expect(r.summary).toContain('## ml-image ❌ failed');
    expect(r.summary).toContain('http **predict**: body did not match');
    expect(JSON.parse(r.outputs.metadata!)).toEqual(expect.objectContaining({ pushed: false }));
    expect(remoteTags(`${env.authRegistry}/${name}`)).toEqual([]);
    expect(authDirsLeft()).toEqual([]);
  });

  it('plan-only sets the matrix, tags and version outputs and builds nothing', () => {
    const name = `it/action-plan-${uid()}`;
    const r = runStep({ config: tinyConfig(name), 'plan-only': 'true' });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('▶ Build');
    expect(JSON.parse(r.outputs.matrix!)).toEqual({
      include: [{ id: name.replace(/[^a-z0-9]+/g, '-'), image: name, variant: '', platform: '', gpu: false, 'runs-on': 'ubuntu-latest' }],
    });
    expect(r.outputs.tags).toBe(`${env.authRegistry}/${name}:latest\n${env.authRegistry}/${name}:sha-0123456`);
    expect(execFileSync(env.docker, ['images', '-q', name], { encoding: 'utf8' })).toBe('');
  });

  it('config errors become annotations on the config file line', () => {
    const file = path.relative(ROOT, writeFile(dir, `${uid()}.yml`, 'version: 1\nimages:\n  - name: acme/x\n    smoke-tset: {}\n'));
    const r = runStep({ config: file });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`::error file=${file},line=4,col=5::images[0].smoke-tset: unknown key "smoke-tset" (did you mean "smoke-test"?)`);
  });
});
