// Bundles the Action and the CLI with ncc into dist/ (committed: the Action runs dist/ as it is).
// Output is deterministic, so `git diff --exit-code dist` after this script tells whether dist/ is current.
import { spawn } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ? path.resolve(process.argv[2]) : path.join(root, 'dist');
const ncc = path.join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');

rmSync(out, { recursive: true, force: true });
// Both entries at once (2 cores: 41 s one after the other, as dist.test ran it, against about half that).
/** @param {string} entry @param {string} dir @returns {Promise<void>} */
const build = (entry, dir) =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ncc,
        'build',
        path.join(root, entry),
        '--out',
        dir,
        '--license',
        'licenses.txt',
        '--quiet',
        '--target',
        'es2022',
      ],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ncc build ${entry} exited ${code}`))));
  });
await Promise.all([build('src/action/index.ts', out), build('src/cli/index.ts', path.join(out, 'cli'))]);
chmodSync(path.join(out, 'cli', 'index.js'), 0o755);
