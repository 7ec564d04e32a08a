#!/usr/bin/env node
// Entry point of the `ml-image` command (bundled to dist/cli/index.js).
import { onInterrupt } from '../process/interrupt.js';
import { main, readStdinSync } from './main.js';

const interrupt = onInterrupt({ say: (text) => process.stderr.write(`\n${text}\n`), secondSignalExits: true });

const code = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  readStdin: readStdinSync,
  signal: interrupt.signal,
});
process.exitCode = interrupt.received() ? 130 : code;
