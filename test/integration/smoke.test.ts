// Smoke-test check kinds for real, through the command users run: `ml-image test IMAGE --config F --json R`
// against the tiny fixture image on the real engine. Each kind passes and fails, and the failure message
// is asserted exactly (from the JSON report, which carries what the log line says).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { labelledLeftovers, removeScratch, ROOT, scratchDir, testEnv, TINY, uid, writeFile } from './harness.js';

jest.setTimeout(300_000);

const env = testEnv();
const CLI = path.join(ROOT, 'dist/cli/index.js');
const IMAGE = `it/smoke-${uid()}:latest`;
let dir: string;

beforeAll(() => {
  dir = scratchDir();
  execFileSync(env.docker, ['build', '--quiet', '--build-arg', `BASE_IMAGE=${env.baseImage}`, '--tag', IMAGE, TINY], {
    encoding: 'utf8',
  });
});
afterAll(() => {
  spawnSync(env.docker, ['image', 'rm', '--force', IMAGE]);
  removeScratch(dir);
});

interface Report {
  runId?: string;
  passed: boolean;
  suites: {
    name: string;
    passed: boolean;
    checks: {
      kind: string;
      name: string;
      result: string;
      seconds: number;
      message?: string;
      expected?: string;
      actual?: string;
      skipped?: string;
    }[];
  }[];
}

/** `ml-image test IMAGE` with a config holding this smoke-test section; the JSON report and the exit code. */
function smoke(
  section: string,
  extraArgs: string[] = [],
): { status: number | null; report: Report; stderr: string; ms: number } {
  const config = writeFile(
    dir,
    `${uid()}.yml`,
    `version: 1\nimages:\n  - name: it/smoke\n    context: ${path.relative(dir, TINY)}\n    smoke-test:\n${section.replace(/^/gm, '      ')}\n`,
  );
  const json = path.join(dir, `${uid()}.json`);
  const started = Date.now();
  const r = spawnSync(
    process.execPath,
    [CLI, 'test', IMAGE, '--config', config, '--json', json, '--docker', env.docker, ...extraArgs],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, GITHUB_ACTIONS: '' } },
  );
  const report = existsSync(json)
    ? (JSON.parse(readFileSync(json, 'utf8')) as Report)
    : ({ passed: false, suites: [] } as Report);
  if (report.runId) cliRuns.push(report.runId);
  return { status: r.status, report, stderr: r.stderr, ms: Date.now() - started };
}

/** The run ids of this file's `ml-image test` runs (from their reports): other files' runs share the engine. */
const cliRuns: string[] = [];
/** What a run left: containers, networks and volumes with its run label; a run without a report, a marker. */
const leftOver = (r: { report: Report }) =>
  r.report.runId ? labelledLeftovers(r.report.runId) : ['no run id in the report'];

const checks = (r: Report) => r.suites[0].checks;
const firstLine = (m?: string) => (m ?? '').split('\n')[0];

describe('command checks', () => {
  it('pass: exit code, output and stderr patterns, env, workdir and user', () => {
    const r = smoke(`commands:
  - name: streams
    run: [python3, -c, "import os, sys; print('ok', os.environ['X'], os.getcwd(), os.getuid()); print('warn', file=sys.stderr)"]
    env: { X: "1" }
    workdir: /app
    user: "1000"
    expect-output: ["^ok 1 /app 1000$"]
    exclude-output: [Traceback]
    expect-error: ["^warn$"]
    exclude-error: [ERROR]`);
    expect([r.status, checks(r.report).map((c) => [c.kind, c.name, c.result])]).toEqual([
      0,
      [['command', 'streams', 'passed']],
    ]);
  });

  it('fail: each broken expectation named', () => {
    const r = smoke(`commands:
  - name: broken
    run: [python3, -c, "import sys; print('Traceback (most recent call last)'); print('ERROR x', file=sys.stderr); sys.exit(2)"]
    expect-output: ["^ok$"]
    exclude-output: [Traceback]
    expect-error: ["^warn$"]
    exclude-error: [ERROR]`);
    expect(r.status).toBe(1);
    expect(firstLine(checks(r.report)[0].message)).toBe(
      'exit code 2 (expected 0); output did not match /^ok$/; output matched excluded /Traceback/; stderr did not match /^warn$/; stderr matched excluded /ERROR/',
    );
    expect(checks(r.report)[0].expected).toBe(
      'exit code 0, output matching /^ok$/, output not matching /Traceback/, stderr matching /^warn$/, stderr not matching /ERROR/',
    );
  });
});

describe('file checks (read from a created container, nothing started)', () => {
  it('pass: existence, absence, mode, owner, executable bit, content', () => {
    const r = smoke(`files:
  - { path: /app/server.py, permissions: "-rw-r--r--", uid: 0, gid: 0, expect-content: ["tiny-service"], exclude-content: ["import requests"] }
  - { path: /target.txt, expect-content: ["^runtime$"] }
  - { path: /usr/bin/python3, executable-by: other }
  - { path: /app, permissions: "0755" }
  - { path: /nope, exists: false }`);
    expect(r.status).toBe(0);
    expect(checks(r.report).map((c) => [c.kind, c.name, c.result])).toEqual([
      ['file', '/app/server.py', 'passed'],
      ['file', '/target.txt', 'passed'],
      ['file', '/usr/bin/python3', 'passed'],
      ['file', '/app', 'passed'],
      ['file', 'no /nope', 'passed'],
    ]);
  });

  it('fail: exact messages', () => {
    const r = smoke(`files:
  - { path: /app/server.py, permissions: "0755", uid: 1000, executable-by: any, expect-content: ["^never$"] }
  - { path: /nope }
  - { path: /target.txt, exists: false }
  - { path: /app, expect-content: [x] }`);
    expect(r.status).toBe(1);
    expect(checks(r.report).map((c) => c.message)).toEqual([
      '/app/server.py: mode rw-r--r-- (expected rwxr-xr-x); uid 0 (expected 1000); not executable by any (mode rw-r--r--); content did not match /^never$/',
      '/nope does not exist',
      '/target.txt exists (a file) but must not',
      '/app: is a directory, so its content cannot be checked',
    ]);
  });
});

describe('metadata checks (docker image inspect)', () => {
  it('pass', () => {
    const r = smoke(`metadata:
  env: { PORT: "8080", ANSWER: setosa }
  unset-env: [SECRET]
  cmd: [python3, /app/server.py]
  entrypoint: []
  exposed-ports: ["8080"]
  unexposed-ports: [22/tcp]
  workdir: ""
  user: ""`);
    expect([r.status, checks(r.report).map((c) => [c.kind, c.result])]).toEqual([0, [['metadata', 'passed']]]);
  });

  it('fail: exact message', () => {
    const r = smoke(`metadata:
  env: { PORT: "9090", MISSING: x }
  unset-env: [ANSWER]
  cmd: [serve]
  exposed-ports: ["9000"]
  volumes: [/data]
  user: app`);
    expect(r.status).toBe(1);
    expect(checks(r.report)[0].message).toBe(
      'env PORT="8080" (expected "9090"); env MISSING is not set (expected "x"); env ANSWER is set ("setosa") but must not be; cmd ["python3","/app/server.py"] (expected ["serve"]); port 9000/tcp is not exposed (exposed: 8080/tcp); volume /data is not declared (volumes: none); user "" (expected "app")',
    );
  });
});

describe('HTTP checks', () => {
  const predict = (extra: string) => `http:
  port: 8080
  ready: { path: /health, timeout: 20s }
  checks:
    - name: predict
      method: POST
      path: /predict
      json: { features: [1, 2, 3, 4] }
${extra.replace(/^/gm, '      ')}`;

  it('a service ready only after 3 s passes; JSON subset and latency pass', () => {
    const r = smoke(`env: { START_DELAY: "3" }\n${predict('expect-json: { class: setosa }\nmax-latency: 5s')}`);
    expect([r.status, checks(r.report).map((c) => [c.kind, c.result])]).toEqual([
      0,
      [
        ['ready', 'passed'],
        ['http', 'passed'],
      ],
    ]);
    expect(checks(r.report)[0].seconds).toBeGreaterThanOrEqual(3);
  });

  it('fail: a JSON value and the latency, exactly', () => {
    const r = smoke(
      `env: { ANSWER: virginica, SLOW_PREDICT: "0.6" }\n${predict('expect-json: { class: setosa }\nmax-latency: 300ms')}`,
    );
    expect(r.status).toBe(1);
    expect(checks(r.report)[1].message).toMatch(
      /^JSON at \$\.class: expected "setosa", got "virginica"; took \d+ ms \(max-latency 300 ms\); body: \{"class": "virginica"\}$/,
    );
  });

  it('never ready: fails at its deadline with the last probe', () => {
    const r = smoke(`env: { FAIL_HEALTH: "1" }\nhttp:\n  port: 8080\n  ready: { path: /health, timeout: 4s }`);
    expect(r.status).toBe(1);
    expect(checks(r.report)[0].message).toBe('not ready after 4s (last probe: status 503)');
  });

  it('crashes at start: fails at once, not at the deadline, with its log', () => {
    const r = smoke(`env: { CRASH_AT_START: "1" }\nhttp:\n  port: 8080\n  ready: { path: /health, timeout: 120s }`);
    expect(r.status).toBe(1);
    expect(checks(r.report)[0].message).toMatch(
      /^(the container exited at start \(exit code 3\)|the container exited before it was ready \(last probe: .*\))$/,
    );
    expect(r.ms).toBeLessThan(60_000);
    expect(r.stderr).toContain('tiny-service: cannot load the model (CRASH_AT_START=1)');
  });
});

describe('GPU policy on this CPU-only machine', () => {
  const gpuCheck = `commands:
  - { name: cpu, run: [python3, -c, "print('ok')"] }
  - { name: cuda, run: [nvidia-smi, -L], requires-gpu: true }`;

  it('auto: the GPU-only check is skipped with a notice, the rest runs', () => {
    const r = smoke(`gpu: auto\n${gpuCheck}`);
    expect(r.status).toBe(0);
    expect(checks(r.report).map((c) => [c.name, c.result, c.skipped])).toEqual([
      ['cpu', 'passed', undefined],
      ['cuda', 'skipped', 'needs a GPU and this runner has none (smoke-test.gpu: auto)'],
    ]);
    expect(r.stderr).toContain('- command "cuda" skipped: needs a GPU and this runner has none (smoke-test.gpu: auto)');
    expect(r.stderr).toMatch(
      /GPU: nvidia-smi lists none; engine runtimes [^;]*runc[^;]*; no CDI; containers get no GPU/,
    );
  });

  it('required: fails with a clear message', () => {
    const r = smoke(`gpu: required\n${gpuCheck}`);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'smoke test of it/smoke requires a GPU (smoke-test.gpu: required) but this runner has none',
    );
  });
});

describe('the test environment, from the config', () => {
  // No backslashes: the probe goes through a TypeScript template and a YAML double-quoted string.
  const probe = (host: string, port: number) =>
    `import socket; s = socket.create_connection(('${host}', ${port}), 5); s.sendall(b'GET /health HTTP/1.0' + bytes([13, 10, 13, 10])); print(s.recv(200).split(bytes([13, 10]))[0].decode())`;

  it('a side service reached by name and volumes (a repository path, a volume made for the test)', () => {
    writeFile(dir, 'weights/model.txt', 'weights v1\n');
    const r = smoke(`volumes:
  - { source: weights, target: /models, read-only: true }
  - { name: scratch, target: /scratch }
services:
  - name: store
    image: ${IMAGE}
    env: { PORT: "9000" }
    ready: { port: 9000, timeout: 30s }
commands:
  - name: calls the store
    run: [python3, -c, "${probe('store', 9000)}"]
    expect-output: ["^HTTP/1.1 200 OK$"]
  - name: reads the weights
    run: [python3, -c, "print(open('/models/model.txt').read().strip()); open('/scratch/x', 'w').write('ok')"]
    expect-output: ["^weights v1$"]`);
    expect([r.status, checks(r.report).map((c) => [c.name, c.result])]).toEqual([
      0,
      [
        ['calls the store', 'passed'],
        ['reads the weights', 'passed'],
      ],
    ]);
    expect(leftOver(r)).toEqual([]);
  });

  const composeRun = (file: string) => {
    const fixture = path.relative(dir, path.join(ROOT, 'test/fixtures/compose', file));
    return smokeWithEnv(`compose: { file: ${fixture}, service: app }
http:
  port: 8080
  ready: { path: /health, timeout: 30s }
  checks:
    - { name: predict, method: POST, path: /predict, json: { features: [1] }, expect-json: { class: setosa } }`);
  };
  const smokeWithEnv = (section: string) => {
    process.env.ML_IMAGE_TEST_TINY_IMAGE = IMAGE;
    try {
      return smoke(section);
    } finally {
      delete process.env.ML_IMAGE_TEST_TINY_IMAGE;
    }
  };
  // Compose labels its containers, networks and volumes with the project, which holds the run id.
  const composeLeftovers = (r: { report: Report }) =>
    ['ps -a', 'network ls', 'volume ls'].flatMap((c) =>
      execFileSync(
        env.docker,
        [
          ...c.split(' '),
          '--filter',
          'label=com.docker.compose.project',
          '--format',
          '{{.Label "com.docker.compose.project"}}',
        ],
        { encoding: 'utf8' },
      )
        .split('\n')
        .filter((p) => p.startsWith(`ml-image-${r.report.runId ?? ''}`)),
    );

  it('Compose: the image under test replaces the app service, which calls its side service; the project is taken down', () => {
    const r = composeRun('compose.yaml');
    expect([r.status, checks(r.report).map((c) => [c.kind, c.name, c.result])]).toEqual([
      0,
      [
        ['ready', '/health answers 200', 'passed'],
        ['http', 'predict', 'passed'],
      ],
    ]);
    expect([leftOver(r), composeLeftovers(r)]).toEqual([[], []]);
  });

  it('Compose with a broken side service: fails, says why, leaves nothing', () => {
    const r = composeRun('broken.yaml');
    expect(r.status).toBe(1);
    expect(checks(r.report).map((c) => [c.kind, c.name, c.result])).toEqual([
      ['service', 'test environment', 'failed'],
    ]);
    expect(checks(r.report)[0].message).toMatch(/exited \(3\)/);
    expect([leftOver(r), composeLeftovers(r)]).toEqual([[], []]);
  });
});

describe('usage', () => {
  it('exit 2 without anything to test, or for an image the engine lacks', () => {
    const none = spawnSync(process.execPath, [CLI, 'test', IMAGE], { cwd: ROOT, encoding: 'utf8' });
    expect([none.status, none.stderr.split('\n')[0]]).toEqual([
      2,
      'error: test needs --config (its smoke test) and/or --structure-test FILE',
    ]);
    const config = writeFile(
      dir,
      `${uid()}.yml`,
      `version: 1\nimages:\n  - name: it/smoke\n    context: ${path.relative(dir, TINY)}\n`,
    );
    const missing = spawnSync(
      process.execPath,
      [CLI, 'test', 'it/absent:nope', '--config', config, '--docker', env.docker],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect([
      missing.status,
      missing.stderr
        .trim()
        .split('\n')
        .find((l) => l.startsWith('error:')),
    ]).toEqual([2, 'error: image it/absent:nope is not in the engine (pull or build it first)']);
  });
});

describe('after every test above', () => {
  it('no container, network or volume with the run label of any of its runs remains', () => {
    expect(cliRuns.length).toBeGreaterThan(10);
    expect(cliRuns.flatMap((id) => labelledLeftovers(id))).toEqual([]);
  });
});
