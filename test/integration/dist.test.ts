// dist/ is what the Action runs, committed as it is: it must be exactly what `npm run bundle` makes
// from the current source, or the Action would run old code.
import { describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './harness.js';

jest.setTimeout(240_000);

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full, base) : [path.relative(base, full)];
  });
}

describe('dist/', () => {
  it('is exactly what npm run bundle produces from src/', () => {
    const fresh = mkdtempSync(path.join(os.tmpdir(), 'ml-image-dist-'));
    try {
      execFileSync(process.execPath, [path.join(ROOT, 'scripts/bundle.mjs'), fresh], { cwd: ROOT, stdio: 'pipe' });
      const committed = path.join(ROOT, 'dist');
      expect(listFiles(committed).sort()).toEqual(listFiles(fresh).sort());
      const stale = listFiles(fresh).filter(
        (f) => !readFileSync(path.join(fresh, f)).equals(readFileSync(path.join(committed, f))),
      );
      expect(stale).toEqual([]);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('runs the CLI on this Node version', () => {
    expect(
      execFileSync(process.execPath, [path.join(ROOT, 'dist/cli/index.js'), 'help'], { encoding: 'utf8' }),
    ).toMatch(/^usage: ml-image <command>/);
  });
});
