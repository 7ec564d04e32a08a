// Ctrl-C in the middle of a smoke test: the CLI stops the running check, removes its containers and
// exits 130, and nothing is pushed.
import { describe, expect, it, jest } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { containersOfRun, imageTags, ROOT, scratchForFile, testEnv, tinyConfig, uid } from './harness.js';

jest.setTimeout(180_000);

const env = testEnv();
const dir = scratchForFile();

/** Containers of any ml-image run whose image is this test's repository. */
function runIdsOf(name: string): string[] {
  const out = execFileSync(
    env.docker,
    ['ps', '-a', '--filter', `ancestor=${name}:latest`, '--format', '{{.Label "io.github.ml-image.run"}}'],
    { encoding: 'utf8' },
  );
  return [...new Set(out.split('\n').filter(Boolean))];
}

describe('cancellation', () => {
  it('SIGINT during a smoke test removes the container, pushes nothing, exits 130', async () => {
    const name = `it/tiny-cancel-${uid()}`;
    const config = tinyConfig(dir, name, {
      more: `    smoke-test:
      commands:
        - { name: long, run: [sleep, "120"], timeout: 100s }
`,
      registries: [env.registry],
    });
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/cli/index.js'), 'build', '-c', config, '--push'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    // Wait until the check's container is really running, then interrupt.
    let runIds: string[] = [];
    for (let i = 0; i < 240 && runIds.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
      runIds = runIdsOf(name);
    }
    expect(runIds).toHaveLength(1);
    child.kill('SIGINT');
    const code = await exited;

    expect(code).toBe(130);
    expect(stderr).toContain('SIGINT: stopping and cleaning up');
    expect(stderr.trim().split('\n').pop()).toBe('error: cancelled; nothing more was built, tested or pushed');
    expect(containersOfRun(runIds[0])).toEqual([]);
    expect(imageTags(`${env.registry}/${name}`)).toEqual([]);
  });
});
