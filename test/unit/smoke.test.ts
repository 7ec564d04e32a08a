import { describe, expect, it } from '@jest/globals';
import {
  commandRunArgs,
  parsePublishedPort,
  serviceRunArgs,
  type ContainerSpec,
} from '../../src/smoke/container-args.js';
import { decideGpu } from '../../src/smoke/gpu.js';
import { commandFailure, httpFailure } from '../../src/smoke/verdict.js';
import type { CommandCheckConfig, HttpCheckConfig } from '../../src/config/types.js';

const spec = (over: Partial<ContainerSpec> = {}): ContainerSpec => ({
  name: 'c1',
  runId: 'r1',
  image: 'sha256:abc',
  gpus: false,
  env: {},
  ...over,
});

describe('docker run argv', () => {
  it.each([
    {
      name: 'command replaces the entrypoint',
      args: commandRunArgs(spec(), ['python3', '-c', 'print(1)']),
      want: [
        'run',
        '--rm',
        '--name',
        'c1',
        '--label',
        'io.github.ml-image.run=r1',
        '--entrypoint',
        'python3',
        'sha256:abc',
        '-c',
        'print(1)',
      ],
    },
    {
      name: 'GPU, platform and sorted env',
      args: commandRunArgs(spec({ gpus: true, platform: 'linux/amd64', env: { B: '2', A: '1' } }), ['nvidia-smi']),
      want: [
        'run',
        '--rm',
        '--name',
        'c1',
        '--label',
        'io.github.ml-image.run=r1',
        '--platform',
        'linux/amd64',
        '--gpus',
        'all',
        '--env',
        'A=1',
        '--env',
        'B=2',
        '--entrypoint',
        'nvidia-smi',
        'sha256:abc',
      ],
    },
    {
      name: 'service publishes on loopback only',
      args: serviceRunArgs(spec(), 8080),
      want: [
        'run',
        '--detach',
        '--name',
        'c1',
        '--label',
        'io.github.ml-image.run=r1',
        '--publish',
        '127.0.0.1::8080',
        'sha256:abc',
      ],
    },
    {
      name: 'service on a GPU runner',
      args: serviceRunArgs(spec({ gpus: true }), 9000),
      want: [
        'run',
        '--detach',
        '--name',
        'c1',
        '--label',
        'io.github.ml-image.run=r1',
        '--gpus',
        'all',
        '--publish',
        '127.0.0.1::9000',
        'sha256:abc',
      ],
    },
  ])('$name', ({ args, want }) => expect(args).toEqual(want));

  it.each([
    ['127.0.0.1:49153\n', 49153],
    ['0.0.0.0:32768\n[::]:32768\n', 32768],
    ['', undefined],
    ['Error: No public port', undefined],
  ])('parsePublishedPort(%j) = %j', (out, port) => expect(parsePublishedPort(out)).toBe(port));
});

describe('GPU policy', () => {
  it.each([
    { policy: 'none', needs: true, present: true, gpus: false, warning: false },
    { policy: 'auto', needs: false, present: true, gpus: false, warning: false },
    { policy: 'auto', needs: true, present: true, gpus: true, warning: false },
    { policy: 'auto', needs: true, present: false, gpus: false, warning: true },
    { policy: 'required', needs: false, present: true, gpus: true, warning: false },
  ] as const)('$policy, needs=$needs, present=$present → gpus=$gpus', ({ policy, needs, present, gpus, warning }) => {
    const d = decideGpu(policy, needs, present, 'acme/x');
    expect(d.gpus).toBe(gpus);
    expect(d.warning !== undefined).toBe(warning);
  });
  it('required without a GPU fails with a reason', () => {
    expect(() => decideGpu('required', true, false, 'acme/x')).toThrow(
      'smoke test of acme/x requires a GPU (smoke-test.gpu: required) but this runner has none',
    );
  });
});

describe('verdicts', () => {
  const cmd: CommandCheckConfig = {
    name: 'imports',
    run: ['python3'],
    expectOutput: ['^ok$'],
    excludeOutput: [],
    expectError: [],
    excludeError: [],
    env: {},
    expectExitCode: 0,
    timeoutMs: 5000,
  };
  it.each([
    { outcome: { exitCode: 0, stdout: 'noise\nok\n', stderr: '', timedOut: false }, want: undefined },
    { outcome: { exitCode: 1, stdout: 'ok', stderr: '', timedOut: false }, want: /^exit code 1 \(expected 0\)\n/ },
    {
      outcome: { exitCode: 0, stdout: 'not ok', stderr: '', timedOut: false },
      want: /^output did not match \/\^ok\$\/\n {4}\| not ok$/,
    },
    { outcome: { exitCode: 0, stdout: '', stderr: '', timedOut: true }, want: /^timed out after 5s$/ },
  ])('command outcome %#', ({ outcome, want }) => {
    const got = commandFailure(cmd, outcome);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got?.message).toMatch(want);
  });

  it('a failed command says what was expected and what came, for the summary', () => {
    expect(commandFailure(cmd, { exitCode: 1, stdout: 'a\nTraceback\n', stderr: '', timedOut: false })).toEqual({
      message: 'exit code 1 (expected 0); output did not match /^ok$/\n    | a\n    | Traceback',
      expected: 'exit code 0, output matching /^ok$/',
      actual: 'exit code 1, output (last 10 lines):\na\nTraceback',
    });
    expect(commandFailure(cmd, { exitCode: 0, stdout: '', stderr: '', timedOut: true })).toEqual({
      message: 'timed out after 5s',
      expected: 'exit code 0, output matching /^ok$/, within 5s',
      actual: 'still running after 5s',
    });
  });

  const http: HttpCheckConfig = {
    name: 'p',
    method: 'POST',
    path: '/predict',
    headers: {},
    expectStatus: 200,
    expectBody: '"class": *"setosa"',
  };
  it.each([
    { outcome: { status: 200, body: '{"class": "setosa"}' }, want: undefined },
    {
      outcome: { status: 200, body: '{"class": "virginica"}' },
      want: 'body did not match /"class": *"setosa"/; body: {"class": "virginica"}',
    },
    {
      outcome: { status: 500, body: '' },
      want: 'status 500 (expected 200); body did not match /"class": *"setosa"/; body: (empty)',
    },
  ])('http outcome %#', ({ outcome, want }) => expect(httpFailure(http, outcome)?.message).toBe(want));

  it('a failed request says what was expected and what came', () => {
    expect(httpFailure(http, { status: 500, body: 'oops\n' })).toEqual({
      message: 'status 500 (expected 200); body did not match /"class": *"setosa"/; body: oops',
      expected: 'POST /predict → status 200, body matching /"class": *"setosa"/',
      actual: 'status 500, body: oops',
    });
  });
});
