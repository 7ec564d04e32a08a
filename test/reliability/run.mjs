// @ts-check
// `npm run test:reliability` (also run by `npm test`): every case of cases.mjs against the bundled CLI, in a
// scratch repository of its own, then the fault, signal and cancellation scenarios of faults.test.ts (the
// jest project "reliability": real engines, registries behind the fault proxy, the bundled CLI and Action).
// Prints one table row per case and scenario — scenario, expected outcome, outcome, time, leaked
// resources, secrets found — and exits 1 when any did not go as expected.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CASES } from './cases.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'dist/cli/index.js');
const SECRET = `rel-canary-${process.pid}-s3cret`;
const DEFAULT_MAX_MS = 10_000;

/** Containers, networks and volumes with ml-image's run label, when an engine answers; else 0. */
function labelled() {
  const docker = process.env.ML_IMAGE_TEST_DOCKER ?? 'docker';
  try {
    return ['ps -a -q', 'network ls -q', 'volume ls -q']
      .map((c) =>
        execFileSync(docker, [...c.split(' '), '--filter', 'label=io.github.ml-image.run'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        }),
      )
      .join('\n')
      .split('\n')
      .filter(Boolean).length;
  } catch {
    return 0;
  }
}

function setUp(c) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ml-image-rel-'));
  chmodSync(dir, 0o755);
  mkdirSync(path.join(dir, '.git'));
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM debian:bookworm\n');
  for (const [name, content] of Object.entries(c.files ?? {})) {
    const file = path.join(dir, name);
    if (Buffer.isBuffer(content) || typeof content === 'string') writeFileSync(file, content);
    else if ('dir' in content) mkdirSync(file);
    else if ('fifo' in content) execFileSync('mkfifo', [file]);
    else if ('link' in content) symlinkSync(content.link, file);
  }
  if (c.uid !== undefined) for (const name of Object.keys(c.files ?? {})) chmodSync(path.join(dir, name), 0o000);
  return dir;
}

const rows = [];
let failed = 0;
const before = labelled();

/** Runs the bundled CLI in `dir` as a case says; resolves with what spawnSync would give. */
function runCase(c, dir) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...(c.argv ?? ['validate'])], {
      cwd: dir,
      timeout: 30_000,
      env: { ...process.env, GITHUB_ACTIONS: '', ML_IMAGE_PASSWORD: SECRET, ...c.env },
      ...(c.uid !== undefined ? { uid: c.uid, gid: c.uid } : {}),
    });
    const out = { stdout: '', stderr: '' };
    child.stdout.setEncoding('utf8'); // whole characters, however the chunks split them
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => (out.stdout += d));
    child.stderr.on('data', (d) => (out.stderr += d));
    child.on('error', (error) => resolve({ ...out, status: null, error }));
    child.on('close', (status, signal) =>
      resolve({ ...out, status, error: signal ? new Error(`killed by ${signal}`) : undefined }),
    );
  });
}

async function check(c) {
  const dir = setUp(c);
  const started = performance.now();
  const r = await runCase(c, dir);
  const ms = performance.now() - started;
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const problems = [];
  if (r.error) problems.push(`did not finish (${r.error.message})`);
  if (r.status !== c.exit) problems.push(`exit ${r.status} (expected ${c.exit})`);
  if (c.stderr && !c.stderr.test(r.stderr ?? '')) problems.push(`stderr does not match ${c.stderr}`);
  if (c.stdout && !c.stdout.test(r.stdout ?? '')) problems.push(`stdout does not match ${c.stdout}`);
  if (/unexpected error/i.test(out)) problems.push('an internal "unexpected error"');
  if (/^\s+at .+\(.+:\d+:\d+\)$/m.test(out)) problems.push('a stack trace');
  if (out.includes('\u001b')) problems.push('a raw escape character in the output');
  if (existsSync(path.join(dir, 'CANARY'))) problems.push('a command from the input ran');
  if (ms > (c.maxMs ?? DEFAULT_MAX_MS)) problems.push(`took ${(ms / 1000).toFixed(1)}s`);
  const secrets = out.includes(SECRET) ? 1 : 0;
  if (secrets) problems.push('the password appeared in the output');
  if (problems.length > 0) failed++;
  if (problems.length > 0 && process.env.RELIABILITY_VERBOSE)
    process.stderr.write(`--- ${c.name}\n${out.slice(0, 2000)}\n`);
  rmSync(dir, { recursive: true, force: true });
  return [
    c.kind,
    c.name,
    `exit ${c.exit}`,
    problems.length ? `FAIL: ${problems.join('; ')}` : `ok (exit ${r.status})`,
    `${(ms / 1000).toFixed(2)}s`,
    '0',
    String(secrets),
  ];
}

// Two cases at a time (2 cores; each is one CLI process, mostly Node's start-up): 132 cases took 65 s one by one.
const CONCURRENCY = 2;
let next = 0;
const byIndex = new Array(CASES.length);
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < CASES.length) {
      const i = next++;
      byIndex[i] = await check(CASES[i]);
    }
  }),
);
rows.push(...byIndex);
const leaked = labelled() - before;
if (leaked > 0) failed++;

const header = ['class', 'scenario', 'expected', 'outcome', 'time', 'leaked', 'secrets'];
/** One markdown table; long cells are cut (the full text is in the failure list below it). */
function table(rows, outcomeWidth, textWidth = 60) {
  const widths = header.map((h, i) =>
    Math.min(i === 3 ? outcomeWidth : textWidth, Math.max(h.length, ...rows.map((r) => r[i].length))),
  );
  const cell = (s, w) => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));
  console.log(`| ${header.map((h, i) => cell(h, widths[i])).join(' | ')} |`);
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const r of rows) console.log(`| ${r.map((x, i) => cell(x, widths[i])).join(' | ')} |`);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

table(rows, 70);
const times = rows.map((r) => parseFloat(r[4]));
const hostileFailed = failed - (leaked > 0 ? 1 : 0);
console.log(
  `\n${rows.length} hostile inputs: ${rows.length - hostileFailed} as expected, ${hostileFailed} not; ` +
    `median ${median(times).toFixed(2)}s, slowest ${Math.max(...times).toFixed(2)}s; leaked resources ${Math.max(0, leaked)}; secrets found ${rows.filter((r) => r[6] !== '0').length}\n`,
);

// ---- faults, signals and cancellation: the jest project "reliability" writes one row per scenario ----
const rowsFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'ml-image-rel-rows-')), 'rows.jsonl');
const summaryFile = path.join(path.dirname(rowsFile), 'jest.json');
const jest = spawnSync(
  process.execPath,
  [
    '--experimental-vm-modules',
    path.join(ROOT, 'node_modules/jest/bin/jest.js'),
    '--selectProjects',
    'reliability',
    '--runInBand',
    '--forceExit',
    '--json',
    '--outputFile',
    summaryFile,
  ],
  { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, RELIABILITY_ROWS: rowsFile } },
);
const faultRows = existsSync(rowsFile)
  ? readFileSync(rowsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : [];
const ran = existsSync(summaryFile) ? JSON.parse(readFileSync(summaryFile, 'utf8')).numTotalTests : 0;
rmSync(path.dirname(rowsFile), { recursive: true, force: true });
table(
  faultRows.map((r) => [
    r.kind,
    r.scenario,
    r.expected,
    r.outcome,
    `${(r.ms / 1000).toFixed(1)}s`,
    String(r.leaked),
    String(r.secrets),
  ]),
  110,
  90,
);
const faultFailed = faultRows.filter((r) => !r.outcome.startsWith('ok')).length;
console.log(
  `\n${faultRows.length} fault, signal and cancellation scenarios: ${faultRows.length - faultFailed} as expected, ${faultFailed} not; ` +
    `leaked resources ${faultRows.reduce((n, r) => n + r.leaked, 0)}; secrets found ${faultRows.reduce((n, r) => n + r.secrets, 0)}`,
);
for (const r of faultRows.filter((x) => !x.outcome.startsWith('ok'))) console.log(`\n${r.scenario}:\n  ${r.outcome}`);
// A scenario that crashed before writing its row still fails: jest's own status and count decide too.
if (jest.status !== 0 || faultRows.length === 0 || faultRows.length !== ran) {
  console.log(
    `\nthe scenarios did not all run cleanly (jest exit ${jest.status}, ${faultRows.length} rows for ${ran} scenarios)`,
  );
  failed++;
}
process.exit(failed + faultFailed > 0 ? 1 : 0);
