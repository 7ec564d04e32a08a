// Bundles the Action and the CLI with ncc into dist/ (committed: the Action runs dist/ as it is).
// Output is deterministic, so `git diff --exit-code dist` after this script tells whether dist/ is current.
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ? path.resolve(process.argv[2]) : path.join(root, 'dist');
const ncc = path.join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');

rmSync(out, { recursive: true, force: true });
for (const [entry, dir] of [
  ['src/action/index.ts', out],
  ['src/cli/index.ts', path.join(out, 'cli')],
]) {
  execFileSync(process.execPath, [ncc, 'build', path.join(root, entry), '--out', dir, '--license', 'licenses.txt', '--quiet', '--target', 'es2022'], {
    cwd: root,
    stdio: 'inherit',
  });
}
chmodSync(path.join(out, 'cli', 'index.js'), 0o755);
