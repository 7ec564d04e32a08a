// The smoke test's environment against the real engine: volumes seen by containers of the image under
// test, side services reached by name on the private network (and failing fast with their log), and a
// Compose project in which the image under test replaces one service. Afterwards nothing is left: no
// container, network or volume with the run label or of the Compose project.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { Docker, RUN_LABEL } from '../../src/docker/docker.js';
import { MlImageError } from '../../src/errors.js';
import { execProcess } from '../../src/process/exec.js';
import { MemoryLogger } from '../../src/log/log.js';
import { Resources } from '../../src/resources/resources.js';
import type { EnvironmentContext, TestEnvironment } from '../../src/smoke/environment-base.js';
import { prepareEnvironment } from '../../src/smoke/environment.js';
import { tcpAnswers } from '../../src/smoke/side-services.js';
import { labelledLeftovers, removeScratch, ROOT, scratchDir, testEnv, TINY, uid, writeFile } from './harness.js';

jest.setTimeout(180_000);

const env = testEnv();
const IMAGE = `ml-image-test/smoke-env-${uid()}:it`;
const COMPOSE = path.join(ROOT, 'test/fixtures/compose');
const runIds: string[] = [];
let dir: string;

beforeAll(() => {
  dir = scratchDir();
  execFileSync(env.docker, ['build', '--quiet', '--build-arg', `BASE_IMAGE=${env.baseImage}`, '--tag', IMAGE, TINY], {
    encoding: 'utf8',
  });
  // The compose fixtures take their side service's image from here (nothing can be pulled in the test environment).
  process.env.ML_IMAGE_TEST_TINY_IMAGE = IMAGE;
});

afterAll(async () => {
  // Whatever a failed test left, by its run label only (other tests share the engine: never prune).
  const docker = new Docker(env.docker, 'buildx', execProcess, new MemoryLogger());
  for (const id of runIds) await docker.sweepRun(id);
  spawnSync(env.docker, ['image', 'rm', IMAGE]);
  delete process.env.ML_IMAGE_TEST_TINY_IMAGE;
  removeScratch(dir);
});

function context(): EnvironmentContext & { log: MemoryLogger } {
  const runId = uid() + uid().slice(0, 2);
  runIds.push(runId);
  return {
    docker: new Docker(env.docker, 'buildx', execProcess, new MemoryLogger()),
    log: new MemoryLogger(),
    resources: new Resources(),
    runId,
  };
}

/** Runs python3 in a container of the image under test inside the environment; its stdout, stderr and exit code. */
function inImage(runId: string, t: TestEnvironment, script: string): { out: string; err: string; code: number | null } {
  const r = spawnSync(
    env.docker,
    ['run', '--rm', '--label', `${RUN_LABEL}=${runId}`, ...t.runArgs, '--entrypoint', 'python3', IMAGE, '-c', script],
    { encoding: 'utf8' },
  );
  return { out: r.stdout.trim(), err: r.stderr, code: r.status };
}

/** python3-minimal has no urllib.request: a GET over a plain socket, printing the status code. */
const getStatus = (host: string, port: number, route = '/health') =>
  `import socket; s = socket.create_connection((${JSON.stringify(host)}, ${port}), 5); s.sendall(b'GET ${route} HTTP/1.0\\r\\n\\r\\n'); print(s.recv(100).split()[1].decode())`;

const list = (args: string[]) => execFileSync(env.docker, args, { encoding: 'utf8' }).split('\n').filter(Boolean);

/** Everything of a Compose project, by Compose's own project label. */
function projectLeftovers(project: string): string[] {
  const label = `label=com.docker.compose.project=${project}`;
  return [
    ...list(['ps', '-a', '-q', '--filter', label]).map((id) => `container ${id}`),
    ...list(['network', 'ls', '-q', '--filter', label]).map((id) => `network ${id}`),
    ...list(['volume', 'ls', '-q', '--filter', label]).map((id) => `volume ${id}`),
  ];
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err: unknown) {
    if (err instanceof Error) return err;
  }
  throw new Error('expected a rejection with an Error');
}

describe('volumes', () => {
  it('mounts a named volume and a host path into the image under test; the named volume is removed afterwards', async () => {
    const ctx = context();
    const host = path.dirname(writeFile(dir, 'host/hello.txt', 'from the host\n'));
    const t = await prepareEnvironment(
      ctx,
      {
        volumes: [
          { source: host, target: '/host', readOnly: true },
          { name: 'scratch', target: '/data', readOnly: false },
        ],
        services: [],
      },
      IMAGE,
      'vols',
    );
    const volume = `ml-image-${ctx.runId}-vols-scratch`;
    expect(list(['volume', 'ls', '-q', '--filter', `label=${RUN_LABEL}=${ctx.runId}`])).toEqual([volume]);

    const write = inImage(
      ctx.runId,
      t,
      "print(open('/host/hello.txt').read().strip()); open('/data/x', 'w').write('kept')\ntry:\n  open('/host/y', 'w')\nexcept OSError as e:\n  print('read-only' if e.errno == 30 else e)",
    );
    expect(write).toMatchObject({ out: 'from the host\nread-only', code: 0 });
    // A second container of the same environment sees what the first wrote in the named volume.
    expect(inImage(ctx.runId, t, "print(open('/data/x').read())")).toMatchObject({ out: 'kept', code: 0 });

    await t.close();
    await t.close(); // idempotent
    expect(spawnSync(env.docker, ['volume', 'inspect', volume]).status).not.toBe(0);
    expect(labelledLeftovers(ctx.runId)).toEqual([]);
    expect(ctx.resources.keys).toEqual([]);
  });

  it('names a missing host path', async () => {
    const ctx = context();
    const err = await rejection(
      prepareEnvironment(
        ctx,
        { volumes: [{ source: path.join(dir, 'nope'), target: '/x', readOnly: true }], services: [] },
        IMAGE,
        'vols',
      ),
    );
    expect(err).toBeInstanceOf(MlImageError);
    expect(err.message).toContain(`host path ${path.join(dir, 'nope')} does not exist`);
  });
});

describe('side services', () => {
  it('reaches services by name on a private network once they are ready (port and command readiness)', async () => {
    const ctx = context();
    const readyCheck = ['python3', '-c', "import socket; socket.create_connection(('127.0.0.1', 9100), 2)"];
    const t = await prepareEnvironment(
      ctx,
      {
        volumes: [{ name: 'shared', target: '/shared', readOnly: false }],
        services: [
          {
            name: 'store',
            image: IMAGE,
            env: { PORT: '9000', ANSWER: 'store' },
            ready: { port: 9000, timeoutMs: 30_000 },
          },
          { name: 'features', image: IMAGE, env: { PORT: '9100' }, ready: { command: readyCheck, timeoutMs: 30_000 } },
        ],
      },
      IMAGE,
      'svc',
    );
    const network = `ml-image-${ctx.runId}-svc`;
    expect(t.runArgs).toEqual([
      '--mount',
      `type=volume,source=ml-image-${ctx.runId}-svc-shared,target=/shared`,
      '--network',
      network,
    ]);
    expect(inImage(ctx.runId, t, getStatus('store', 9000))).toMatchObject({ out: '200', code: 0 });
    // The side services see the test's volumes too.
    expect(inImage(ctx.runId, t, "open('/shared/note', 'w').write('from the image under test')").code).toBe(0);
    expect(
      execFileSync(env.docker, ['exec', `ml-image-${ctx.runId}-svc-svc-store`, 'cat', '/shared/note'], {
        encoding: 'utf8',
      }),
    ).toBe('from the image under test');
    expect(inImage(ctx.runId, t, getStatus('features', 9100))).toMatchObject({ out: '200', code: 0 });
    expect(list(['ps', '-q', '--filter', `name=ml-image-${ctx.runId}-svc-svc-`])).toHaveLength(2);
    expect(ctx.log.lines.join('\n')).toMatch(/side service "store" ready/);

    await t.close();
    expect(labelledLeftovers(ctx.runId)).toEqual([]);
  });

  it('fails fast, with the service log, when a service exits at start; and leaves nothing', async () => {
    const ctx = context();
    const started = Date.now();
    const err = await rejection(
      prepareEnvironment(
        ctx,
        {
          volumes: [{ name: 'cache', target: '/cache', readOnly: false }],
          services: [
            {
              name: 'broken',
              image: IMAGE,
              env: {},
              command: ['python3', '-c', "print('boom: no model index'); raise SystemExit(3)"],
              ready: { port: 9000, timeoutMs: 60_000 },
            },
          ],
        },
        IMAGE,
        'svc',
      ),
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(err).toBeInstanceOf(MlImageError);
    expect(err.message).toMatch(
      /^side service "broken" \(.+\) exited at start \(exit code 3\); expected: port 9000 accepts connections within 60s/,
    );
    expect(err.message).toContain('boom: no model index');
    // prepareEnvironment cleans up what it made before it rejects.
    expect(labelledLeftovers(ctx.runId)).toEqual([]);
    expect(ctx.resources.keys).toEqual([]);
  });

  it('fails at the deadline when the port never answers (the loopback proxy alone does not count)', async () => {
    const ctx = context();
    const err = await rejection(
      prepareEnvironment(
        ctx,
        {
          volumes: [],
          services: [
            {
              name: 'mute',
              image: IMAGE,
              env: {},
              command: ['python3', '-c', "print('loading'); import time; time.sleep(120)"],
              ready: { port: 9000, timeoutMs: 3_000 },
            },
          ],
        },
        IMAGE,
        'mute',
      ),
    );
    expect(err.message).toMatch(
      /^side service "mute" \(.+\) was not ready within 3s: port 9000 did not accept connections; expected: port 9000 accepts connections within 3s/,
    );
    expect(err.message).toContain('loading');
    expect(labelledLeftovers(ctx.runId)).toEqual([]);
  });

  it('stops waiting when cancelled, and leaves nothing', async () => {
    const ctx = { ...context(), signal: AbortSignal.timeout(1_500) };
    const started = Date.now();
    const spec = {
      volumes: [],
      services: [
        {
          name: 'slow',
          image: IMAGE,
          env: {},
          command: ['python3', '-c', 'import time; time.sleep(120)'],
          ready: { port: 9000, timeoutMs: 60_000 },
        },
      ],
    };
    const err = await rejection(prepareEnvironment(ctx, spec, IMAGE, 'cancel'));
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(err.message).toMatch(/^cancelled while waiting for side service "slow"/);
    expect(labelledLeftovers(ctx.runId)).toEqual([]);
  });
});

describe('compose', () => {
  it('brings the project up with the image under test, answers on its published port, and leaves nothing', async () => {
    const ctx = context();
    const t = await prepareEnvironment(
      ctx,
      {
        volumes: [],
        services: [],
        compose: { file: path.join(COMPOSE, 'compose.yaml'), service: 'app', waitTimeoutMs: 60_000 },
      },
      IMAGE,
      'compose',
    );
    const project = `ml-image-${ctx.runId}-compose`;
    expect(t.compose?.project).toBe(project);
    // The service under test runs the image under test (its build: was dropped), labelled with the run.
    const app = list([
      'ps',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--filter',
      'label=com.docker.compose.service=app',
    ]);
    expect(app).toHaveLength(1);
    expect(
      execFileSync(
        env.docker,
        ['inspect', '--format', '{{.Config.Image}} {{index .Config.Labels "io.github.ml-image.run"}}', app[0]],
        { encoding: 'utf8' },
      ).trim(),
    ).toBe(`${IMAGE} ${ctx.runId}`);
    // Containers, the project network and its volume all carry the run label: the post step's sweep finds them.
    expect(
      labelledLeftovers(ctx.runId)
        .map((l) => l.split(' ')[0])
        .sort(),
    ).toEqual(['container', 'container', 'network', 'volume']);

    const port = await t.compose!.publishedPort(8080);
    expect(port).toBeGreaterThan(0);
    const answer = await fetch(`http://127.0.0.1:${port}/health`);
    expect(answer.status).toBe(200);
    expect(await t.compose!.publishedPort(9999)).toBeUndefined();
    expect(await tcpAnswers(port!)).toBe(true);
    expect(await t.compose!.logs()).toMatch(/store.*listening on port 9000/);

    await t.close();
    expect(projectLeftovers(project)).toEqual([]);
    expect(labelledLeftovers(ctx.runId)).toEqual([]);
  });

  it('fails with the side service log when it breaks `up --wait`, and still leaves nothing', async () => {
    const ctx = context();
    const err = await rejection(
      prepareEnvironment(
        ctx,
        {
          volumes: [],
          services: [],
          compose: { file: path.join(COMPOSE, 'broken.yaml'), service: 'app', waitTimeoutMs: 30_000 },
        },
        IMAGE,
        'broken',
      ),
    );
    const project = `ml-image-${ctx.runId}-broken`;
    expect(err).toBeInstanceOf(MlImageError);
    expect(err.message).toMatch(
      new RegExp(`^compose project ${project} \\(.+broken\\.yaml\\) did not come up: .*exited \\(3\\)`),
    );
    expect(err.message).toContain('store: cannot open the model index');
    expect(projectLeftovers(project)).toEqual([]);
    expect(labelledLeftovers(ctx.runId)).toEqual([]);
    expect(ctx.resources.keys).toEqual([]);
  });

  it('names a service that the compose file does not have', async () => {
    const ctx = context();
    const err = await rejection(
      prepareEnvironment(
        ctx,
        { volumes: [], services: [], compose: { file: path.join(COMPOSE, 'compose.yaml'), service: 'model' } },
        IMAGE,
        'nosvc',
      ),
    );
    expect(err.message).toBe(
      `compose file ${path.join(COMPOSE, 'compose.yaml')} has no service "model" to replace with the image under test (services: app, store)`,
    );
    expect(labelledLeftovers(ctx.runId)).toEqual([]);
  });
});
