import { afterAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  chooseDocker,
  detectDocker,
  dockerCandidates,
  drivesBuiltinBuildkit,
  probeDocker,
  type BuilderKind,
  type DockerChoice,
  type DockerProbe,
} from '../../src/docker/detect.js';
import { MlImageError } from '../../src/errors.js';
import type { ExecResult, Exec } from '../../src/process/exec.js';
import { caught } from './helpers.js';

const probe = (p: string, version: string | undefined, buildx = false): DockerProbe => ({ path: p, version, buildx });

describe('chooseDocker', () => {
  const cases: { name: string; probes: DockerProbe[]; prefer?: BuilderKind; want: DockerChoice }[] = [
    {
      name: 'buildx wins over an earlier client with built-in BuildKit',
      probes: [probe('/usr/bin/docker', '20.10.24'), probe('/usr/local/bin/docker', '28.1.1', true)],
      want: { docker: '/usr/local/bin/docker', builder: 'buildx', version: '28.1.1' },
    },
    {
      name: 'the first buildx client wins',
      probes: [probe('/a/docker', '24.0.7', true), probe('/b/docker', '28.1.1', true)],
      want: { docker: '/a/docker', builder: 'buildx', version: '24.0.7' },
    },
    {
      name: 'without buildx, a 28.x client is skipped for the first client < 23',
      probes: [
        probe('/usr/local/bin/docker', '28.0.1'),
        probe('/usr/bin/docker', '20.10.24+dfsg1'),
        probe('/opt/docker', '19.03.12'),
      ],
      want: { docker: '/usr/bin/docker', builder: 'buildkit', version: '20.10.24+dfsg1' },
    },
    {
      name: 'a client that did not run is skipped even if buildx answered',
      probes: [probe('/broken/docker', undefined, true), probe('/usr/bin/docker', '20.10.24')],
      want: { docker: '/usr/bin/docker', builder: 'buildkit', version: '20.10.24' },
    },
    {
      name: 'an old client with buildx uses buildx by default',
      probes: [probe('/usr/bin/docker', '20.10.24', true)],
      want: { docker: '/usr/bin/docker', builder: 'buildx', version: '20.10.24' },
    },
    {
      name: 'prefer buildkit: the first client < 23 even though buildx exists',
      probes: [probe('/a/docker', '24.0.7', true), probe('/b/docker', '20.10.24')],
      prefer: 'buildkit',
      want: { docker: '/b/docker', builder: 'buildkit', version: '20.10.24' },
    },
    {
      name: 'prefer buildkit on an old client that also has buildx',
      probes: [probe('/usr/bin/docker', '20.10.24', true)],
      prefer: 'buildkit',
      want: { docker: '/usr/bin/docker', builder: 'buildkit', version: '20.10.24' },
    },
    {
      name: 'prefer buildx: skips an earlier client with built-in BuildKit',
      probes: [probe('/a/docker', '20.10.24'), probe('/b/docker', '27.3.1', true)],
      prefer: 'buildx',
      want: { docker: '/b/docker', builder: 'buildx', version: '27.3.1' },
    },
  ];
  it.each(cases)('$name', ({ probes, prefer, want }) => {
    expect(chooseDocker(probes, prefer)).toEqual(want);
  });

  const NEED = "need buildx, or a client older than 23.0 for the engine's built-in BuildKit";
  it.each([
    { name: 'empty list', probes: [], prefer: undefined, message: 'no docker client found on PATH' },
    {
      name: 'only a 28.x client without buildx, and one that does not run',
      probes: [probe('/usr/local/bin/docker', '28.1.1'), probe('/opt/docker', undefined)],
      prefer: undefined,
      message: `no docker client here can build with BuildKit: ${NEED}. Found: /usr/local/bin/docker (28.1.1); /opt/docker (not runnable)`,
    },
    {
      name: 'prefer buildx where only the built-in BuildKit is there',
      probes: [probe('/usr/bin/docker', '20.10.24')],
      prefer: 'buildx' as const,
      message: `no docker client here can build with BuildKit using buildx: ${NEED}. Found: /usr/bin/docker (20.10.24)`,
    },
    {
      name: 'prefer buildkit where only a new client with buildx is there',
      probes: [probe('/usr/bin/docker', '28.1.1', true)],
      prefer: 'buildkit' as const,
      message: `no docker client here can build with BuildKit using buildkit: ${NEED}. Found: /usr/bin/docker (28.1.1, buildx)`,
    },
    {
      name: 'buildx answered but the client itself did not run',
      probes: [probe('/broken/docker', undefined, true)],
      prefer: undefined,
      message: `no docker client here can build with BuildKit: ${NEED}. Found: /broken/docker (not runnable, buildx)`,
    },
  ])('no usable client: $name', ({ probes, prefer, message }) => {
    const err = caught(() => chooseDocker(probes, prefer));
    expect(err).toBeInstanceOf(MlImageError);
    expect([err.message, (err as MlImageError).exitCode]).toEqual([message, 1]);
  });
});

describe('drivesBuiltinBuildkit', () => {
  it.each([
    { version: '20.10.24', want: true },
    { version: '20.10.24+dfsg1', want: true },
    { version: '22.06.0-beta.0', want: true },
    { version: '19.03.12', want: true },
    { version: '18.09.0', want: true },
    { version: '23.0.0', want: false },
    { version: '24.0.7', want: false },
    { version: '28.1.1', want: false },
    { version: '0.1.0', want: false },
    { version: '20', want: false },
    { version: 'v20.10.24', want: false },
    { version: '', want: false },
    { version: undefined, want: false },
  ])('$version → $want', ({ version, want }) => {
    expect(drivesBuiltinBuildkit(version)).toBe(want);
  });
});

describe('dockerCandidates', () => {
  // root/{a,b}/docker are executables, c/docker links to a/docker, d/docker is not executable,
  // e/ has no docker, f/docker is a directory.
  const root = mkdtempSync(path.join(os.tmpdir(), 'ml-image-detect-'));
  const dirs = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((d) => [d, path.join(root, d)])) as Record<
    'a' | 'b' | 'c' | 'd' | 'e' | 'f',
    string
  >;
  for (const d of Object.values(dirs)) mkdirSync(d);
  for (const d of [dirs.a, dirs.b]) {
    writeFileSync(path.join(d, 'docker'), '#!/bin/sh\necho "Docker version 20.10.24, build 297e128"\n');
    chmodSync(path.join(d, 'docker'), 0o755);
  }
  symlinkSync(path.join(dirs.a, 'docker'), path.join(dirs.c, 'docker'));
  writeFileSync(path.join(dirs.d, 'docker'), '#!/bin/sh\n');
  chmodSync(path.join(dirs.d, 'docker'), 0o644);
  mkdirSync(path.join(dirs.f, 'docker'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const PATH = (...ds: string[]) => ds.join(path.delimiter);
  const docker = (d: string) => path.join(d, 'docker');

  it.each([
    { name: 'PATH order is kept', pathVar: PATH(dirs.b, dirs.a), want: [docker(dirs.b), docker(dirs.a)] },
    {
      name: 'a symlink to an earlier one is dropped',
      pathVar: PATH(dirs.a, dirs.c, dirs.b),
      want: [docker(dirs.a), docker(dirs.b)],
    },
    {
      name: 'a symlink first keeps the link path and drops its target',
      pathVar: PATH(dirs.c, dirs.b, dirs.a),
      want: [docker(dirs.c), docker(dirs.b)],
    },
    { name: 'non-executable and missing are skipped', pathVar: PATH(dirs.d, dirs.e, dirs.b), want: [docker(dirs.b)] },
    { name: 'the same dir twice', pathVar: PATH(dirs.a, dirs.a), want: [docker(dirs.a)] },
    {
      name: 'empty entries are ignored',
      pathVar: `${path.delimiter}${dirs.a}${path.delimiter}`,
      want: [docker(dirs.a)],
    },
    { name: 'a dir that does not exist', pathVar: PATH(path.join(root, 'nope'), dirs.b), want: [docker(dirs.b)] },
    { name: 'empty PATH', pathVar: '', want: [] },
    { name: 'no PATH', pathVar: undefined, want: [] },
  ])('$name', ({ pathVar, want }) => {
    expect(dockerCandidates(pathVar)).toEqual(want);
  });

  // Regression test for a fixed bug (src/docker/detect.ts dockerCandidates(), line 54): accessSync(X_OK) succeeds on a directory, so a
  // directory named `docker` on PATH is returned as a client (then probed, and listed in the "Found:" error).
  // Now: only regular files (statSync(...).isFile()) count.
  it('a directory named docker is not a client', () => {
    expect(dockerCandidates(PATH(dirs.f, dirs.b))).toEqual([docker(dirs.b)]);
  });

  it('detectDocker probes every candidate on PATH and chooses among them', async () => {
    const calls: string[] = [];
    const exec: Exec = async (file, args) => {
      calls.push(`${file} ${args.join(' ')}`);
      const isB = file === docker(dirs.b);
      if (args[0] === '--version')
        return result(
          file,
          args,
          0,
          isB ? 'Docker version 28.1.1, build 4eba377' : 'Docker version 20.10.24+dfsg1, build 297e128',
        );
      return result(file, args, isB ? 0 : 1, isB ? 'github.com/docker/buildx v0.23.0' : '');
    };
    await expect(detectDocker(exec, { pathVar: PATH(dirs.a, dirs.c, dirs.b) })).resolves.toEqual({
      docker: docker(dirs.b),
      builder: 'buildx',
      version: '28.1.1',
    });
    await expect(detectDocker(exec, { pathVar: PATH(dirs.a, dirs.b), builder: 'buildkit' })).resolves.toEqual({
      docker: docker(dirs.a),
      builder: 'buildkit',
      version: '20.10.24+dfsg1',
    });
    expect(calls.sort()).toEqual(
      [
        `${docker(dirs.a)} --version`,
        `${docker(dirs.a)} buildx version`,
        `${docker(dirs.b)} --version`,
        `${docker(dirs.b)} buildx version`,
        `${docker(dirs.a)} --version`,
        `${docker(dirs.a)} buildx version`,
        `${docker(dirs.b)} --version`,
        `${docker(dirs.b)} buildx version`,
      ].sort(),
    );
  });

  it('detectDocker with an explicit client probes only that one', async () => {
    const calls: string[] = [];
    const exec: Exec = async (file, args) => {
      calls.push(file);
      return result(file, args, 0, args[0] === '--version' ? 'Docker version 24.0.7, build afdd53b' : 'buildx v0.12');
    };
    await expect(detectDocker(exec, { docker: '/custom/docker', pathVar: PATH(dirs.a) })).resolves.toEqual({
      docker: '/custom/docker',
      builder: 'buildx',
      version: '24.0.7',
    });
    expect(calls).toEqual(['/custom/docker', '/custom/docker']);
  });
});

function result(file: string, args: readonly string[], exitCode: number, stdout: string): ExecResult {
  return { file, args, exitCode, stdout, stderr: '', timedOut: false };
}

describe('probeDocker', () => {
  it.each([
    {
      name: 'Debian client without buildx',
      version: { exitCode: 0, stdout: 'Docker version 20.10.24+dfsg1, build 297e128\n' },
      buildx: { exitCode: 1, stdout: '' },
      want: { path: '/usr/bin/docker', version: '20.10.24+dfsg1', buildx: false },
    },
    {
      name: 'Docker CE with buildx',
      version: { exitCode: 0, stdout: 'Docker version 28.1.1, build 4eba377\n' },
      buildx: { exitCode: 0, stdout: 'github.com/docker/buildx v0.23.0 28c90ea\n' },
      want: { path: '/usr/bin/docker', version: '28.1.1', buildx: true },
    },
    {
      name: 'client that does not run',
      version: { exitCode: 127, stdout: '' },
      buildx: { exitCode: 127, stdout: '' },
      want: { path: '/usr/bin/docker', version: undefined, buildx: false },
    },
    {
      name: 'text without "version N"',
      version: { exitCode: 0, stdout: 'Docker (unknown build)\n' },
      buildx: { exitCode: 1, stdout: '' },
      want: { path: '/usr/bin/docker', version: undefined, buildx: false },
    },
  ])('$name', async ({ version, buildx, want }) => {
    const seen: { file: string; args: readonly string[]; timeoutMs?: number }[] = [];
    const exec: Exec = async (file, args, options) => {
      seen.push({ file, args, timeoutMs: options?.timeoutMs });
      const r = args[0] === '--version' ? version : buildx;
      return result(file, args, r.exitCode, r.stdout);
    };
    expect(await probeDocker(exec, '/usr/bin/docker')).toStrictEqual(want);
    expect(seen).toEqual([
      { file: '/usr/bin/docker', args: ['--version'], timeoutMs: 15_000 },
      { file: '/usr/bin/docker', args: ['buildx', 'version'], timeoutMs: 15_000 },
    ]);
  });
});
