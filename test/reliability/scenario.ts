// The frame of a fault scenario (test/reliability/faults.test.ts): a scratch repository and project, the
// bundled CLI run the way a user runs it (or the Action through the runner's path), and what is measured
// after every scenario the same way — what the run left behind on the engine and on disk (containers,
// networks, volumes, builders, the run's image names, temp files, half-written caches, logins in the
// user's docker config) and every place a credential could have leaked to. Each scenario adds one row to
// the table `npm run test:reliability` prints (test/reliability/run.mjs).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { imageTags, inspectRemote, ROOT, scratchDir, testEnv, uid, writeFile } from '../integration/harness.js';

export const CLI = path.join(ROOT, 'dist/cli/index.js');
const ROWS = process.env.RELIABILITY_ROWS ?? path.join(ROOT, '.tmp', 'reliability-faults.jsonl');
const RUN_LABEL = 'io.github.ml-image.run';

export interface Row {
  kind: string;
  scenario: string;
  expected: string;
  outcome: string;
  ms: number;
  leaked: number;
  secrets: number;
}

/** Where one scenario runs: its repository, its temp dir (TMPDIR), its cache dir and the user's docker config. */
export interface Scope {
  dir: string;
  tmp: string;
  cacheDir: string;
  userDockerConfig: string;
  /** DOCKER_HOST of a private engine, when the scenario uses one. */
  host?: string;
  /** The environment a user's shell would hand the CLI (or the runner the Action) in this scope. */
  env: Record<string, string>;
}

export function newScope(host?: string): Scope {
  const dir = scratchDir();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ml-rel-tmp-'));
  const cacheDir = path.join(dir, '.cache');
  const userDockerConfig = path.join(dir, '.docker');
  mkdirSync(userDockerConfig);
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    GITHUB_ACTIONS: '',
    TMPDIR: tmp,
    ML_IMAGE_CACHE_DIR: cacheDir,
    DOCKER_CONFIG: userDockerConfig,
    ...(host ? { DOCKER_HOST: host } : {}),
  };
  return { dir, tmp, cacheDir, userDockerConfig, host, env };
}

export function removeScope(s: Scope): void {
  rmSync(s.dir, { recursive: true, force: true });
  rmSync(s.tmp, { recursive: true, force: true });
}

/** A one-image project: `ctx/Dockerfile` (a unique file per project unless given) and ml-image.yml. */
export function project(
  s: Scope,
  o: { name: string; registry: string; base: string; dockerfile?: string; smoke?: string; image?: string },
): { config: string; repo: string } {
  writeFile(s.dir, 'ctx/Dockerfile', o.dockerfile ?? `FROM ${o.base}\nRUN echo ${uid()} > /id\n`);
  const repo = `rel/${o.name}-${uid()}`;
  const config = writeFile(
    s.dir,
    'ml-image.yml',
    `version: 1
images:
  - name: ${repo}
    context: ctx
    tags: [latest]
${o.image ?? ''}    smoke-test:
      commands:
${o.smoke ?? '        - { name: id, run: [cat, /id], timeout: 60s }'}
push:
  registries: [${o.registry}]
`,
  );
  return { config, repo: `${o.registry}/${repo}` };
}

export interface Proc {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  ms: number;
}

/** The bundled CLI in the scope, as a user's shell starts it; `during` may signal it. */
export function cli(
  s: Scope,
  args: string[],
  o: { stdin?: string; during?: (child: ChildProcess, out: () => string) => void } = {},
): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { cwd: s.dir, env: s.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.end(o.stdin ?? '');
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, out, ms: performance.now() - started }));
    o.during?.(child, () => out);
  });
}

/** Polls until `ok` holds; false after timeoutMs. */
export async function waitFor(ok: () => boolean, timeoutMs = 120_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (ok()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

function docker(s: Scope, args: string[]): string[] {
  const r = spawnSync(testEnv().docker, args, { env: s.env, encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean) : [];
}

/** Whether a container of any ml-image run is running on the scope's engine (a smoke test in progress). */
export function smokeContainerRunning(s: Scope): boolean {
  return docker(s, ['ps', '-q', '--filter', `label=${RUN_LABEL}`, '--filter', 'status=running']).length > 0;
}

/** Everything a run can leave behind, as names; compared before and after a scenario. */
export function leftovers(s: Scope): Set<string> {
  const found = new Set<string>();
  const label = ['--filter', `label=${RUN_LABEL}`];
  for (const id of docker(s, ['ps', '-aq', ...label])) found.add(`container ${id}`);
  for (const id of docker(s, ['network', 'ls', '-q', ...label])) found.add(`network ${id}`);
  for (const id of docker(s, ['volume', 'ls', '-q', ...label])) found.add(`volume ${id}`);
  // A docker-container builder of a run outlives its record if only the record is removed.
  for (const n of docker(s, ['ps', '-a', '--filter', 'name=buildx_buildkit_ml-image-', '--format', '{{.Names}}']))
    found.add(`builder ${n}`);
  for (const n of docker(s, [
    'image',
    'ls',
    ...references(':ml-image-*'),
    '--filter',
    'reference=ml-image-setup/*',
    '--format',
    '{{.Repository}}:{{.Tag}}',
  ]))
    found.add(`image name ${n}`);
  for (const e of existsSync(s.tmp) ? readdirSync(s.tmp) : []) {
    if (e === 'ml-image-locks') for (const l of readdirSync(path.join(s.tmp, e))) found.add(`lock ${l}`);
    else found.add(`temp file ${e}`);
  }
  for (const e of existsSync(s.cacheDir) ? walk(s.cacheDir, 2) : [])
    if (/\.new-|\.old$/.test(e)) found.add(`half-written cache ${path.relative(s.cacheDir, e)}`);
  const userConfig = path.join(s.userDockerConfig, 'config.json');
  if (existsSync(userConfig) && /"auths"\s*:\s*\{\s*"/.test(readFileSync(userConfig, 'utf8')))
    found.add("a login in the user's docker config");
  return found;
}

/** Reference filters for names of one to five path parts ending in `tail` (`*` does not cross a `/`). */
const references = (tail: string, head = ''): string[] =>
  [1, 2, 3, 4, 5].flatMap((n) => ['--filter', `reference=${head}${Array(n).fill('*').join('/')}${tail}`]);

/** Removes the images a scenario built (named rel/…, with or without a registry). */
export function removeImages(s: Scope): void {
  const names = docker(s, [
    'image',
    'ls',
    '--filter',
    'reference=rel/*',
    ...references('', '*/rel/').slice(0, 6),
    '--format',
    '{{.Repository}}:{{.Tag}}',
  ]);
  if (names.length)
    spawnSync(testEnv().docker, ['image', 'rm', ...new Set(names)], { env: s.env, stdio: 'ignore', timeout: 60_000 });
}

function walk(dir: string, depth: number): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    out.push(p);
    if (depth > 1 && statSync(p, { throwIfNoEntry: false })?.isDirectory()) out.push(...walk(p, depth - 1));
  }
  return out;
}

/** Occurrences of `secret` in captured text and in every file under the given roots. */
export function secretsFound(secret: string, texts: readonly string[], roots: readonly string[]): string[] {
  const where: string[] = [];
  texts.forEach((t, i) => t.includes(secret) && where.push(`captured output ${i + 1}`));
  const visit = (p: string, depth: number): void => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      if (depth > 0) for (const e of readdirSync(p)) visit(path.join(p, e), depth - 1);
    } else if (st.isFile() && st.size < 16 << 20 && readFileSync(p).includes(secret)) where.push(p);
  };
  for (const r of roots) visit(r, 8);
  return where;
}

/**
 * Pushed references the run reported, by reference: `pushed ref@digest` after its own smoke test, or
 * `tagged ref@digest` on the fast path (a digest whose test record the run found and checked).
 */
export function reportedPushes(out: string): Map<string, string> {
  return new Map([...out.matchAll(/(?:pushed|tagged) (\S+)@(sha256:[a-f0-9]{64})/g)].map((m) => [m[1], m[2]]));
}

/**
 * Problems with the registry after a run: every tag of the repository must be one the run reported pushing
 * (after its smoke test passed) with that digest, and `want` lists the tags that must be there.
 */
export function registryProblems(repo: string, out: string, want: readonly string[]): string[] {
  const reported = reportedPushes(out);
  const tags = imageTags(repo);
  const problems: string[] = [];
  for (const t of tags) {
    const ref = `${repo}:${t}`;
    const digest = inspectRemote(ref).digest;
    if (reported.get(ref) !== digest)
      problems.push(`${ref} points at ${digest.slice(0, 19)}…, not an image the run tested and reported`);
  }
  const missing = want.filter((t) => !tags.includes(t));
  if (missing.length) problems.push(`not in the registry: ${missing.join(', ')}`);
  return problems;
}

/** Adds a row to the table run.mjs prints. */
export function record(row: Row): void {
  mkdirSync(path.dirname(ROWS), { recursive: true });
  appendFileSync(ROWS, JSON.stringify(row) + '\n');
}

export const lastLines = (out: string, n = 6): string => out.trim().split('\n').slice(-n).join('\n');
