// README's main job for real: the bundled iris example through the bundled CLI (dist/cli/index.js), and the
// same example with a broken /predict, which must fail its smoke test and push nothing.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inspectRemote, imageTags, removeScratch, ROOT, scratchDir, testEnv, uid } from './harness.js';

jest.setTimeout(600_000);

const env = testEnv();
const CLI = path.join(ROOT, 'dist/cli/index.js');
let dir: string;

beforeAll(() => {
  dir = scratchDir();
});
afterAll(() => removeScratch(dir));

function cli(args: string[], cwd = ROOT) {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GITHUB_ACTIONS: '' },
  });
}

describe('the bundled iris example', () => {
  it('README main command: builds, smoke-tests and pushes every configured tag', () => {
    // The example's own registry (127.0.0.1:5000, what `npm run example` pushes to) is replaced by the test
    // run's, so that neither an earlier nor a concurrent `npm run example` can move the tags read back here.
    expect(readFileSync(path.join(ROOT, 'examples/iris/ml-image.yml'), 'utf8')).toContain(
      'registries: [127.0.0.1:5000]',
    );
    const r = cli(['build', '--config', 'examples/iris/ml-image.yml', '--push', '--registry', env.registry]);
    expect(r.stderr).toContain('✓ http "predict setosa"');
    expect(r.status).toBe(0);
    for (const check of [
      'command "imports"',
      'command "model file"',
      'ready "/health answers 200"',
      'http "rejects bad input"',
    ]) {
      expect(r.stderr).toContain(`✓ ${check}`);
    }
    // One line per step with its time; BuildKit's own output only with -v.
    expect(r.stderr).toMatch(
      /^built acme\/iris-classifier in \d+\.\ds \(\d+\/\d+ steps cached, \d+ MB\): sha256:[a-f0-9]{64}$/m,
    );
    expect(r.stderr).toMatch(
      new RegExp(
        `^pushed ${env.registry.replaceAll('.', '\\.')}/acme/iris-classifier:0\\.1\\.0@sha256:[a-f0-9]{64} \\(\\d+\\.\\ds\\)$`,
        'm',
      ),
    );
    expect(r.stderr).not.toMatch(/^#\d+ /m);
    const printed = r.stdout.trim().split('\n');
    const repo = `${env.registry}/acme/iris-classifier`;
    expect(printed.map((l) => l.split('@')[0])).toEqual([`${repo}:latest`, `${repo}:0.1.0`]);
    for (const line of printed) {
      const [ref, digest] = line.split('@');
      expect(inspectRemote(ref).digest).toBe(digest);
    }
    expect(imageTags(repo)).toEqual(expect.arrayContaining(['0.1.0', 'latest']));
  });

  it('with a broken /predict the run fails on the smoke test and pushes nothing', () => {
    const copy = path.join(dir, 'iris');
    cpSync(path.join(ROOT, 'examples/iris'), copy, { recursive: true });
    const serve = path.join(copy, 'serve.py');
    const good = '"class": self.class_names[index],';
    const source = readFileSync(serve, 'utf8');
    expect(source).toContain(good);
    // An off-by-one in the label lookup: the service still answers 200, with the wrong class.
    writeFileSync(serve, source.replace(good, '"class": self.class_names[(index + 1) % len(self.class_names)],'));
    const name = `it/iris-broken-${uid()}`;
    const config = readFileSync(path.join(copy, 'ml-image.yml'), 'utf8').replace(
      'name: acme/iris-classifier',
      `name: ${name}`,
    );
    writeFileSync(path.join(copy, 'ml-image.yml'), config);

    // The run's registry, not the example's: its registry cache would land there otherwise.
    const r = cli([
      'build',
      '--config',
      path.relative(ROOT, path.join(copy, 'ml-image.yml')),
      '--push',
      '--registry',
      env.registry,
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('✗ http "predict setosa"');
    expect(r.stderr.trim().split('\n').pop()).toBe(
      `error: smoke test failed for ${name}: http "predict setosa": body did not match /"class": *"setosa"/; body: ` +
        '{"class": "versicolor", "index": 0, "probabilities": {"setosa": 0.980971, "versicolor": 0.019029, "virginica": 1e-06}}; nothing was pushed',
    );
    expect(r.stderr).not.toMatch(/^\s*pushed /m);
    expect(r.stdout).toBe('');
    expect(imageTags(`${env.registry}/${name}`)).toEqual([]);
  });
});
