// Two runs of the same config at once on one machine (two jobs of a self-hosted runner, issue 11): each keeps
// its own containers, network, builder and credentials (named by its run id), the engine-wide tags and the
// shared cache-mount store are taken in turn, and each run pushes the image it tested; with a shared local
// layer cache each exports to a directory of its own and the swaps take turns.
import { describe, expect, it, jest } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { authDirsLeft, labelledLeftovers, ROOT, scratchForFile, testEnv, tinyConfig, uid } from './harness.js';

jest.setTimeout(300_000);

const env = testEnv();
const CLI = path.join(ROOT, 'dist/cli/index.js');
const dir = scratchForFile();

function cli(args: string[], cacheDir: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, GITHUB_ACTIONS: '', ML_IMAGE_CACHE_DIR: cacheDir },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('two runs of one config at once', () => {
  it('do not clobber each other: both pass, each pushes its own tested image, nothing is left', async () => {
    const name = `it/twice-${uid()}`;
    const config = tinyConfig(dir, name, {
      tags: ['latest', 'v1'],
      more: `    smoke-test:
      commands:
        - { name: python, run: [python3, -c, "print('ok')"], expect-output: ["^ok$"] }
      http:
        port: 8080
        ready: { path: /health, timeout: 30s }
        checks:
          - { name: predict, method: POST, path: /predict, json: { features: [1] }, expect-body: setosa }
`,
      registries: [env.registry],
    });
    const cacheDir = path.join(dir, 'cache', 'buildkit');
    const args = ['build', '-c', config, '--push', '--docker', env.docker];
    const [a, b] = await Promise.all([cli(args, cacheDir), cli(args, cacheDir)]);
    for (const r of [a, b])
      expect([r.status, r.stderr.split('\n').filter((l) => l.startsWith('error'))]).toEqual([0, []]);
    const runId = (r: { stderr: string }) => /; run ([a-f0-9]{8})$/m.exec(r.stderr)?.[1];
    expect(runId(a)).not.toBe(runId(b));
    // Each pushed the image it built and tested (its engine id is the pushed index digest on the containerd store).
    for (const r of [a, b]) {
      const built = /^built \S+ in [\d.]+s \(.*\): (sha256:[a-f0-9]{64})$/m.exec(r.stderr)?.[1];
      const pushed = r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('@')[1]);
      expect(pushed).toEqual([built, built]);
    }
    expect(labelledLeftovers(runId(a))).toEqual([]);
    expect(labelledLeftovers(runId(b))).toEqual([]);
    expect(authDirsLeft()).toEqual([]);
    // The shared mount store is whole: a third run uses it without a warning.
    const c = await cli(args, cacheDir);
    expect(c.status).toBe(0);
    expect(c.stderr).not.toMatch(/^warning: (restoring|saving) the cache mounts/m);
  });

  it('with one local layer cache: each exports to its own directory and swaps in turn; the cache is whole after', async () => {
    const config = tinyConfig(dir, `it/twice-local-${uid()}`);
    const cacheDir = path.join(dir, 'cache-local', 'buildkit');
    const args = ['build', '-c', config, '--cache-backend', 'local', '--docker', env.docker];
    const [a, b] = await Promise.all([cli(args, cacheDir), cli(args, cacheDir)]);
    for (const r of [a, b])
      expect([r.status, r.stderr.split('\n').filter((l) => /^(error|warning)/.test(l))]).toEqual([0, []]);
    // One cache per scope, complete, and no export or old copy left beside it.
    const entries = readdirSync(cacheDir);
    expect(entries).toHaveLength(1);
    expect(existsSync(path.join(cacheDir, entries[0], 'index.json'))).toBe(true);
    // A third run on an emptied builder reads it: every step comes from that cache.
    execFileSync(env.docker, ['builder', 'prune', '--all', '--force']);
    const c = await cli(args, cacheDir);
    expect(c.status).toBe(0);
    const steps = /\((\d+)\/(\d+) steps cached/.exec(c.stderr);
    expect([Number(steps?.[1]) > 0, steps?.[1]]).toEqual([true, steps?.[2]]);
  });
});
