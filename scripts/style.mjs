// @ts-check
// The style half of the lint gate: ESLint (eslint.config.js: typescript-eslint's strict type-checked rules)
// and Prettier (.prettierrc.json, .prettierignore) over the tree at `root`, through their Node APIs so that
// both report in the gate's `file:line:col: [kind] message` form. A root without eslint.config.js (a copy of
// src/ alone, as the layer check's test makes) has no style to check.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import * as prettier from 'prettier';

/** @typedef {{ file: string, line: number, col: number, kind: string, message: string }} Problem */

/** @param {string} root */
export const hasStyle = (root) => existsSync(path.join(root, 'eslint.config.js'));

/**
 * ESLint's and Prettier's problems under `root`, and how many files each looked at.
 * @param {string} root @returns {Promise<{ problems: Problem[], linted: number, formatted: number }>}
 */
export async function checkStyle(root) {
  /** @type {Problem[]} */
  const problems = [];
  const eslint = new ESLint({ cwd: root });
  const results = await eslint.lintFiles(['.']);
  for (const r of results) {
    const file = path.relative(root, r.filePath);
    for (const m of r.messages)
      problems.push({ file, line: m.line, col: m.column, kind: `eslint ${m.ruleId ?? 'parse'}`, message: m.message });
  }

  // The files Prettier owns: what `prettier --check .` would visit, i.e. everything git knows that is not
  // ignored, in a language Prettier formats. ESLint's list is a subset; JSON and config files come on top.
  const ignorePath = path.join(root, '.prettierignore');
  let formatted = 0;
  for (const file of prettierFiles(root)) {
    const filepath = path.join(root, file);
    const info = await prettier.getFileInfo(filepath, { ignorePath });
    if (info.ignored || info.inferredParser === null) continue;
    formatted++;
    const options = { ...(await prettier.resolveConfig(filepath)), filepath };
    const text = readFileSync(filepath, 'utf8');
    if (!(await prettier.check(text, options)))
      problems.push({
        file,
        line: 1,
        col: 1,
        kind: 'prettier',
        message: 'not formatted: run `npx prettier --write .`',
      });
  }
  return { problems, linted: results.length, formatted };
}

/**
 * Source and config files under root, skipping what is never ours (node_modules, dist, the VCS).
 * @param {string} root
 */
function prettierFiles(root) {
  /** @type {string[]} */
  const out = [];
  const skip = new Set(['node_modules', 'dist', '.git', 'coverage', 'schema']);
  /** @param {string} dir */
  const walk = (dir) => {
    for (const entry of readdirEntries(path.join(root, dir))) {
      if (skip.has(entry.name) || entry.name.startsWith('.tmp')) continue;
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else if (/\.(?:[cm]?[jt]s|json)$/.test(entry.name)) out.push(rel);
    }
  };
  walk('');
  return out;
}

/** @param {string} dir */
function readdirEntries(dir) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
