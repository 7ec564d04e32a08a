// Pure parts of the smoke-test check kinds: the tar reader (against real GNU tar output, GNU long names and pax),
// the file, metadata and license verdicts, the JSON subset and latency of HTTP checks, stdout/stderr
// matching, and the GPU device choice and argv.
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commandRunArgs, containerRunOptionArgs, type ContainerSpec } from '../../src/smoke/container-args.js';
import type { FileCheck, MetadataCheck } from '../../src/config/types.js';
import { fileFailure, licenseFailure, metadataFailure } from '../../src/smoke/files.js';
import { builtInGpuChecks, describeGpu, engineGpuFacts, gpuDeviceFor, TORCH_CUDA_PROBE } from '../../src/smoke/gpu.js';
import { TarReader, type TarEntry } from '../../src/smoke/tar.js';
import { commandFailure, httpFailure, jsonMismatch } from '../../src/smoke/verdict.js';

/** A real tar stream of a small tree (GNU tar), read in chunks of `chunk` bytes. */
async function tarOf(format: 'gnu' | 'pax', chunk: number, stopAfter = Infinity): Promise<TarEntry[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tar-'));
  try {
    mkdirSync(path.join(dir, 'app'));
    writeFileSync(path.join(dir, 'app', 'server.py'), 'print("hi")\n'.repeat(100));
    chmodSync(path.join(dir, 'app', 'server.py'), 0o640);
    const long = 'x'.repeat(120);
    writeFileSync(path.join(dir, 'app', long), 'long');
    symlinkSync('server.py', path.join(dir, 'app', 'link'));
    const bytes = execFileSync('tar', [
      '-c',
      `--format=${format}`,
      '--owner=1000',
      '--group=2000',
      '--numeric-owner',
      '--sort=name',
      '-C',
      dir,
      'app',
    ]);
    const got: TarEntry[] = [];
    const reader = new TarReader(1024, (e) => (got.push(e), got.length >= stopAfter ? 'stop' : undefined));
    for (let i = 0; i < bytes.length; i += chunk) if (reader.push(bytes.subarray(i, i + chunk))) break;
    await reader.end();
    return got;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('TarReader', () => {
  it.each([
    ['gnu', 7],
    ['pax', 512],
    ['pax', 100_000],
  ] as const)('%s in %i-byte chunks: names, modes, owners, links, content up to the limit', async (format, chunk) => {
    const got = await tarOf(format, chunk);
    const byName = Object.fromEntries(got.map((e) => [e.path.replace(/\/$/, ''), e]));
    expect(Object.keys(byName).sort()).toEqual(['app', `app/${'x'.repeat(120)}`, 'app/link', 'app/server.py'].sort());
    expect(byName['app']).toMatchObject({ type: 'directory', uid: 1000, gid: 2000 });
    expect(byName['app/server.py']).toMatchObject({
      type: 'file',
      mode: 0o640,
      uid: 1000,
      gid: 2000,
      size: 1200,
      truncated: true,
    });
    expect(byName['app/server.py'].content!.length).toBe(1024);
    expect(byName['app/link']).toMatchObject({ type: 'symlink', linkTarget: 'server.py' });
    expect(byName[`app/${'x'.repeat(120)}`].content!.toString()).toBe('long');
  });

  it('stops after the entry the caller wants', async () => {
    expect((await tarOf('pax', 64, 1)).map((e) => e.path.replace(/\/$/, ''))).toEqual(['app']);
  });
});

const entry = (over: Partial<TarEntry> = {}): TarEntry => ({
  path: 'server.py',
  mode: 0o644,
  uid: 0,
  gid: 0,
  size: 5,
  type: 'file',
  content: Buffer.from('hello'),
  ...over,
});
const file = (over: Partial<FileCheck> = {}): FileCheck => ({
  kind: 'file',
  name: 'f',
  path: '/app/server.py',
  shouldExist: true,
  expectContent: [],
  excludeContent: [],
  ...over,
});

describe('fileFailure', () => {
  it.each([
    ['exists', file(), entry(), undefined],
    ['mode as -rw-r--r-- and as 0644', file({ permissions: '-rw-r--r--' }), entry(), undefined],
    ['octal', file({ permissions: '0644' }), entry(), undefined],
    ['owner', file({ uid: 0, gid: 0 }), entry(), undefined],
    ['absent as asked', file({ shouldExist: false }), undefined, undefined],
    ['missing', file(), undefined, '/app/server.py does not exist'],
    [
      'present but must not be',
      file({ shouldExist: false }),
      entry({ type: 'directory' }),
      '/app/server.py exists (a directory) but must not',
    ],
    ['mode', file({ permissions: 'rwxr-xr-x' }), entry(), '/app/server.py: mode rw-r--r-- (expected rwxr-xr-x)'],
    [
      'mode with its type letter',
      file({ permissions: '-rwxr-xr-x' }),
      entry(),
      '/app/server.py: mode -rw-r--r-- (expected -rwxr-xr-x)',
    ],
    [
      'setuid shows as s, as ls writes it',
      file({ permissions: '0755' }),
      entry({ mode: 0o4755 }),
      '/app/server.py: mode rwsr-xr-x (expected rwxr-xr-x)',
    ],
    ['4755 octal matches setuid', file({ permissions: '4755' }), entry({ mode: 0o4755 }), undefined],
    [
      'a type letter is compared too (CST)',
      file({ permissions: 'drwxr-xr-x' }),
      entry({ mode: 0o755 }),
      '/app/server.py: mode -rwxr-xr-x (expected drwxr-xr-x)',
    ],
    ['sticky directory', file({ permissions: 'drwxrwxrwt' }), entry({ mode: 0o1777, type: 'directory' }), undefined],
    [
      'CST regexes are not multiline',
      file({ expectContent: ['^world'], dialect: 'cst' }),
      entry({ content: Buffer.from('hello\nworld') }),
      '/app/server.py: content did not match /^world/',
    ],
    [
      'config regexes are',
      file({ expectContent: ['^world'] }),
      entry({ content: Buffer.from('hello\nworld') }),
      undefined,
    ],
    [
      'executable by group',
      file({ isExecutableBy: 'group' }),
      entry({ mode: 0o744 }),
      '/app/server.py: not executable by group (mode rwxr--r--)',
    ],
    ['executable by any', file({ isExecutableBy: 'any' }), entry({ mode: 0o744 }), undefined],
    [
      'owner wrong',
      file({ uid: 10001, gid: 10001 }),
      entry(),
      '/app/server.py: uid 0 (expected 10001); gid 0 (expected 10001)',
    ],
    ['content', file({ expectContent: ['^hel'], excludeContent: ['secret'] }), entry(), undefined],
    [
      'content wrong',
      file({ expectContent: ['^bye'], excludeContent: ['hell'] }),
      entry(),
      '/app/server.py: content did not match /^bye/; content matched excluded /hell/',
    ],
    [
      'content of a cut file',
      file({ expectContent: ['end'] }),
      entry({ truncated: true }),
      '/app/server.py: content did not match /end/ (only its first 16 MB read)',
    ],
  ])('%s', (_, check, e, want) => expect(fileFailure(check, e)?.message).toBe(want));
});

const meta = (over: Partial<MetadataCheck> = {}): MetadataCheck => ({
  kind: 'metadata',
  name: 'metadata',
  env: [],
  unboundEnv: [],
  labels: [],
  exposedPorts: [],
  unexposedPorts: [],
  volumes: [],
  unmountedVolumes: [],
  ...over,
});
const image = {
  Env: ['PATH=/usr/bin', 'PORT=8080', 'EMPTY='],
  Labels: { team: 'ml' },
  Cmd: ['serve'],
  Entrypoint: null,
  ExposedPorts: { '8080/tcp': {} },
  Volumes: { '/data': {} },
  WorkingDir: '/app',
  User: 'app',
};

describe('metadataFailure', () => {
  it('passes with everything as it is, regexes included', () => {
    const all = meta({
      env: [
        { key: 'PORT', value: '8080', isRegex: false },
        { key: 'PATH', value: '^/usr', isRegex: true },
        { key: 'EMPTY', value: '', isRegex: false },
      ],
      unboundEnv: ['SECRET'],
      labels: [{ key: 'team', value: 'm.', isRegex: true }],
      cmd: ['serve'],
      entrypoint: [],
      exposedPorts: ['8080'],
      unexposedPorts: ['22'],
      volumes: ['/data'],
      unmountedVolumes: ['/cache'],
      workdir: '/app',
      user: 'app',
    });
    expect(metadataFailure(all, image)).toBeUndefined();
  });

  it('names every difference', () => {
    const bad = meta({
      labels: [{ key: 'team', value: '^x', isRegex: true }],
      entrypoint: ['tini'],
      unmountedVolumes: ['/data'],
      unexposedPorts: ['8080/tcp'],
      workdir: '/',
    });
    expect(metadataFailure(bad, image)?.message).toBe(
      'label team="ml" (expected /^x/); entrypoint [] (expected ["tini"]); port 8080/tcp is exposed but must not be; volume /data is declared but must not be; workdir "/app" (expected "/")',
    );
  });
});

describe('licenseFailure (container-structure-test: copyright files, no AGPL/WTFPL)', () => {
  const check = { kind: 'license' as const, name: 'License Test', debian: true, files: ['/LICENSE'] };
  it.each([
    [
      'all present and fine',
      ['bash', 'libgnutls30'],
      { '/usr/share/doc/bash/copyright': 'GPL-3', '/LICENSE': 'MIT' },
      undefined,
    ],
    [
      'a missing copyright (libgnutls30 is exempt)',
      ['bash', 'zlib1g', 'libgnutls30'],
      { '/usr/share/doc/bash/copyright': 'GPL', '/LICENSE': 'MIT' },
      '1 license problem: /usr/share/doc/zlib1g/copyright is missing',
    ],
    [
      'a banned license, any case',
      ['bash'],
      { '/usr/share/doc/bash/copyright': 'gnu agpl v3', '/LICENSE': 'WTFPL' },
      '2 license problems: /usr/share/doc/bash/copyright mentions AGPL; /LICENSE mentions WTFPL',
    ],
  ])('%s', (_, packages, files, want) =>
    expect(licenseFailure(check, { packages, files: new Map(Object.entries(files)) })?.message).toBe(want),
  );
});

describe('HTTP verdicts', () => {
  const check = { name: 'p', method: 'POST', path: '/predict', headers: {}, expectStatus: 200 };
  it.each([
    [{ a: 1 }, { a: 1, b: 2 }, undefined],
    [{ a: { b: [1, { c: 'x' }] } }, { a: { b: [1, { c: 'x', d: 0 }] } }, undefined],
    [{ a: 1 }, { a: 2 }, 'at $.a: expected 1, got 2'],
    [{ a: { b: 1 } }, { a: {} }, 'at $.a.b: missing (expected 1)'],
    [[1, 2], [1], 'at $: expected 2 items, got 1'],
    [{ a: [1] }, { a: 'x' }, 'at $.a: expected an array, got "x"'],
    [{ a: null }, { a: 0 }, 'at $.a: expected null, got 0'],
  ])('jsonMismatch %j in %j', (want, got, why) => expect(jsonMismatch(want, got, '$')).toBe(why));

  it('JSON, not JSON, and latency', () => {
    expect(
      httpFailure({ ...check, expectJson: { class: 'setosa' } }, { status: 200, body: '{"class":"setosa"}', ms: 5 }),
    ).toBeUndefined();
    expect(
      httpFailure({ ...check, expectJson: { class: 'setosa' } }, { status: 200, body: 'oops', ms: 5 })?.message,
    ).toBe('JSON the body is not JSON; body: oops');
    expect(httpFailure({ ...check, maxLatencyMs: 100 }, { status: 200, body: '{}', ms: 250.4 })).toEqual({
      message: 'took 250 ms (max-latency 100 ms); body: {}',
      expected: 'POST /predict → status 200, within 100 ms',
      actual: 'status 200 in 250 ms, body: {}',
    });
  });
});

describe('commandFailure, stdout and stderr apart (container-structure-test)', () => {
  const base = {
    expectExitCode: 0,
    expectOutput: ['^out$'],
    excludeOutput: [],
    expectError: ['^err$'],
    excludeError: [],
    timeoutMs: 1000,
  };
  it('separate: expectedOutput sees stdout only', () => {
    expect(
      commandFailure(
        { ...base, streams: 'separate' },
        { exitCode: 0, stdout: 'out\n', stderr: 'err\n', timedOut: false },
      ),
    ).toBeUndefined();
    expect(
      commandFailure(
        { ...base, streams: 'separate' },
        { exitCode: 0, stdout: 'err\n', stderr: 'out\n', timedOut: false },
      )?.message.split('\n')[0],
    ).toBe('stdout did not match /^out$/; stderr did not match /^err$/');
  });
  it('combined: output is stdout and stderr together', () => {
    expect(
      commandFailure(
        { ...base, streams: 'combined', expectError: [] },
        { exitCode: 0, stdout: '', stderr: 'out\n', timedOut: false },
      ),
    ).toBeUndefined();
  });
});

describe('GPU devices', () => {
  const spec = (over: Partial<ContainerSpec> = {}): ContainerSpec => ({
    name: 'c',
    runId: 'r',
    image: 'i',
    gpus: true,
    env: {},
    ...over,
  });
  it.each([
    ['--gpus all by default', spec(), ['--gpus', 'all']],
    [
      'a CDI device when the engine has NVIDIA CDI specs',
      spec({ gpuDevice: 'cdi' }),
      ['--device', 'nvidia.com/gpu=all'],
    ],
    ['nothing without GPUs', spec({ gpus: false, gpuDevice: 'cdi' }), []],
  ])('%s', (_, s, want) => {
    const args = commandRunArgs(s, ['nvidia-smi', '-L']);
    const at = args.indexOf('--entrypoint');
    expect(args.slice(6, at)).toEqual(want);
  });

  it('detection: runtimes, CDI spec dirs and an NVIDIA spec among them', async () => {
    const info = JSON.stringify({ Runtimes: { runc: {}, nvidia: {} }, CDISpecDirs: ['/etc/cdi', '/var/run/cdi'] });
    const files: Record<string, string> = { '/etc/cdi/nvidia.yaml': 'kind: nvidia.com/gpu\ndevices: []' };
    const facts = await engineGpuFacts(
      async () => info,
      (d) =>
        Object.keys(files)
          .filter((f) => f.startsWith(d + '/'))
          .map((f) => f.slice(d.length + 1)),
      (f) => files[f] ?? '',
    );
    expect(facts).toEqual({
      runtimes: ['runc', 'nvidia'],
      cdiSpecDirs: ['/etc/cdi', '/var/run/cdi'],
      nvidiaCdiSpec: true,
    });
    expect(gpuDeviceFor(facts)).toBe('cdi');
    expect(describeGpu(true, facts)).toBe(
      'GPU: nvidia-smi lists a GPU; engine runtimes runc, nvidia; CDI spec dirs /etc/cdi, /var/run/cdi (NVIDIA spec found); containers get --device nvidia.com/gpu=all',
    );
    const none = await engineGpuFacts(
      async () => JSON.stringify({ Runtimes: { runc: {} } }),
      () => [],
      () => '',
    );
    expect([gpuDeviceFor(none), describeGpu(false, none)]).toEqual([
      'gpus-flag',
      'GPU: nvidia-smi lists none; engine runtimes runc; no CDI; containers get no GPU',
    ]);
  });

  it('the built-in PyTorch probe is src/smoke/probes/torch-cuda.py, word for word (the device check runs that file)', () => {
    expect(TORCH_CUDA_PROBE).toBe(readFileSync(path.join(process.cwd(), 'src/smoke/probes/torch-cuda.py'), 'utf8'));
    expect(builtInGpuChecks().map((c) => c.run[0])).toEqual(['nvidia-smi', 'python3']);
  });

  it("container-structure-test's run options", () => {
    expect(
      containerRunOptionArgs({
        env: {},
        privileged: true,
        capabilities: ['NET_ADMIN'],
        envFile: '/r/.env',
        bindMounts: ['/r/data:/data:ro'],
      }),
    ).toEqual(['--privileged', '--cap-add', 'NET_ADMIN', '--env-file', '/r/.env', '--volume', '/r/data:/data:ro']);
  });
});
