// The style half of the lint gate (scripts/style.mjs: ESLint with typescript-eslint's strict type-checked
// rules, and Prettier), run as a subprocess over a small tree that carries the repository's own settings:
// a clean file passes, and a type-aware finding and an unformatted file are each named with their place.
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const STYLE = path.join(REPO, 'scripts', 'style.mjs');
// Inside the repository (/.tmp/ is ignored by git) so that the copied eslint.config.js finds node_modules.
mkdirSync(path.join(REPO, '.tmp'), { recursive: true });
const tmp = mkdtempSync(path.join(REPO, '.tmp', 'style-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Problem = { file: string; line: number; col: number; kind: string; message: string };

function check(files: Record<string, string>): { problems: Problem[]; linted: number; formatted: number } {
  const root = mkdtempSync(path.join(tmp, 'tree-'));
  for (const f of ['eslint.config.js', '.prettierrc.json', '.prettierignore', 'tsconfig.json', 'tsconfig.test.json'])
    cpSync(path.join(REPO, f), path.join(root, f));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  const script = `const { checkStyle } = await import(${JSON.stringify(STYLE)});
process.stdout.write(JSON.stringify(await checkStyle(${JSON.stringify(root)})));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`style check failed to run: ${r.stderr}`);
  return JSON.parse(r.stdout) as { problems: Problem[]; linted: number; formatted: number };
}

const CLEAN = 'export const greet = (name: string): string => `hello ${name}`;\n';

describe('the style check', () => {
  it('passes a clean tree, counting what it looked at', () => {
    const r = check({ 'src/greet.ts': CLEAN });
    expect(r.problems).toEqual([]);
    expect(r.linted).toBe(2); // src/greet.ts and the copied eslint.config.js
    expect(r.formatted).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('names a type-aware ESLint finding and an unformatted file', () => {
    const r = check({
      'src/greet.ts': CLEAN,
      // A type assertion that changes nothing: only the type-checked rules see it.
      'src/cast.ts': 'export const same = (name: string): string => name as string;\n',
      'src/quotes.ts': 'export const quoted = "double quotes";\n',
    });
    expect(r.problems).toEqual([
      {
        file: path.join('src', 'cast.ts'),
        line: 1,
        col: 47,
        kind: 'eslint @typescript-eslint/no-unnecessary-type-assertion',
        message: expect.stringContaining('unnecessary'),
      },
      {
        file: path.join('src', 'quotes.ts'),
        line: 1,
        col: 1,
        kind: 'prettier',
        message: 'not formatted: run `npx prettier --write .`',
      },
    ]);
  }, 120_000);
});
