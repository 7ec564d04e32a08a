// container-structure-test files run unchanged through `ml-image test IMAGE --structure-test FILE`, against
// the image test/fixtures/structure-tests/Dockerfile builds: each fixture gives the verdict its README states
// (the verdict container-structure-test itself gives), and failing.yaml fails check by check.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { labelledLeftovers, removeScratch, ROOT, scratchDir, testEnv, uid } from './harness.js';

jest.setTimeout(300_000);

const env = testEnv();
const CLI = path.join(ROOT, 'dist/cli/index.js');
const FIXTURES = path.join(ROOT, 'test/fixtures/structure-tests');
const IMAGE = `it/cst-${uid()}:latest`;
let dir: string;

beforeAll(() => {
  dir = scratchDir();
  execFileSync(
    env.docker,
    ['build', '--quiet', '--build-arg', `BASE_IMAGE=${env.baseImage}`, '--tag', IMAGE, FIXTURES],
    { encoding: 'utf8' },
  );
});
afterAll(() => {
  spawnSync(env.docker, ['image', 'rm', '--force', IMAGE]);
  removeScratch(dir);
});

interface Check {
  kind: string;
  name: string;
  result: string;
  message?: string;
}

function runCst(file: string): { status: number | null; checks: Check[]; stderr: string; runId?: string } {
  const json = path.join(dir, `${uid()}.json`);
  const r = spawnSync(
    process.execPath,
    [CLI, 'test', IMAGE, '--structure-test', path.join(FIXTURES, file), '--json', json, '--docker', env.docker],
    {
      cwd: ROOT,
      encoding: 'utf8',
      // run-options.yaml reads this variable from the environment that runs the tests, as CST does.
      env: { ...process.env, GITHUB_ACTIONS: '', ML_IMAGE_CST_TOKEN: 'from-the-host' },
    },
  );
  const report =
    r.status === 0 || r.status === 1
      ? (JSON.parse(readFileSync(json, 'utf8')) as { runId?: string; suites: { checks: Check[] }[] })
      : { suites: [{ checks: [] }] };
  return { status: r.status, checks: report.suites[0].checks, stderr: r.stderr, runId: report.runId };
}

describe('container-structure-test files', () => {
  it.each([
    'commands.yaml',
    'files.yaml',
    'content.yaml',
    'metadata.yaml',
    'license.yaml',
    'run-options.yaml',
    'schema-v1.yaml',
    'json-form.json',
  ])('%s passes, every check', (file) => {
    const r = runCst(file);
    const failed = r.checks.filter((c) => c.result !== 'passed');
    expect([r.status, failed]).toEqual([0, []]);
    expect(r.checks.length).toBeGreaterThan(0);
  });

  it('failing.yaml fails check by check, each for its stated reason', () => {
    const r = runCst('failing.yaml');
    expect(r.status).toBe(1);
    // Every test fails (the order is ml-image's: commands, metadata, then files and licenses).
    expect(r.checks.map((c) => [c.name, c.result]).sort()).toEqual(
      [
        'wrong exit code',
        'expected output missing',
        'excluded output present',
        'expected error missing',
        'excluded error present',
        'stderr is not stdout',
        'expected content missing',
        'excluded content present',
        'file to read is missing',
        'Fake File',
        'file that should not exist',
        'Wrong permissions',
        'directory is not a regular file',
        'wrong owner',
        'wrong group',
        'not executable by other',
        'not executable by any',
        'license[0]',
        'license[1]',
        'metadata',
      ]
        .map((n) => [n, 'failed'])
        .sort(),
    );
    const message = (name: string) => r.checks.find((c) => c.name === name)?.message?.split('\n')[0];
    expect(message('wrong exit code')).toBe('exit code 1 (expected 0)');
    expect(message('stderr is not stdout')).toMatch(/^stdout did not match /);
    expect(message('directory is not a regular file')).toBe('/srv/model: mode drwxr-x--- (expected -rwxr-x---)');
    expect(message('Wrong permissions')).toBe('/srv/model/model.txt: mode -rw-r----- (expected -rwxrwxrwx)');
    expect(message('license[1]')).toBe('1 license problem: /opt/fixture/licenses/NOTICE-agpl.txt mentions AGPL');
    // By this run's label: other files' runs share the engine.
    expect(r.runId).toMatch(/^[0-9a-f]{8}$/);
    expect(labelledLeftovers(r.runId)).toEqual([]);
  });

  it('a command taking 3 s passes without --config: each command has 60 s (the whole test once had 0 s, so 1 s a command)', () => {
    const file = path.join(dir, 'slow.yaml');
    writeFileSync(
      file,
      "schemaVersion: '2.0.0'\ncommandTests:\n  - name: slow\n    command: sh\n    args: ['-c', 'sleep 3; echo slept']\n    expectedOutput: ['^slept\\n$']\n",
    );
    const r = spawnSync(process.execPath, [CLI, 'test', IMAGE, '--structure-test', file, '--docker', env.docker], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.stderr).toContain('✓ command "slow"');
    expect(r.status).toBe(0);
  });

  it('an unsupported key is a clear error naming it (exit 2), never a silent pass', () => {
    const bad = path.join(dir, 'bad.yaml');
    execFileSync('bash', [
      '-c',
      `printf "schemaVersion: '2.0.0'\\ncommandTests:\\n  - name: x\\n    command: true\\n    allocateTty: true\\n" > ${bad}`,
    ]);
    const r = spawnSync(process.execPath, [CLI, 'test', IMAGE, '--structure-test', bad, '--docker', env.docker], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/bad\.yaml:5:\d+: commandTests\[0\]\.allocateTty/);
  });
});
