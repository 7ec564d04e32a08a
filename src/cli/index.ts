#!/usr/bin/env node
// Entry point of the `ml-image` command (bundled to dist/cli/index.js).
import { main, readStdinSync } from './main.js';

const controller = new AbortController();
let interrupted = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    // First signal: stop the running docker command and let cleanup run; second: leave now.
    if (++interrupted > 1) process.exit(130);
    process.stderr.write(`\n${sig}: stopping and cleaning up…\n`);
    controller.abort();
  });
}

const code = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  readStdin: readStdinSync,
  signal: controller.signal,
});
process.exitCode = interrupted ? 130 : code;
