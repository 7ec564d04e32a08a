// The pipeline's phases with a fake Exec standing in for docker, git and nvidia-smi: the order rules hold
// without an engine. Nothing is pushed after a failed check, logins are removed after any failure,
// cancellation stops between phases, and a cache failure only warns.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildTestPush, PipelineFailure, type BuildOptions } from '../../src/commands/build-test-push.js';
import type { ExecOptions, ExecResult, Exec } from '../../src/process/exec.js';
import { MemoryLogger } from '../../src/log/log.js';

const IID = 'sha256:' + 'a'.repeat(64);
const DIGEST = 'sha256:' + 'd'.repeat(64);
let repo: string;

beforeAll(() => {
  repo = mkdtempSync(path.join(os.tmpdir(), 'phases-'));
  mkdirSync(path.join(repo, '.git'));
  writeFileSync(
    path.join(repo, 'Dockerfile'),
    'FROM debian:bookworm\nRUN --mount=type=cache,target=/root/.cache/pip pip install numpy\n',
  );
  writeFileSync(path.join(repo, 'event.json'), JSON.stringify({ repository: { default_branch: 'main' } }));
  writeFileSync(
    path.join(repo, 'ml-image.yml'),
    `version: 1
images:
  - name: acme/iris
    tags: [latest]
    smoke-test:
      commands:
        - { name: first, run: [python3, -c, "print('ok')"], expect-output: ["^ok$"] }
        - { name: second, run: [python3, -c, "print('ok')"] }
push:
  registries: [registry.example:5000]
`,
  );
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

interface Script {
  /** The engine keeps images in the classic store (its docker driver exports only inline cache). */
  classicStore?: boolean;
  /** Exit code of the smoke-test command containers, in order. */
  checks?: number[];
  /** The mount copy builds (--output type=local) fail. */
  mountBuildFails?: boolean;
  /** The build runs the step that declares the cache mount (prints its output) instead of taking it from the cache. */
  mountStepRuns?: boolean;
  /** nvidia-smi on the runner lists a GPU; with cdiDir, the engine reads CDI specs from there. */
  gpu?: { cdiDir?: string };
  /** Called before each docker command (e.g. to cancel at a given one). */
  onCall?: (args: readonly string[]) => void;
}

/** A docker that answers like Docker 26 with buildx on the containerd store, recording every call. */
function fakeDocker(script: Script = {}): { exec: Exec; calls: string[][] } {
  const calls: string[][] = [];
  const checks = [...(script.checks ?? [])];
  const ok = (stdout = '', file = 'docker', args: readonly string[] = []): ExecResult => ({
    file,
    args,
    exitCode: 0,
    stdout,
    stderr: '',
    timedOut: false,
  });
  const exec: Exec = async (file, argv, options: ExecOptions = {}) => {
    const args = [...argv];
    if (file === 'nvidia-smi')
      return script.gpu
        ? ok('GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-0)', file, args)
        : { ...ok('', file, args), exitCode: 127, spawnError: 'not found' };
    if (file === 'git') return ok('2026-11-01T00:00:00+00:00', file, args);
    // --config DIR is the isolated login; the rest is the command.
    const rest = args[0] === '--config' ? args.slice(2) : args;
    calls.push(args);
    script.onCall?.(rest);
    const [cmd, sub] = rest;
    if (cmd === '--version') return ok('Docker version 26.1.5, build 1');
    if (cmd === 'version') return ok('26.1.5');
    if (cmd === 'info') {
      const cdi = script.gpu?.cdiDir ? { CDISpecDirs: [script.gpu.cdiDir] } : {};
      return ok(
        JSON.stringify({
          DriverStatus: script.classicStore
            ? [['Backing Filesystem', 'extfs']]
            : [['driver-type', 'io.containerd.snapshotter.v1']],
          DockerRootDir: repo,
          Runtimes: { runc: {}, ...(script.gpu ? { nvidia: {} } : {}) },
          ...cdi,
        }),
      );
    }
    if (cmd === 'buildx' && sub === 'version') return ok('github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3');
    if (cmd === 'buildx' && sub === 'inspect' && rest[3])
      return ok('Name: ' + rest[3] + '\nDriver: docker-container\nBuildKit version: v0.13.2\n');
    if (cmd === 'buildx' && sub === 'inspect')
      return ok(
        'Name:          default\nDriver:        docker\n\nNodes:\nName:             default\nBuildKit version: v0.12.5\n',
      );
    if (cmd === 'buildx' && sub === 'build') {
      const output = rest.indexOf('--output');
      if (output >= 0)
        return script.mountBuildFails
          ? { ...ok(), exitCode: 1, stderr: 'ERROR: failed to solve: mount copy broke' }
          : ok();
      writeFileSync(rest[rest.indexOf('--iidfile') + 1], IID);
      const progress = script.mountStepRuns
        ? [
            '#5 [2/2] RUN --mount=type=cache,target=/root/.cache/pip pip install numpy',
            '#5 0.412 Collecting numpy',
            '#5 DONE 1.2s',
          ]
        : ['#5 [2/2] RUN --mount=type=cache,target=/root/.cache/pip pip install numpy', '#5 CACHED'];
      for (const line of progress) options.onLine?.(line, 'stderr');
      return { ...ok('', 'docker', args), stderr: progress.join('\n') };
    }
    if (cmd === 'image') return ok(`${IID} 1000`);
    if (cmd === 'run' && rest.includes('nvidia-smi')) return ok('GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-0)');
    if (cmd === 'run' && rest.some((a) => a.includes('import torch'))) return ok('torch not installed: skipped');
    if (cmd === 'run') {
      const code = checks.shift() ?? 0;
      return { ...ok(code === 0 ? 'ok' : 'Traceback'), exitCode: code };
    }
    if (cmd === 'push') return ok(`latest: digest: ${DIGEST} size: 1`);
    return ok();
  };
  return { exec, calls };
}

const options = (exec: Exec, over: Partial<BuildOptions> = {}): BuildOptions => ({
  config: 'ml-image.yml',
  cwd: repo,
  push: true,
  docker: '/fake/docker',
  exec,
  log: new MemoryLogger(),
  sharedCredential: { username: 'ci', password: 'hunter2-s3cret' },
  env: {
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REPOSITORY: 'acme/models',
    GITHUB_EVENT_PATH: path.join(repo, 'event.json'),
    ML_IMAGE_CACHE_DIR: path.join(repo, 'cache', 'buildkit'),
  },
  ...over,
});

const verbs = (calls: string[][]): string[] =>
  calls.map((c) => (c[0] === '--config' ? c.slice(2) : c).slice(0, 2).join(' '));
const loginDir = (calls: string[][]): string | undefined =>
  calls.find((c) => c[0] === '--config' && c[2] === 'login')?.[1];

async function failure(p: Promise<unknown>): Promise<PipelineFailure> {
  try {
    await p;
  } catch (err: unknown) {
    if (err instanceof PipelineFailure) return err;
    throw err;
  }
  throw new Error('expected the pipeline to fail');
}

describe('pipeline phases with a fake docker', () => {
  it('in order: log in, build (mounts restored, then saved), smoke test, push, log out', async () => {
    const { exec, calls } = fakeDocker();
    const result = await buildTestPush(options(exec));
    const order = verbs(calls).filter((v) => /^(login|logout|buildx build|run|push|tag)/.test(v));
    expect(order).toEqual([
      'login registry.example:5000',
      'buildx build',
      'buildx build',
      'run --rm',
      'run --rm',
      'tag sha256:' + 'a'.repeat(64),
      'push registry.example:5000/acme/iris:latest',
      'logout registry.example:5000',
    ]);
    expect(result.images[0].pushed).toEqual([{ ref: 'registry.example:5000/acme/iris:latest', digest: DIGEST }]);
    expect(result.images[0].cache).toEqual(expect.objectContaining({ backend: 'registry', write: true }));
    expect(existsSync(loginDir(calls)!)).toBe(false);
  });

  it('a failed check: nothing is tagged or pushed, and the login is removed', async () => {
    const { exec, calls } = fakeDocker({ checks: [0, 1] });
    const err = await failure(buildTestPush(options(exec)));
    expect(err.message).toBe(
      'smoke test failed for acme/iris: command "second": exit code 1 (expected 0); nothing was pushed',
    );
    expect(verbs(calls).filter((v) => v.startsWith('push') || v.startsWith('tag'))).toEqual([]);
    expect(verbs(calls)).toContain('logout registry.example:5000');
    expect(existsSync(loginDir(calls)!)).toBe(false);
    expect(err.result.images[0].smoke!.checks.map((c) => c.passed)).toEqual([true, false]);
  });

  it('a failed build: no smoke test, no push, the login removed, the result says what ran', async () => {
    const { exec, calls } = fakeDocker();
    const failing: Exec = async (file, args, o) => {
      if (args.includes('build') && !args.includes('--output'))
        return { file, args, exitCode: 1, stdout: '', stderr: 'ERROR: failed to solve: boom', timedOut: false };
      return exec(file, args, o);
    };
    const err = await failure(buildTestPush(options(failing)));
    expect(err.message).toMatch(/^build of acme\/iris failed/);
    expect(verbs(calls).some((v) => v.startsWith('run') || v.startsWith('push'))).toBe(false);
    expect(existsSync(loginDir(calls)!)).toBe(false);
    expect(err.result.images[0].imageId).toBeUndefined();
  });

  it('cancelled during the build: stops before the smoke test with exit 130, nothing pushed, login removed', async () => {
    const controller = new AbortController();
    const { exec, calls } = fakeDocker({
      onCall: (args) => args[1] === 'build' && !args.includes('--output') && controller.abort(),
    });
    const err = await failure(buildTestPush(options(exec, { signal: controller.signal })));
    expect([err.exitCode, err.message]).toEqual([130, 'cancelled; nothing more was built, tested or pushed']);
    expect(verbs(calls).some((v) => v.startsWith('run') || v.startsWith('push'))).toBe(false);
    expect(existsSync(loginDir(calls)!)).toBe(false);
  });

  it('a failing cache-mount copy only warns: the image is still built, tested and pushed', async () => {
    const { exec } = fakeDocker({ mountBuildFails: true });
    const log = new MemoryLogger();
    // Something stored from an earlier run (by other steps), so the restore copy runs (and fails) too.
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'phases-mounts-'));
    mkdirSync(path.join(cacheDir, 'mounts', 'ml-image-mounts-acme-iris-x', '0'), { recursive: true });
    const env = { ...options(exec).env, ML_IMAGE_CACHE_DIR: path.join(cacheDir, 'buildkit') };
    const result = await buildTestPush(options(exec, { log, env }));
    rmSync(cacheDir, { recursive: true, force: true });
    expect(result.images[0].pushed).toHaveLength(1);
    const warnings = log.lines.filter((l) => l.includes('warning:'));
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'warning: restoring the cache mounts of acme/iris failed, building without them: ERROR: failed to solve: mount copy broke',
        ),
        expect.stringContaining(
          'warning: saving the cache mounts of acme/iris failed: ERROR: failed to solve: mount copy broke',
        ),
      ]),
    );
  });

  it('cache mounts are restored only when the steps that use them changed since the save (a fresh runner otherwise gets them from the layer cache)', async () => {
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'phases-mounts-'));
    const env = { ...options(fakeDocker().exec).env, ML_IMAGE_CACHE_DIR: path.join(cacheDir, 'buildkit') };
    const mountLines = (log: MemoryLogger) => log.lines.filter((l) => l.includes('cache mounts of acme/iris'));
    const run = async (script: Script) => {
      const log = new MemoryLogger();
      await buildTestPush(options(fakeDocker(script).exec, { log, env }));
      return mountLines(log);
    };
    try {
      // First run: nothing stored; the step ran, so its mounts are saved.
      expect(await run({ mountStepRuns: true })).toEqual([
        expect.stringContaining('cache mounts of acme/iris (/root/.cache/pip): nothing stored yet'),
        expect.stringMatching(
          /saved cache mounts of acme\/iris \(\/root\/\.cache\/pip\): .* as ml-image-mounts-acme-iris-[0-9a-f]{16}-[0-9a-f]{16}-0123456789ab-/,
        ),
      ]);
      // Same steps: not restored, and (their steps came from the cache) not saved again.
      expect(await run({})).toEqual([
        expect.stringMatching(
          /cache mounts of acme\/iris \(\/root\/\.cache\/pip\): not restored, the steps that use them are unchanged since ml-image-mounts-acme-iris-\S+ was saved and come from the layer cache/,
        ),
        expect.stringContaining(
          'cache mounts of acme/iris: unchanged (their steps came from the cache), not saved again',
        ),
      ]);
      // Expected from the layer cache but ran anyway (e.g. the registry cache was deleted): said, and saved.
      const ranAnyway = await run({ mountStepRuns: true });
      expect(ranAnyway[1]).toContain(
        'a step that uses them ran although it was expected from the layer cache; it ran with empty mounts',
      );
      expect(ranAnyway[2]).toMatch(/saved cache mounts of acme\/iris/);
      // A changed dependency step: restored before the build.
      writeFileSync(
        path.join(repo, 'Dockerfile'),
        'FROM debian:bookworm\nRUN --mount=type=cache,target=/root/.cache/pip pip install numpy scipy\n',
      );
      expect((await run({ mountStepRuns: true }))[0]).toMatch(
        /restored cache mounts of acme\/iris \(\/root\/\.cache\/pip\): .* from ml-image-mounts-acme-iris-/,
      );
    } finally {
      writeFileSync(
        path.join(repo, 'Dockerfile'),
        'FROM debian:bookworm\nRUN --mount=type=cache,target=/root/.cache/pip pip install numpy\n',
      );
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it.each([
    ['the NVIDIA runtime', undefined, ['--gpus', 'all']],
    ['CDI', 'nvidia.yaml', ['--device', 'nvidia.com/gpu=all']],
  ])(
    'a GPU image on a GPU runner (%s): the built-in GPU checks run first, every container gets the GPU',
    async (_, spec, flags) => {
      const cdiDir = mkdtempSync(path.join(os.tmpdir(), 'cdi-'));
      if (spec)
        writeFileSync(path.join(cdiDir, spec), 'cdiVersion: 0.6.0\nkind: nvidia.com/gpu\ndevices: [{name: all}]\n');
      const gpuRepo = mkdtempSync(path.join(os.tmpdir(), 'phases-gpu-'));
      mkdirSync(path.join(gpuRepo, '.git'));
      writeFileSync(path.join(gpuRepo, 'Dockerfile'), 'FROM nvidia/cuda:12.4.1-runtime-ubuntu22.04\n');
      writeFileSync(
        path.join(gpuRepo, 'ml-image.yml'),
        'version: 1\nimages:\n  - name: acme/llm\n    gpu: true\n    tags: [latest]\n    smoke-test:\n      commands:\n        - { name: first, run: [python3, -c, "print(1)"] }\n',
      );
      try {
        const { exec, calls } = fakeDocker({ gpu: { cdiDir: spec ? cdiDir : undefined } });
        const log = new MemoryLogger();
        const result = await buildTestPush(
          options(exec, {
            cwd: gpuRepo,
            push: false,
            log,
            env: { ...options(exec).env, GITHUB_EVENT_PATH: path.join(repo, 'event.json') },
          }),
        );
        const runs = calls.map((c) => (c[0] === '--config' ? c.slice(2) : c)).filter((c) => c[0] === 'run');
        expect(runs.map((c) => c[c.indexOf('--entrypoint') + 1])).toEqual(['nvidia-smi', 'python3', 'python3']);
        for (const r of runs) expect(r.slice(r.indexOf('--label') + 2, r.indexOf('--label') + 4)).toEqual(flags);
        expect(result.images[0].smoke!.checks.map((c) => [c.name, c.passed])).toEqual([
          ['GPU visible (nvidia-smi -L)', true],
          ['PyTorch runs on CUDA (when installed)', true],
          ['first', true],
        ]);
        expect(
          log.lines.some((l) =>
            l.includes(
              `GPU: nvidia-smi lists a GPU; engine runtimes runc, nvidia; ${spec ? `CDI spec dirs ${cdiDir} (NVIDIA spec found)` : 'no CDI'}; containers get ${flags.join(' ')}`,
            ),
          ),
        ).toBe(true);
      } finally {
        rmSync(cdiDir, { recursive: true, force: true });
        rmSync(gpuRepo, { recursive: true, force: true });
      }
    },
  );

  it('cache.backend registry on the classic image store: a docker-container builder for the run, used and removed', async () => {
    const { exec, calls } = fakeDocker({ classicStore: true });
    const log = new MemoryLogger();
    const result = await buildTestPush(options(exec, { log, cacheBackend: 'registry', runId: 'r1' }));
    const v = calls.map((c) => (c[0] === '--config' ? c.slice(2) : c));
    expect(v).toContainEqual([
      'buildx',
      'create',
      '--name',
      'ml-image-r1',
      '--driver',
      'docker-container',
      '--driver-opt',
      'network=host',
    ]);
    const build = v.find((c) => c[1] === 'build' && c.includes('--iidfile'))!;
    expect(build.slice(0, 4)).toEqual(['buildx', 'build', '--builder', 'ml-image-r1']);
    expect(build).toContain('--load');
    expect(build).toContain(
      'type=registry,ref=registry.example:5000/acme/iris:buildcache,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true',
    );
    // Released in reverse order of creation: the builder (made for the build), then the login.
    expect(v.slice(-2)).toEqual([
      ['buildx', 'rm', 'ml-image-r1'],
      ['logout', 'registry.example:5000'],
    ]);
    // The cache-mount copies run on the same builder as the build (cache mounts are per builder).
    expect(v.filter((c) => c.includes('--output')).every((c) => c[2] === '--builder' && c[3] === 'ml-image-r1')).toBe(
      true,
    );
    expect(result.images[0].cache).toEqual({
      backend: 'registry',
      write: true,
      reason:
        'cache.backend: registry; buildx docker driver (classic image store) cannot export it: a docker-container builder',
    });
  });

  it('below min-free-space: fails before logging in or building', async () => {
    const { exec, calls } = fakeDocker();
    await expect(buildTestPush(options(exec, { minFreeBytes: 10 ** 15 }))).rejects.toThrow(
      /^only \d+ MB free under .*, less than min-free-space 1000000000 MB; nothing was built$/,
    );
    expect(verbs(calls).some((v) => v.startsWith('login') || v === 'buildx build')).toBe(false);
  });
});
