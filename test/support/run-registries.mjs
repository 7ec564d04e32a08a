// @ts-check
// Global setup and teardown of the projects that use the engine (integration, reliability): this test run
// gets a run id and a plain and a TLS + basic-auth registry of its own (scripts/test-env.sh run-registries,
// fresh storage under the run's temp dir), which replace the shared pair on 127.0.0.1:5000/5443 for every
// test (harness testEnv()). So no test sees blobs, tags or caches that `npm run example`, an earlier run or a
// concurrent run left, and the run's registry data goes with its directory. At the end the engine's image
// names of this run (those holding the run id or naming the run's registries) are removed in one call.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCRIPT = path.join(ROOT, 'scripts/test-env.sh');
const KEY = '__mlImageTestRunRegistries';

/** A port on 127.0.0.1 that nothing listens on now. @returns {Promise<number>} */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * The `export KEY=VALUE` lines scripts/test-env.sh prints (env, run-registries up), a single-quoted value unquoted.
 * @param {string} text @returns {Record<string, string>}
 */
export function parseExports(text) {
  return Object.fromEntries(
    [...text.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [String(m[1]), String(m[2]).replace(/^'(.*)'$/, '$1')]),
  );
}

/**
 * Starts a plain and a TLS + basic-auth registry with storage in `dir` on free loopback ports; returns the
 * `ML_IMAGE_TEST_*` values that name them (registries, the auth one's certs.d dir, a buildkitd.toml).
 * @param {string} dir @returns {Promise<Record<string, string>>}
 */
export async function startRegistries(dir) {
  for (let attempt = 1; ; attempt++) {
    const [plain, auth] = [await freePort(), await freePort()];
    const r = spawnSync('bash', [SCRIPT, 'run-registries', 'up', dir, String(plain), String(auth)], {
      encoding: 'utf8',
    });
    if (r.status === 0) return parseExports(r.stdout);
    stopRegistries(dir);
    // A port taken between the probe and the registry's bind: try other ports, twice.
    if (attempt === 3) throw new Error(`scripts/test-env.sh run-registries up failed:\n${r.stderr}`);
  }
}

/** Stops the registries of `dir` and removes it with their storage. @param {string} dir */
export function stopRegistries(dir) {
  spawnSync('bash', [SCRIPT, 'run-registries', 'down', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * Whether the run that owns `dir` is gone: the jest process in its owner.pid runs no more (a reused pid runs
 * something else). A directory without owner.pid (made by an older checkout, maybe running now) counts as
 * gone only when untouched for two hours. @param {string} dir @returns {boolean}
 */
export function ownerGone(dir) {
  try {
    const pid = readFileSync(path.join(dir, 'owner.pid'), 'utf8').trim();
    try {
      return !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('node');
    } catch {
      return true;
    }
  } catch {
    return Date.now() - statSync(dir).mtimeMs > 2 * 3600_000;
  }
}

/**
 * Directories under `dir` (itself included, two levels down) that hold registries of scripts/test-env.sh.
 * @param {string} dir @param {number} depth @returns {string[]}
 */
function registryDirs(dir, depth = 2) {
  const here = existsSync(path.join(dir, 'registry-plain.yml')) ? [dir] : [];
  if (depth === 0) return here;
  const subdirs = readdirSync(dir, { withFileTypes: true }).filter(
    (e) => e.isDirectory() && !e.name.endsWith('-storage'),
  );
  return [...subdirs.flatMap((e) => registryDirs(path.join(dir, e.name), depth - 1)), ...here];
}

/**
 * What killed runs left: a run stopped by a signal skips its teardown, and its registries (started with
 * setsid) keep serving. A run directory whose jest process is gone is removed with every registry in it (the
 * run's and those files started for themselves), their storage and their certs.d entries. A concurrent run's
 * directory has a live owner and stays.
 * @returns {number} how many run directories were removed
 */
export function sweepDeadRuns(parent = os.tmpdir()) {
  const dead = readdirSync(parent)
    .filter((n) => /^ml-image-test-r[0-9a-f]{6}-/.test(n))
    .map((n) => path.join(parent, n))
    .filter(ownerGone);
  for (const d of dead) {
    for (const r of registryDirs(d)) stopRegistries(r);
    rmSync(d, { recursive: true, force: true });
  }
  return dead.length;
}

export async function setup() {
  if (process.env.ML_IMAGE_TEST_RUN_DIR) return; // a parent run's registries (nested jest) stay in use
  const swept = sweepDeadRuns();
  if (swept)
    process.stderr.write(`removed ${swept} directories of earlier test runs that were killed before their teardown\n`);
  const runId = process.env.ML_IMAGE_TEST_RUN_ID ?? `r${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), `ml-image-test-${runId}-`));
  writeFileSync(path.join(dir, 'owner.pid'), `${process.pid}\n`);
  Object.assign(process.env, await startRegistries(dir));
  process.env.ML_IMAGE_TEST_RUN_ID = runId;
  process.env.ML_IMAGE_TEST_RUN_DIR = dir;
  /** @type {Record<string, unknown>} */ (globalThis)[KEY] = {
    dir,
    runId,
    registries: [process.env.ML_IMAGE_TEST_REGISTRY, process.env.ML_IMAGE_TEST_AUTH_REGISTRY],
  };
}

export async function teardown() {
  const run = /** @type {{ dir: string, runId: string, registries: string[] } | undefined} */ (
    /** @type {Record<string, unknown>} */ (globalThis)[KEY]
  );
  if (!run) return;
  const started = Date.now();
  const leaked = await sharedRepositoriesOf(run.runId);
  const images = removeRunImages(run.runId, run.registries);
  const mb = Number(spawnSync('du', ['-sm', run.dir], { encoding: 'utf8' }).stdout.split('\t')[0] ?? 0);
  for (const r of registryDirs(run.dir)) stopRegistries(r); // a file that crashed before its own afterAll left its pair
  process.stderr.write(
    `test run ${run.runId}: removed ${images.removed} image names (${images.via}) and its registries (${mb} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  delete process.env.ML_IMAGE_TEST_RUN_DIR;
  // A test that pushed to the example's registry instead of the run's (the broken-iris test's registry cache
  // once did, 75 MB a run) fails the run.
  if (leaked.length)
    throw new Error(`test run ${run.runId} wrote to the shared registry ${SHARED_PLAIN}: ${leaked.join(', ')}`);
}

const SHARED_PLAIN = '127.0.0.1:5000';

/** Repositories of the shared plain registry (the example's) whose name holds the run id. @param {string} runId */
async function sharedRepositoriesOf(runId) {
  /** @type {Response} */
  let res;
  try {
    res = await fetch(`http://${SHARED_PLAIN}/v2/_catalog?n=1000`, { signal: AbortSignal.timeout(10_000) });
  } catch {
    return []; // not running: nothing was written there
  }
  const body = /** @type {{ repositories?: string[] }} */ (await res.json());
  if (!res.ok || !body.repositories)
    throw new Error(`the catalog of ${SHARED_PLAIN} answered ${res.status}: ${JSON.stringify(body)}`);
  return body.repositories.filter((r) => r.includes(runId));
}

// The containerd that dockerd starts for itself (no system containerd here), whose namespace "moby" holds
// the engine's images on the containerd image store.
const ENGINE_CONTAINERD = '/var/run/docker/containerd/containerd.sock';
// How the engine names an image that lost its last tag, in containerd.
const DANGLING = 'moby-dangling@';

/**
 * Removes the engine's image names of this run: a name holding the run id, or naming one of its registries,
 * and the engine's dangling images (a tag that moved to a newer build leaves one; no run uses an image by an
 * ID alone, as every run holds a name of its own on what it tests). Through containerd where the engine
 * keeps its images there: `ctr images rm` drops the names at once and leaves the content to containerd's
 * garbage collector (40 distinct images: 0.12 s, against 13.6 s for one `docker image rm` of all of them,
 * which waits for each deletion); else one `docker image rm` per 200 names.
 * @param {string} runId @param {readonly string[]} registries
 * @returns {{ removed: number, via: string }}
 */
export function removeRunImages(runId, registries) {
  /** @param {string} n */
  const mine = (n) => n.includes(runId) || registries.some((r) => n.startsWith(`${r}/`)) || n.startsWith(DANGLING);
  const ctr = ['-a', ENGINE_CONTAINERD, '--timeout', '10s', '-n', 'moby', 'images'];
  const listed = spawnSync('ctr', [...ctr, 'ls', '-q'], { encoding: 'utf8', timeout: 20_000 });
  if (listed.status === 0) {
    const names = listed.stdout.split('\n').filter((n) => n && mine(n));
    for (let i = 0; i < names.length; i += 200)
      spawnSync('ctr', [...ctr, 'rm', ...names.slice(i, i + 200)], { stdio: 'ignore', timeout: 60_000 });
    return { removed: names.length, via: 'containerd' };
  }
  const docker = process.env.ML_IMAGE_TEST_DOCKER ?? '/usr/bin/docker';
  let names;
  try {
    names = execFileSync(docker, ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' }).split(
      '\n',
    );
  } catch {
    return { removed: 0, via: 'none' }; // no engine: nothing to remove
  }
  const gone = names.filter((n) => n && !n.endsWith(':<none>') && mine(n));
  for (let i = 0; i < gone.length; i += 200)
    spawnSync(docker, ['image', 'rm', '--force', ...gone.slice(i, i + 200)], { stdio: 'ignore' });
  spawnSync(docker, ['image', 'prune', '--force'], { stdio: 'ignore' });
  return { removed: gone.length, via: 'docker' };
}
