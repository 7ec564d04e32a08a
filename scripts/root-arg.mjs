// @ts-check
// The one argument the repository's check scripts take (lint.mjs, layers.mjs): `--root DIR`, the tree to
// check, by default the repository this file is in. Anything else is a usage error (exit 2).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** @param {string[]} argv @param {string} script the script's name, e.g. "lint" @returns {string} */
export function rootFromArgs(argv, script) {
  let root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--root' && argv[i + 1] !== undefined) root = path.resolve(argv[++i]);
    else if (arg.startsWith('--root=')) root = path.resolve(arg.slice('--root='.length));
    else {
      process.stderr.write(
        `${script}: unexpected argument ${JSON.stringify(arg)}\nusage: node scripts/${script}.mjs [--root DIR]\n`,
      );
      process.exit(2);
    }
  }
  return root;
}
