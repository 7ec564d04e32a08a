// The `ml-image` command installed the way README tells users to install it without cloning: npm packs
// the repository (what `npm install -g github:…` does with it) and installs the package globally; the
// installed bin then runs the bundled CLI.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './harness.js';

jest.setTimeout(300_000);

let prefix: string;
let bin: string;

beforeAll(() => {
  prefix = mkdtempSync(path.join(os.tmpdir(), 'ml-image-install-'));
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', prefix], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .pop()!;
  execFileSync(
    'npm',
    [
      'install',
      '--global',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      '--prefix',
      prefix,
      path.join(prefix, tarball),
    ],
    { encoding: 'utf8' },
  );
  bin = path.join(prefix, 'bin', 'ml-image');
});
afterAll(() => rmSync(prefix, { recursive: true, force: true }));

describe('the installed ml-image command', () => {
  it('is on the prefix bin path and prints its usage', () => {
    expect(existsSync(bin)).toBe(true);
    const r = spawnSync(bin, ['help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: ml-image <command> \[options\]/);
  });

  it('validates and plans the bundled example from a checkout', () => {
    const validate = spawnSync(bin, ['validate', '-c', 'examples/iris/ml-image.yml'], { cwd: ROOT, encoding: 'utf8' });
    expect([validate.status, validate.stderr.trim()]).toEqual([0, 'examples/iris/ml-image.yml: valid (1 image)']);
    const plan = spawnSync(bin, ['plan', '-c', 'examples/iris/ml-image.yml', '--format', 'matrix'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, GITHUB_ACTIONS: '' },
    });
    expect(plan.status).toBe(0);
    expect(JSON.parse(plan.stdout)).toEqual({
      include: [expect.objectContaining({ id: 'acme-iris-classifier', image: 'acme/iris-classifier' })],
    });
  });

  it('ships the bundle, action.yml and the schema, not the sources or tests', () => {
    const listing = execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: ROOT, encoding: 'utf8' });
    const files = (JSON.parse(listing) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/cli/index.js',
        'dist/index.js',
        'action.yml',
        'schema/ml-image.schema.json',
        'package.json',
      ]),
    );
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
  });
});
