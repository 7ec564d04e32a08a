// @ts-check
// What a library would cost the Action against the hand-written piece it stands in for (issue "A house a
// newcomer can live in"): for each pair of tiny entries that do the same thing, one importing only our
// module and one importing only the library, it prints
//   bytes    the size of what ncc emits, with the options of scripts/bundle.mjs (not minified, es2022);
//   wall     median over RUNS runs (LIB_COST_RUNS, default 21), each in a fresh node, of the time import()
//            of the bundle takes, its first call included (node's own start-up is not counted);
//   cpu      the same for the CPU time (user + system) of that import;
//            each with its quartiles (p25–p75), the noise to read the medians against.
// The runs go round the entries in turn, so that a busy spell of the machine falls on all of them alike.
// Usage: node bench/lib-cost.mjs [name...]    (names: see ENTRIES; all by default)
// Entries and builds go to .tmp/lib-cost/ (ignored), inside the repository so that ncc finds node_modules.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORK = path.join(ROOT, '.tmp', 'lib-cost');
const NCC = path.join(ROOT, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
const RUNS = Number(process.env.LIB_COST_RUNS ?? 21);
const SRC = path.join(ROOT, 'src', 'meta');

// Every entry ends by handing its result to the harness, so that the call is not optimized out.
const done = 'globalThis.libCostResult = r;';
// The harness a fresh node runs per measurement: the time and the CPU time (user + system) that importing the
// bundle takes, its first call included; node's own start-up is outside it.
const HARNESS = `const url = process.argv[1]; const c0 = process.cpuUsage(); const t0 = performance.now();
await import(url); const t = performance.now() - t0; const c = process.cpuUsage(c0);
if (JSON.stringify(globalThis.libCostResult).length === 0) process.exit(2);
console.log(t, (c.user + c.system) / 1000);`;

/** @type {Record<string, string>} name -> entry source (ESM) */
const ENTRIES = {
  empty: `const r = process.argv; ${done}`,
  'semver-ours': `import { parseSemver } from '${SRC}/semver.js';
const r = parseSemver('v1.2.3-rc.1+b.5'); ${done}`,
  // The three functions metadata-action calls, each from its own file: less than the whole index.
  'semver-lib': `import valid from 'semver/functions/valid.js';
import parse from 'semver/functions/parse.js';
import prerelease from 'semver/functions/prerelease.js';
const v = 'v1.2.3-rc.1+b.5';
const r = valid(v) && [parse(v, { loose: true }), prerelease(v)]; ${done}`,
  'semver-lib-index': `import semver from 'semver';
const v = 'v1.2.3-rc.1+b.5';
const r = semver.valid(v) && [semver.parse(v, { loose: true }), semver.prerelease(v)]; ${done}`,
  'pep440-ours': `import { pep440Clean, pep440Explain, pep440Part, pep440Valid } from '${SRC}/pep440.js';
const v = '1.2.3rc2';
const r = pep440Valid(v) && [pep440Explain(v), pep440Clean(v), pep440Part(v, 0), pep440Part(v, 1), pep440Part(v, 2)]; ${done}`,
  'pep440-lib': `import { clean, explain, major, minor, patch, valid } from '@renovatebot/pep440';
const v = '1.2.3rc2';
const r = valid(v) && [explain(v), clean(v), major(v), minor(v), patch(v)]; ${done}`,
  // The two files of the library that hold these functions, without the range and comparison code.
  'pep440-lib-files': `import { clean, explain, valid } from '@renovatebot/pep440/lib/version.js';
import { major, minor, patch } from '@renovatebot/pep440/lib/semantic.js';
const v = '1.2.3rc2';
const r = valid(v) && [explain(v), clean(v), major(v), minor(v), patch(v)]; ${done}`,
  'template-ours': `import { isRawStatement, parseTemplate, renderTemplate } from '${SRC}/template.js';
const values = { version: '1.2.3', major: '1', minor: '2' };
const r = [renderTemplate(parseTemplate('{{major}}.{{minor}}-x'), (m) => values[m.name] ?? ''), isRawStatement('{{raw}}')]; ${done}`,
  'template-lib': `import handlebars from 'handlebars';
const values = { version: '1.2.3', major: '1', minor: '2' };
const body = handlebars.parseWithoutProcessing('{{raw}}').body;
const r = [handlebars.compile('{{major}}.{{minor}}-x')(values), body.length]; ${done}`,
  'datefmt-ours': `import { formatDate } from '${SRC}/datefmt.js';
const r = formatDate(new Date(1578616200000), 'YYYYMMDD-HHmmss', 'Asia/Tokyo'); ${done}`,
  'datefmt-lib': `import moment from 'moment-timezone';
const r = moment(new Date(1578616200000)).tz('Asia/Tokyo').format('YYYYMMDD-HHmmss'); ${done}`,
  // In UTC, metadata-action's default zone, ours needs no Intl time zone data.
  'datefmt-ours-utc': `import { formatDate } from '${SRC}/datefmt.js';
const r = formatDate(new Date(1578616200000), 'YYYYMMDD-HHmmss', 'UTC'); ${done}`,
  'datefmt-lib-utc': `import moment from 'moment-timezone';
const r = moment(new Date(1578616200000)).tz('UTC').format('YYYYMMDD-HHmmss'); ${done}`,
  // splitFields() lives in tagparse.ts, which brings the rest of meta/ along: the function itself is 1.3 KB of
  // this bundle (awk '/^function splitFields/,/^}/' .tmp/lib-cost/csv-ours/out/index.js | wc -c).
  'csv-ours': `import { splitFields } from '${SRC}/tagparse.js';
const r = splitFields('type=semver,pattern={{version}},"match=v(\\\\d.\\\\d)$"'); ${done}`,
  'csv-lib': `import { parse } from 'csv-parse/sync';
const r = parse('type=semver,pattern={{version}},"match=v(\\\\d.\\\\d)$"', { relaxColumnCount: true, skipEmptyLines: true })[0]; ${done}`,
};

/** @param {string} dir @returns {number} */
function bytes(dir) {
  let total = 0;
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const file = path.join(dir, name);
    // ncc's licence file is not code the runner loads.
    if (statSync(file).isFile() && name !== 'licenses.txt') total += statSync(file).size;
  }
  return total;
}

/** The q-quantile (0..1) of xs, nearest rank. @param {number[]} xs @param {number} q */
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? NaN;
/** "median (p25–p75)" in ms. @param {number[]} xs */
const spread = (xs) =>
  `${quantile(xs, 0.5).toFixed(1)} (${quantile(xs, 0.25).toFixed(1)}–${quantile(xs, 0.75).toFixed(1)}) ms`;

const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(ENTRIES);
rmSync(WORK, { recursive: true, force: true });
/** @type {{ name: string, out: string, wall: number[], cpu: number[] }[]} */
const builds = [];
for (const name of ['empty', ...names.filter((n) => n !== 'empty')]) {
  const source = ENTRIES[name];
  if (source === undefined) throw new Error(`unknown entry ${name}; known: ${Object.keys(ENTRIES).join(' ')}`);
  const dir = path.join(WORK, name);
  mkdirSync(dir, { recursive: true });
  const entry = path.join(dir, 'entry.ts');
  writeFileSync(entry, `// @ts-nocheck\n${source}\n`);
  const out = path.join(dir, 'out');
  const built = spawnSync(
    process.execPath,
    [NCC, 'build', entry, '--out', out, '--license', 'licenses.txt', '--quiet', '--target', 'es2022'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (built.status !== 0) throw new Error(`ncc build ${name}: ${built.stderr}`);
  builds.push({ name, out, wall: [], cpu: [] });
}
for (let i = 0; i < RUNS; i++) {
  for (const b of builds) {
    const url = pathToFileURL(path.join(b.out, 'index.js')).href;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', HARNESS, url], { encoding: 'utf8' });
    const [wall, cpu] = run.stdout.trim().split(' ').map(Number);
    if (run.status !== 0 || wall === undefined || !(wall >= 0) || cpu === undefined)
      throw new Error(`${b.name}: ${run.stderr || run.stdout}`);
    b.wall.push(wall);
    b.cpu.push(cpu);
  }
}
for (const b of builds) {
  const size = String(bytes(b.out)).padStart(8);
  console.log(`${b.name.padEnd(18)} bytes ${size}   wall ${spread(b.wall)}   cpu ${spread(b.cpu)}`);
}
