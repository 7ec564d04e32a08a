// The bundled Action (dist/index.js) as the GitHub runner runs it: action.yml read, inputs from its
// declarations and defaults, main then post, under Node 24 (action.yml's runtime) and Node 20. Through
// action-runner.ts only, never around it.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ActionRunner, displayedLog, PUSH_TO_MAIN, type GitHubEvent, type StepResult } from './action-runner.js';
import {
  authDirsLeft,
  inspectRemote,
  labelledLeftovers,
  imageTags,
  removeScratch,
  ROOT,
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

const PULL_REQUEST: GitHubEvent = {
  name: 'pull_request',
  ref: 'refs/pull/7/merge',
  sha: 'feedfacefeedfacefeedfacefeedfacefeedface',
  payload: {
    pull_request: { number: 7, head: { sha: 'feedfacefeedfacefeedfacefeedfacefeedface' } },
    repository: { default_branch: 'main' },
  },
};

/** docker/login-action's registry-auth, as a workflow writes it, for the TLS + auth registry (a port). */
const loginActionAuth = (password = env.authPassword) =>
  `- registry: ${env.authRegistry}\n  username: ${env.authUser}\n  password: ${password}\n`;

function tinyConfig(name: string, opts: { answer?: string; dockerfile?: string } = {}): string {
  const text = `version: 1
images:
  - name: ${name}
    context: ${path.relative(dir, TINY)}
${opts.dockerfile ? `    dockerfile: ${opts.dockerfile}\n` : ''}    build-args: { BASE_IMAGE: "${env.baseImage}" }
    tags: [latest, sha-0123456]
    smoke-test:
      commands:
        - { name: python, run: [python3, -c, "print('ok')"], expect-output: ["^ok$"] }
      http:
        port: 8080
        ready: { path: /health, timeout: 30s }
        checks:
          - { name: predict, method: POST, path: /predict, json: { features: [1, 2, 3, 4] }, expect-body: '"${opts.answer ?? 'setosa'}"' }
push:
  registries: [${env.authRegistry}]
`;
  return path.relative(ROOT, writeFile(dir, `${uid()}.yml`, text));
}

/** Nothing of the run is left: no labelled container, network or volume, no login anywhere, RUNNER_TEMP clean. */
function expectNothingLeft(runner: ActionRunner, runId: string): void {
  expect(labelledLeftovers(runId)).toEqual([]);
  expect(authDirsLeft()).toEqual([]);
  expect(userConfigHasLogin(env.authRegistry)).toBe(false);
  // RUNNER_TEMP holds the runner's own file-command dirs and ml-image's local layer cache (kept for later
  // steps of the job; no credentials in it), nothing else.
  expect(
    readdirSync(runner.runnerTemp).filter(
      (n) => !n.startsWith('_runner_file_commands-') && n !== 'tool-cache' && n !== 'ml-image',
    ),
  ).toEqual([]);
}

/** The password reaches the log only inside the runner's mask command. */
function expectSecretOnlyMasked(step: StepResult, secret: string): void {
  const lines = step.log.split('\n').filter((l) => l.includes(secret));
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.every((l) => l === `::add-mask::${secret}`)).toBe(true);
  for (const text of [step.summary, JSON.stringify(step.outputs), JSON.stringify(step.state), displayedLog(step)])
    expect(text).not.toContain(secret);
}

const NODES = [
  { name: 'Node 24 (action.yml runs.using)', node: env.node24 },
  { name: `Node ${process.versions.node.split('.')[0]} (this machine)`, node: process.execPath },
];

describe.each(NODES)('the Action under $name', ({ node }) => {
  const runner = (event: GitHubEvent = PUSH_TO_MAIN, extra: Record<string, string> = {}) =>
    new ActionRunner({ node, workspace: ROOT, event, env: extra });

  it("main builds, tests and pushes with login-action's registry-auth; every output; post leaves nothing", async () => {
    const name = `it/action-${uid()}`;
    const r = runner();
    const junit = path.relative(ROOT, path.join(dir, `${uid()}-smoke.xml`));
    const main = await r.main({ config: tinyConfig(name), 'registry-auth': loginActionAuth(), 'junit-report': junit });
    expect(main.log).toContain('✓ http "predict"');
    expect(main.outputs['smoke-test']).toBe('passed');
    expect(readFileSync(path.join(ROOT, junit), 'utf8')).toMatch(
      /<testcase classname="http" name="predict" time="[\d.]+"/,
    );
    expect(main.status).toBe(0);
    expect(main.unexpectedInputs).toEqual([]);

    const refs = [`${env.authRegistry}/${name}:latest`, `${env.authRegistry}/${name}:sha-0123456`];
    const served = inspectRemote(refs[0]);
    expect(main.outputs.tags).toBe(refs.join('\n'));
    expect(main.outputs.digest).toBe(served.digest);
    expect(main.outputs.imageid).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(main.outputs.version).toBe('latest');
    expect(main.outputs.labels).toContain(
      'org.opencontainers.image.revision=0123456789abcdef0123456789abcdef01234567\n',
    );
    expect(main.outputs.labels).toContain('org.opencontainers.image.source=https://github.com/acme/models');
    const json = JSON.parse(main.outputs.json) as {
      tags: string[];
      'tag-names': string[];
      labels: Record<string, string>;
    };
    expect(json.tags).toEqual(refs);
    expect(json['tag-names']).toEqual(['latest', 'sha-0123456']);
    expect(json.labels).toEqual(served.labels);
    const id = name.replace(/[^a-z0-9]+/g, '-');
    expect(JSON.parse(main.outputs.matrix)).toEqual({ include: [expect.objectContaining({ id, image: name })] });
    const images = JSON.parse(main.outputs.images) as Record<string, Record<string, unknown>>;
    expect(Object.keys(images)).toEqual([id]);
    expect(images[id]).toEqual(
      expect.objectContaining({
        image: name,
        imageid: main.outputs.imageid,
        references: refs,
        digests: { [env.authRegistry]: served.digest },
        pushed: refs.map((ref) => `${ref}@${served.digest}`),
        'not-pushed': null,
        size: expect.any(Number),
        'smoke-test': expect.objectContaining({ result: 'passed' }),
      }),
    );

    // The summary: one row, its plan, no failed checks.
    expect(main.summary).toContain('## ml-image ✅ passed');
    expect(main.summary).toContain('| image | tags | digest | size | build | cached steps | smoke test | pushed |');
    const row = main.summary.split('\n').find((l) => l.startsWith(`| <code>${name}</code>`))!;
    expect(row).toMatch(
      / \| \d+(\.\d)? MB \| \d+\.\ds \| \d+\/\d+ \| ✅ passed<br>✓ python \d+\.\ds<br>✓ \/health answers 200 \d+\.\ds<br>✓ predict \d+\.\ds \| /,
    );
    expect(row).toContain(`\`${refs[0]}\`<br>\`${refs[1]}\``);
    expect(main.summary).toContain('<details><summary>Plan</summary>');
    expect(main.summary).not.toContain('Failed checks');

    // One ::group:: per step, holding the step's full output (BuildKit's progress included). A first run of a
    // new repository looks for proof, finds none and says why, then takes the full path.
    expect(main.groups.map((g) => g.title)).toEqual([
      'Log in to registries',
      'Look for proof',
      `Build ${name}`,
      `Smoke test ${name}`,
      'Push',
      'Test records',
    ]);
    expect(main.groups[1].lines.some((l) => l.includes(' is built and tested: '))).toBe(true);
    expect(main.groups[2].lines.some((l) => /^#\d+ \[.*\d+\/\d+\] /.test(l))).toBe(true);

    expectSecretOnlyMasked(main, env.authPassword);
    expect(main.state.isPost).toBe('true');
    const runId = main.state['run-id'];
    expect(runId).toMatch(/^[a-f0-9]{8}$/);
    expect(labelledLeftovers(runId)).toEqual([]);

    const post = await r.post();
    expect(post.status).toBe(0);
    expect(post.log).toContain('nothing left behind');
    expectNothingLeft(r, runId);
  });

  it('post removes what a killed main left: labelled container, network and volume, and the private docker config', async () => {
    const runId = `dead${uid()}`;
    const label = `io.github.ml-image.run=${runId}`;
    // What main leaves when the runner kills it mid-smoke-test.
    execFileSync(env.docker, ['network', 'create', '--label', label, `ml-image-${runId}`]);
    execFileSync(env.docker, ['volume', 'create', '--label', label, `ml-image-${runId}`]);
    execFileSync(env.docker, [
      'run',
      '--detach',
      '--label',
      label,
      '--network',
      `ml-image-${runId}`,
      '--entrypoint',
      'sleep',
      env.baseImage,
      '300',
    ]);
    const configDir = path.join(os.tmpdir(), `ml-image-auth-${uid()}`);
    writeFile(configDir, 'config.json', JSON.stringify({ auths: { [env.authRegistry]: { auth: 'eDp5' } } }));
    expect(labelledLeftovers(runId)).toHaveLength(3);

    const r = runner();
    const post = await r.post({ isPost: 'true', 'run-id': runId, 'docker-config': configDir });
    expect(post.status).toBe(0);
    expect(post.log).toContain(
      'removed 1 container(s), 1 network(s), 1 volume(s), 0 image name(s), 0 builder(s) left by run',
    );
    expect(labelledLeftovers(runId)).toEqual([]);
    expect(existsSync(configDir)).toBe(false);
  });

  it('a pull request from a fork (empty secrets) with push: auto builds and tests, pushes nothing, says why, succeeds', async () => {
    const name = `it/action-pr-${uid()}`;
    // What a fork's pull request gets: the actor is known, the secret is empty.
    const pr = await runner(PULL_REQUEST).main({
      config: tinyConfig(name),
      username: 'octocat',
      password: '',
      'registry-auth': loginActionAuth(''),
    });
    expect(pr.status).toBe(0);
    const why =
      'push.when (branch, tag, schedule, workflow-dispatch, release) does not include this pull_request event on refs/pull/7/merge';
    expect(pr.log).toContain(`not pushing: ${why}`);
    expect(pr.summary).toContain(`not pushed: ${why}`);
    expect(pr.outputs.tags).toBe(`${name}:latest\n${name}:sha-0123456`);
    expect(pr.outputs.digest).toBe('');
    expect(imageTags(`${env.authRegistry}/${name}`)).toEqual([]);
  });

  it('empty secrets on a run that pushes: a clear error before anything is built', async () => {
    const name = `it/action-nosecret-${uid()}`;
    const r = await runner().main({ config: tinyConfig(name), 'registry-auth': loginActionAuth('') });
    expect(r.status).toBe(1);
    expect(r.annotations.map((a) => a.message)).toEqual([
      `cannot push: incomplete credentials for ${env.authRegistry} (no password); empty secrets are what a pull request from a fork gets. Nothing was built.`,
    ]);
    expect(r.groups).toEqual([]);
    expect(execFileSync(env.docker, ['images', '-q', name], { encoding: 'utf8' })).toBe('');
  });

  it('a failing check fails the step: an error on its line in the config, expected vs actual and the log in the summary, nothing pushed', async () => {
    const name = `it/action-fail-${uid()}`;
    const config = tinyConfig(name, { answer: 'versicolor' });
    const r = await runner().main({ config, username: env.authUser, password: env.authPassword, push: 'True' });
    expect(r.status).toBe(1);
    const line =
      readFileSync(path.join(ROOT, config), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('name: predict')) + 1;
    expect(r.annotations).toEqual(
      expect.arrayContaining([
        {
          command: 'error',
          properties: { file: config, line: String(line), col: '13' },
          message: `${name}: http "predict": body did not match /"versicolor"/; body: {"class": "setosa"}`,
        },
        {
          command: 'error',
          properties: {},
          message: `smoke test failed for ${name}: http "predict": body did not match /"versicolor"/; body: {"class": "setosa"}; nothing was pushed`,
        },
      ]),
    );
    expect(r.summary).toContain('## ml-image ❌ failed');
    expect(r.summary).toContain(
      `<summary><code>${name}</code> http <b>predict</b>: body did not match /"versicolor"/; body: {"class": "setosa"}</summary>`,
    );
    expect(r.summary).toContain(
      '**expected**\n\n```text\nPOST /predict → status 200, body matching /"versicolor"/\n```',
    );
    expect(r.summary).toContain('**actual**\n\n```text\nstatus 200, body: {"class": "setosa"}\n```');
    expect(r.summary).toContain('**container log** (last lines)');
    expect(r.summary).toContain('not pushed: its smoke test failed');
    expect((JSON.parse(r.outputs.images) as Record<string, unknown>)[name.replace(/[^a-z0-9]+/g, '-')]).toEqual(
      expect.objectContaining({ pushed: [], 'not-pushed': 'its smoke test failed' }),
    );
    expect(imageTags(`${env.authRegistry}/${name}`)).toEqual([]);
    expect(authDirsLeft()).toEqual([]);
    expectSecretOnlyMasked(r, env.authPassword);
  });

  it('a failed build step is an error on its Dockerfile line', async () => {
    const name = `it/action-buildfail-${uid()}`;
    const broken = writeFile(
      dir,
      `broken-${uid()}.Dockerfile`,
      `FROM ${env.baseImage}\nRUN echo fine\nRUN echo ${uid()} \\\n && exit 3\n`,
    );
    const r = await runner().main({
      config: tinyConfig(name, { dockerfile: path.relative(TINY, broken) }),
      push: 'false',
    });
    expect(r.status).toBe(1);
    const error = r.annotations.find((a) => a.properties.file);
    expect(error).toEqual({
      command: 'error',
      properties: { file: path.relative(ROOT, broken), line: '3', col: '1' },
      message: expect.stringMatching(
        new RegExp(`^build of ${name} failed at \\[3/3\\] RUN echo [a-z0-9]+ +&& exit 3: .*exit code: 3$`),
      ),
    });
    expect(r.summary).toContain('not pushed: push not requested');
  });

  it('plan-only sets the matrix, tags, labels, json and version outputs and builds nothing', async () => {
    const name = `it/action-plan-${uid()}`;
    const r = await runner().main({ config: tinyConfig(name), 'plan-only': 'true' });
    expect(r.status).toBe(0);
    expect(r.groups).toEqual([]);
    expect(JSON.parse(r.outputs.matrix)).toEqual({
      include: [
        {
          id: name.replace(/[^a-z0-9]+/g, '-'),
          image: name,
          variant: '',
          platform: '',
          gpu: false,
          'runs-on': 'ubuntu-latest',
        },
      ],
    });
    expect(r.outputs.tags).toBe(`${env.authRegistry}/${name}:latest\n${env.authRegistry}/${name}:sha-0123456`);
    expect(r.outputs.labels).toContain(`org.opencontainers.image.title=${name.split('/')[1]}`);
    expect(r.outputs.imageid).toBe('');
    expect(execFileSync(env.docker, ['images', '-q', name], { encoding: 'utf8' })).toBe('');
  });

  it('config errors become annotations on the config file line', async () => {
    const file = path.relative(
      ROOT,
      writeFile(dir, `${uid()}.yml`, 'version: 1\nimages:\n  - name: acme/x\n    smoke-tset: {}\n'),
    );
    const r = await runner().main({ config: file });
    expect(r.status).toBe(1);
    expect(r.annotations).toContainEqual({
      command: 'error',
      properties: { file, line: '4', col: '5' },
      message: 'images[0].smoke-tset: unknown key "smoke-tset" (did you mean "smoke-test"?)',
    });
    expect(r.summary).toMatch(/^## ml-image ❌ failed\n\n> 2 problems in /);
  });

  it("an input under its old name (metadata-action's images) is refused, naming the new one", async () => {
    const r = await runner().main({ config: tinyConfig(`it/x-${uid()}`), images: 'acme/iris' });
    expect(r.unexpectedInputs).toEqual(['images']);
    expect(r.status).toBe(1);
    expect(r.annotations.map((a) => a.message)).toEqual([
      "input images is now only-images (docker/metadata-action's images input lists full image names); rename it in the step's with:",
    ]);
  });

  it('logout: false logs in to the job docker config and stays logged in there for later steps', async () => {
    const name = `it/action-keep-${uid()}`;
    const dockerConfig = mkdtempSync(path.join(os.tmpdir(), 'job-docker-config-'));
    try {
      const r = runner(PUSH_TO_MAIN, { DOCKER_CONFIG: dockerConfig });
      const main = await r.main({ config: tinyConfig(name), 'registry-auth': loginActionAuth(), logout: 'false' });
      expect(main.status).toBe(0);
      expect(main.log).toContain(
        `logged in to ${env.authRegistry} as ${env.authUser} in the job's docker config (logout: false; it stays logged in after this step)`,
      );
      expect((await r.post()).status).toBe(0);
      const config = JSON.parse(readFileSync(path.join(dockerConfig, 'config.json'), 'utf8')) as {
        auths: Record<string, unknown>;
      };
      expect(Object.keys(config.auths)).toEqual([env.authRegistry]);
      expect(authDirsLeft()).toEqual([]);
      // A later step can pull what was pushed with that login.
      execFileSync(env.docker, ['--config', dockerConfig, 'pull', '--quiet', `${env.authRegistry}/${name}:latest`]);
    } finally {
      rmSync(dockerConfig, { recursive: true, force: true });
    }
  });
});

describe('the bundled example through the Action under Node 24, as a user workflow runs it', () => {
  it('builds, smoke-tests and pushes examples/iris with login-action-style credentials; post leaves nothing', async () => {
    const r = new ActionRunner({ node: env.node24, workspace: ROOT });
    const main = await r.main({
      config: 'examples/iris/ml-image.yml',
      push: 'true',
      registries: env.authRegistry,
      'registry-auth': loginActionAuth(),
    });
    expect(main.status).toBe(0);
    const repo = `${env.authRegistry}/acme/iris-classifier`;
    const served = inspectRemote(`${repo}:0.1.0`);
    expect(main.outputs.tags).toBe(`${repo}:latest\n${repo}:0.1.0`);
    expect(main.outputs.digest).toBe(served.digest);
    for (const name of ['tags', 'labels', 'version', 'json', 'imageid', 'digest', 'images', 'matrix'])
      expect([name, main.outputs[name]]).not.toEqual([name, '']);
    const row = main.summary.split('\n').find((l) => l.startsWith('| <code>acme/iris-classifier</code>'))!;
    for (const check of ['imports', 'model file', '/health answers 200', 'predict setosa', 'rejects bad input'])
      expect(row).toContain(`✓ ${check} `);
    expect(row).toContain(`\`${repo}:0.1.0\``);
    expectSecretOnlyMasked(main, env.authPassword);
    expect((await r.post()).status).toBe(0);
    expectNothingLeft(r, main.state['run-id']);
  });
});
