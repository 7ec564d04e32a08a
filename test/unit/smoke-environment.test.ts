// The smoke-test environment's pure builders: volume flags, network and side-service run arguments, the
// compose up/down command lines and the override file, pinned exactly.
import { describe, expect, it } from '@jest/globals';
import {
  composeArgs,
  composeDownArgs,
  composeOverride,
  composeUpArgs,
  parseComposeModel,
  type ComposeModel,
} from '../../src/smoke/compose.js';
import {
  environmentName,
  parseHostPort,
  serviceContainerName,
  volumeName,
  type EnvironmentSpec,
} from '../../src/smoke/environment-base.js';
import { mountArgs, specProblems, volumeCreateArgs } from '../../src/smoke/environment.js';
import { networkCreateArgs, sideServiceRunArgs } from '../../src/smoke/side-services.js';
import type { ServiceSpec, VolumeSpec } from '../../src/config/types.js';

describe('names', () => {
  it.each([
    ['0a1b2c3d', 'iris', 'ml-image-0a1b2c3d-iris'],
    ['0a1b2c3d', 'iris-gpu', 'ml-image-0a1b2c3d-iris-gpu'],
    ['0A1B2C3D', 'Iris.GPU', 'ml-image-0a1b2c3d-iris-gpu'],
  ])('environment of run %s job %s is %s', (runId, jobId, name) => {
    expect(environmentName(runId, jobId)).toBe(name);
  });

  it('names volumes and side-service containers after the run and the job', () => {
    expect(volumeName('0a1b2c3d', 'iris', 'models')).toBe('ml-image-0a1b2c3d-iris-models');
    expect(serviceContainerName('0a1b2c3d', 'iris', 'db')).toBe('ml-image-0a1b2c3d-iris-svc-db');
  });
});

describe('volume flags', () => {
  const cases: [string, VolumeSpec, string | undefined, string[]][] = [
    [
      'host path, read-only',
      { source: '/srv/models', target: '/models', readOnly: true },
      undefined,
      ['--mount', 'type=bind,source=/srv/models,target=/models,readonly'],
    ],
    [
      'host path, writable',
      { source: '/tmp/out', target: '/out', readOnly: false },
      undefined,
      ['--mount', 'type=bind,source=/tmp/out,target=/out'],
    ],
    [
      'named volume',
      { name: 'cache', target: '/cache', readOnly: false },
      'ml-image-r-j-cache',
      ['--mount', 'type=volume,source=ml-image-r-j-cache,target=/cache'],
    ],
    [
      'named volume, read-only',
      { name: 'cache', target: '/cache', readOnly: true },
      'ml-image-r-j-cache',
      ['--mount', 'type=volume,source=ml-image-r-j-cache,target=/cache,readonly'],
    ],
    [
      'a comma in a path is CSV-quoted',
      { source: '/data/a,b', target: '/in "x"', readOnly: true },
      undefined,
      ['--mount', 'type=bind,"source=/data/a,b","target=/in ""x""",readonly'],
    ],
  ];
  it.each(cases)('%s', (_what, volume, created, argv) => {
    expect(mountArgs(volume, created)).toEqual(argv);
  });

  it('creates volumes and networks with the run label', () => {
    expect(volumeCreateArgs('r1', 'ml-image-r1-j-cache')).toEqual([
      'volume',
      'create',
      '--label',
      'io.github.ml-image.run=r1',
      'ml-image-r1-j-cache',
    ]);
    expect(networkCreateArgs('r1', 'ml-image-r1-j')).toEqual([
      'network',
      'create',
      '--label',
      'io.github.ml-image.run=r1',
      'ml-image-r1-j',
    ]);
  });
});

describe('side services', () => {
  const o = { container: 'ml-image-r1-j-svc-db', runId: 'r1', network: 'ml-image-r1-j' };
  const head = [
    'run',
    '--detach',
    '--name',
    'ml-image-r1-j-svc-db',
    '--label',
    'io.github.ml-image.run=r1',
    '--network',
    'ml-image-r1-j',
    '--network-alias',
    'db',
  ];
  const cases: [string, ServiceSpec, string[]][] = [
    ['image only', { name: 'db', image: 'postgres:16', env: {} }, [...head, 'postgres:16']],
    [
      'TCP readiness publishes the port on loopback; env sorted',
      {
        name: 'db',
        image: 'postgres:16',
        env: { POSTGRES_USER: 'u', A: '1' },
        ready: { port: 5432, timeoutMs: 30_000 },
      },
      [...head, '--publish', '127.0.0.1::5432', '--env', 'A=1', '--env', 'POSTGRES_USER=u', 'postgres:16'],
    ],
    [
      'a command replaces the image CMD; command readiness publishes nothing',
      {
        name: 'db',
        image: 'redis:7',
        env: {},
        command: ['redis-server', '--save', ''],
        ready: { command: ['redis-cli', 'ping'], timeoutMs: 5_000 },
      },
      [...head, 'redis:7', 'redis-server', '--save', ''],
    ],
  ];
  it.each(cases)('%s', (_what, spec, argv) => {
    expect(sideServiceRunArgs(spec, o)).toEqual(argv);
  });

  it("shares the test's volumes with side services", () => {
    const mounts = ['--mount', 'type=volume,source=ml-image-r1-j-models,target=/models'];
    expect(sideServiceRunArgs({ name: 'db', image: 'x', env: {} }, { ...o, mounts })).toEqual([
      ...head,
      ...mounts,
      'x',
    ]);
  });
});

describe('spec problems', () => {
  const spec = (over: Partial<EnvironmentSpec>): EnvironmentSpec => ({ volumes: [], services: [], ...over });
  const cases: [string, EnvironmentSpec, RegExp | undefined][] = [
    [
      'a valid spec',
      spec({
        volumes: [
          { source: '/a', target: '/b', readOnly: true },
          { name: 'v', target: '/c', readOnly: false },
        ],
        services: [{ name: 'db', image: 'x', env: {} }],
      }),
      undefined,
    ],
    [
      'both source and name',
      spec({ volumes: [{ source: '/a', name: 'v', target: '/b', readOnly: true }] }),
      /exactly one of/,
    ],
    ['neither source nor name', spec({ volumes: [{ target: '/b', readOnly: true }] }), /exactly one of/],
    [
      'relative host path',
      spec({ volumes: [{ source: 'models', target: '/b', readOnly: true }] }),
      /host path must be absolute/,
    ],
    [
      'relative target',
      spec({ volumes: [{ name: 'v', target: 'data', readOnly: true }] }),
      /target must be an absolute path/,
    ],
    ['bad volume name', spec({ volumes: [{ name: 'a/b', target: '/d', readOnly: true }] }), /not a valid volume name/],
    [
      'bad service name',
      spec({ services: [{ name: 'my db', image: 'x', env: {} }] }),
      /service "my db": not a valid name/,
    ],
    [
      'duplicate service',
      spec({
        services: [
          { name: 'db', image: 'x', env: {} },
          { name: 'db', image: 'y', env: {} },
        ],
      }),
      /defined twice/,
    ],
    ['relative compose file', spec({ compose: { file: 'compose.yaml', service: 'app' } }), /must be absolute/],
  ];
  it.each(cases)('%s', (_what, s, problem) => {
    const found = specProblems(s);
    if (problem) expect(found.join('\n')).toMatch(problem);
    else expect(found).toEqual([]);
  });
});

describe('compose command lines', () => {
  const base = composeArgs('ml-image-r1-iris', '/repo/deploy/compose.yaml', '/tmp/ml-image-compose-x/override.yml');
  it("sets the project, its directory (the file's own) and both files", () => {
    expect(base).toEqual([
      'compose',
      '--ansi',
      'never',
      '--project-name',
      'ml-image-r1-iris',
      '--project-directory',
      '/repo/deploy',
      '--file',
      '/repo/deploy/compose.yaml',
      '--file',
      '/tmp/ml-image-compose-x/override.yml',
    ]);
    expect(composeArgs('p', '/repo/compose.yaml')).toEqual([
      'compose',
      '--ansi',
      'never',
      '--project-name',
      'p',
      '--project-directory',
      '/repo',
      '--file',
      '/repo/compose.yaml',
    ]);
  });

  it.each([
    [120_000, '120'],
    [1_500, '2'],
    [0, '1'],
  ])('up waits %dms as --wait-timeout %s', (ms, secs) => {
    expect(composeUpArgs(base, ms)).toEqual([...base, 'up', '--detach', '--wait', '--wait-timeout', secs]);
  });

  it('down removes volumes and orphans, quickly', () => {
    expect(composeDownArgs(base)).toEqual([...base, 'down', '--volumes', '--remove-orphans', '--timeout', '5']);
  });
});

describe('compose model and override', () => {
  it('reads services (with or without build), and the networks and volumes the project creates', () => {
    const json = JSON.stringify({
      name: 'x',
      services: { app: { build: { context: '/r/app' }, image: 'a' }, store: { image: 'b', build: null } },
      networks: { default: { name: 'x_default' }, shared: { name: 'shared', external: true } },
      volumes: { data: { name: 'x_data' }, models: { name: 'models', external: true } },
    });
    expect(parseComposeModel(json)).toEqual({
      services: { app: { build: true }, store: { build: false } },
      networks: ['default'],
      volumes: ['data'],
    });
    expect(parseComposeModel('{"services":{"a":{"image":"x"}}}')).toEqual({
      services: { a: { build: false } },
      networks: [],
      volumes: [],
    });
  });

  const cases: [string, string, ComposeModel, string][] = [
    [
      'service under test built by the file: its build is reset; every service, network and volume labelled',
      '0a1b2c3d',
      { services: { store: { build: false }, app: { build: true } }, networks: ['default', 'back'], volumes: ['data'] },
      `services:
  app:
    image: 127.0.0.1:5000/acme/iris:sha-abc
    build: !reset null
    pull_policy: never
    labels:
      io.github.ml-image.run: 0a1b2c3d
  store:
    labels:
      io.github.ml-image.run: 0a1b2c3d
networks:
  back:
    labels:
      io.github.ml-image.run: 0a1b2c3d
  default:
    labels:
      io.github.ml-image.run: 0a1b2c3d
volumes:
  data:
    labels:
      io.github.ml-image.run: 0a1b2c3d
`,
    ],
    [
      'service under test from an image, no networks or volumes of its own; a numeric-looking run id stays a string',
      '12345678',
      { services: { app: { build: false } }, networks: [], volumes: [] },
      `services:
  app:
    image: 127.0.0.1:5000/acme/iris:sha-abc
    pull_policy: never
    labels:
      io.github.ml-image.run: "12345678"
`,
    ],
  ];
  it.each(cases)('%s', (_what, runId, model, yaml) => {
    expect(composeOverride(model, 'app', '127.0.0.1:5000/acme/iris:sha-abc', runId)).toBe(yaml);
  });
});

describe('published ports', () => {
  it.each([
    ['127.0.0.1:49153\n', 49153],
    ['0.0.0.0:32768\n[::]:32768\n', 32768],
    ['[::]:40000', 40000],
    ['', undefined],
    ['no port', undefined],
  ])('%j → %s', (out, port) => {
    expect(parseHostPort(out)).toBe(port);
  });
});
