// Shared helpers for integration tests: the real test environment (scripts/test-env.sh), scratch dirs
// inside the repository, registry inspection from the registry side (skopeo), and engine leftovers.
import { afterAll, beforeAll } from '@jest/globals';
import { execFileSync, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseExports, startRegistries, stopRegistries } from '../support/run-registries.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface TestEnv {
  /** The modern client (Docker 26 with buildx). */
  docker: string;
  /** A Docker 20.10 client driving the same engine's built-in BuildKit. */
  dockerLegacy: string;
  registry: string;
  authRegistry: string;
  authUser: string;
  authPassword: string;
  authCertDir: string;
  baseImage: string;
  /** The base as a linux/amd64 + linux/arm64 index in the plain registry (multi-platform builds). */
  multiBaseImage: string;
  /** A Node 24 binary: action.yml's runtime. */
  node24: string;
  /** The base image's root filesystem (gzipped tar), for a private engine of a test's own. */
  rootfsTar: string;
  /** The engine's binary, to start a private engine (test/support/private-engine.ts). */
  dockerd: string;
  /** A BuildKit image for docker-container builders (moby/buildkit cannot be pulled here), and its config. */
  buildkitImage: string;
  buildkitdConfig: string;
}

let cached: TestEnv | undefined;
/** The values a run's (or a file's) own registries replace, by the variable that names them. */
const REGISTRY_FIELDS = {
  ML_IMAGE_TEST_REGISTRY: 'registry',
  ML_IMAGE_TEST_AUTH_REGISTRY: 'authRegistry',
  ML_IMAGE_TEST_AUTH_CERT_DIR: 'authCertDir',
  ML_IMAGE_TEST_BUILDKITD_CONFIG: 'buildkitdConfig',
} as const;
type RegistryField = (typeof REGISTRY_FIELDS)[keyof typeof REGISTRY_FIELDS];

/** Reads the environment `npm test` brought up; fails loudly when it is not up. */
export function testEnv(): TestEnv {
  if (cached) return cached;
  const out = execFileSync('bash', [path.join(ROOT, 'scripts/test-env.sh'), 'env'], { encoding: 'utf8' });
  const vars = parseExports(out);
  // The test run's own registries (test/support/run-registries.mjs) replace the shared pair.
  if (process.env.ML_IMAGE_TEST_RUN_DIR)
    for (const k of Object.keys(REGISTRY_FIELDS)) if (process.env[k]) vars[k] = process.env[k]!;
  const get = (k: string) => {
    if (!vars[k]) throw new Error(`scripts/test-env.sh env did not print ${k}; run: bash scripts/test-env.sh up`);
    return vars[k];
  };
  cached = {
    docker: get('ML_IMAGE_TEST_DOCKER'),
    dockerLegacy: get('ML_IMAGE_TEST_DOCKER_LEGACY'),
    registry: get('ML_IMAGE_TEST_REGISTRY'),
    authRegistry: get('ML_IMAGE_TEST_AUTH_REGISTRY'),
    authUser: get('ML_IMAGE_TEST_AUTH_USER'),
    authPassword: get('ML_IMAGE_TEST_AUTH_PASSWORD'),
    authCertDir: get('ML_IMAGE_TEST_AUTH_CERT_DIR'),
    baseImage: get('ML_IMAGE_TEST_BASE_IMAGE'),
    multiBaseImage: get('ML_IMAGE_TEST_MULTI_BASE_IMAGE'),
    node24: get('ML_IMAGE_TEST_NODE24'),
    rootfsTar: get('ML_IMAGE_TEST_ROOTFS_TAR'),
    dockerd: get('ML_IMAGE_TEST_DOCKERD'),
    buildkitImage: get('ML_IMAGE_TEST_BUILDKIT_IMAGE'),
    buildkitdConfig: get('ML_IMAGE_TEST_BUILDKITD_CONFIG'),
  };
  return cached;
}

/**
 * For a test file that needs cold registries (it counts uploaded bytes): a plain and an auth registry of the
 * file's own, started before its tests and removed after them; testEnv() names them meanwhile.
 */
export function ownRegistries(): void {
  const env = testEnv();
  const fields = Object.entries(REGISTRY_FIELDS) as [keyof typeof REGISTRY_FIELDS, RegistryField][];
  const shared = Object.fromEntries(fields.map(([, f]) => [f, env[f]])) as Record<RegistryField, string>;
  const dir = mkdtempSync(path.join(os.tmpdir(), `ml-image-test-own-${uid()}-`));
  beforeAll(async () => {
    const vars = await startRegistries(dir);
    for (const [k, f] of fields) env[f] = vars[k]!;
  });
  afterAll(() => {
    stopRegistries(dir);
    Object.assign(env, shared);
  });
}

/**
 * A name part unique to one test: the test run's id (set by its global setup) and 3 random bytes, so that every
 * engine name a run makes is its own and is removed with the run (test/support/run-registries.mjs).
 */
export const uid = (): string => `${process.env.ML_IMAGE_TEST_RUN_ID ?? ''}${randomBytes(3).toString('hex')}`;

/** A scratch dir inside the repository (configs must live in the repo, like users' configs do). */
export function scratchDir(): string {
  const dir = path.join(ROOT, '.tmp', `it-${uid()}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function removeScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A scratch dir for one test file: made now, removed after the file's tests. */
export function scratchForFile(): string {
  const dir = scratchDir();
  afterAll(() => removeScratch(dir));
  return dir;
}

export function writeFile(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/**
 * A child process run without blocking this one: for a CLI run whose registry is a fault proxy living in
 * this test process (spawnSync would stop the proxy from answering).
 */
export function spawnAsync(
  file: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

export const TINY = path.join(ROOT, 'test/fixtures/tiny-service');

/** A git checkout of the tiny service (under svc/) whose commits carry one fixed date, FROM a pushed base. */
export interface TinyCheckout {
  dir: string;
  /** The test base image pushed to the plain registry, so that every builder resolves one base digest. */
  base: string;
  git(...args: string[]): void;
  remove(): void;
}

/** A fresh TinyCheckout, `prefix` naming its base's repository; git initialised, nothing committed yet. */
export function tinyCheckout(prefix: string, commitDate: string): TinyCheckout {
  const env = testEnv();
  const dir = scratchDir();
  cpSync(TINY, path.join(dir, 'svc'), { recursive: true });
  const base = `${env.registry}/it/${prefix}-base-${uid()}:bookworm`;
  execFileSync(env.docker, ['tag', env.baseImage, base]);
  execFileSync(env.docker, ['push', '--quiet', base]);
  const git = (...args: string[]): void => {
    execFileSync('git', args, {
      cwd: dir,
      env: { ...process.env, GIT_AUTHOR_DATE: commitDate, GIT_COMMITTER_DATE: commitDate },
    });
  };
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'ci@example.invalid');
  git('config', 'user.name', 'ci');
  return {
    dir,
    base,
    git,
    remove() {
      spawnSync(env.docker, ['image', 'rm', base]);
      removeScratch(dir);
    },
  };
}

/**
 * A config file in `dir` for the tiny fixture image on the test base image (or `base`): tagged latest (or `tags`),
 * `more` (YAML lines under the image, indented 4) and an optional push registry list.
 */
export function tinyConfig(
  dir: string,
  name: string,
  o: { more?: string; registries?: string[]; base?: string; tags?: string[] } = {},
): string {
  return writeFile(
    dir,
    `${uid()}.yml`,
    `version: 1
images:
  - name: ${name}
    context: ${path.relative(dir, TINY)}
    build-args: { BASE_IMAGE: "${o.base ?? testEnv().baseImage}" }
    tags: [${(o.tags ?? ['latest']).join(', ')}]
${o.more ?? ''}${o.registries ? `push:\n  registries: [${o.registries.join(', ')}]\n` : ''}`,
  );
}

/** What the registry itself says about a reference. */
export interface RegistryView {
  digest: string;
  tags: string[];
  labels: Record<string, string>;
}

function skopeo(args: string[], env: TestEnv, registry: string): SpawnSyncReturns<string> {
  const extra: string[] = [];
  let authFile: string | undefined;
  if (registry === env.authRegistry) {
    // An auth file rather than --creds: even test credentials stay out of process listings.
    authFile = path.join(os.tmpdir(), `skopeo-auth-${uid()}.json`);
    const auth = Buffer.from(`${env.authUser}:${env.authPassword}`).toString('base64');
    writeFileSync(authFile, JSON.stringify({ auths: { [registry]: { auth } } }), { mode: 0o600 });
    extra.push('--authfile', authFile, '--cert-dir', env.authCertDir);
  } else {
    extra.push('--tls-verify=false');
  }
  try {
    const [verb, ...rest] = args;
    return spawnSync('skopeo', [verb, ...extra, ...rest], { encoding: 'utf8' });
  } finally {
    if (authFile) rmSync(authFile, { force: true });
  }
}

/**
 * The image tags of a repository: its tags without the registry cache references (`:buildcache…`), which
 * BuildKit writes during the build (cache, not images; see README's cache section).
 */
/** The repository's image tags: not its registry cache, nor the test records' referrers tags (sha256-<hex>). */
export function imageTags(repo: string): string[] {
  // Not images: the registry cache, test records (sha256-<hex>) and build keys (mlimage-key-<hex>).
  return remoteTags(repo).filter(
    (t) => !t.startsWith('buildcache') && !/^sha256-[a-f0-9]{64}$/.test(t) && !t.startsWith('mlimage-key-'),
  );
}

export function inspectRemote(ref: string): RegistryView {
  const env = testEnv();
  const registry = ref.slice(0, ref.indexOf('/'));
  const r = skopeo(['inspect', `docker://${ref}`], env, registry);
  if (r.status !== 0) throw new Error(`skopeo inspect ${ref}: ${r.stderr}`);
  const data = JSON.parse(r.stdout) as { Digest: string; RepoTags: string[]; Labels: Record<string, string> | null };
  return { digest: data.Digest, tags: [...data.RepoTags].sort(), labels: data.Labels ?? {} };
}

/** The layer digests (compressed, as stored) of the image a reference names, for this machine's platform. */
export function layersOf(ref: string): string[] {
  const env = testEnv();
  const registry = ref.slice(0, ref.indexOf('/'));
  const r = skopeo(['inspect', `docker://${ref}`], env, registry);
  if (r.status !== 0) throw new Error(`skopeo inspect ${ref}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { Layers: string[] }).Layers;
}

/** Tags of a repository in the registry; [] when the repository does not exist. */
export function remoteTags(repo: string): string[] {
  const env = testEnv();
  const registry = repo.slice(0, repo.indexOf('/'));
  const r = skopeo(['list-tags', `docker://${repo}`], env, registry);
  if (r.status !== 0) {
    if (/name unknown|repository name not known|not found|404/i.test(r.stderr)) return [];
    throw new Error(`skopeo list-tags ${repo}: ${r.stderr}`);
  }
  return [...(JSON.parse(r.stdout) as { Tags: string[] }).Tags].sort();
}

/** Containers (any state) carrying ml-image's run label for this run id. */
export function containersOfRun(runId: string): string[] {
  const out = execFileSync(testEnv().docker, ['ps', '-a', '-q', '--filter', `label=io.github.ml-image.run=${runId}`], {
    encoding: 'utf8',
  });
  return out.split('\n').filter(Boolean);
}

/** Every container, network and volume carrying the run label (any run id when none is given). */
export function labelledLeftovers(runId?: string): string[] {
  const label = `label=io.github.ml-image.run${runId ? `=${runId}` : ''}`;
  const list = (args: string[]) =>
    execFileSync(testEnv().docker, [...args, '--filter', label], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
  return [
    ...list(['ps', '-a', '-q']).map((id) => `container ${id}`),
    ...list(['network', 'ls', '-q']).map((id) => `network ${id}`),
    ...list(['volume', 'ls', '-q']).map((id) => `volume ${id}`),
  ];
}

/** Leftover private docker config dirs from logins. */
export function authDirsLeft(): string[] {
  return readdirSync(os.tmpdir()).filter((n) => n.startsWith('ml-image-auth-'));
}

/** Whether the user's own docker config holds a login for this registry (it must not, after a run). */
export function userConfigHasLogin(registry: string): boolean {
  const file = path.join(process.env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'), 'config.json');
  return existsSync(file) && execFileSync('cat', [file], { encoding: 'utf8' }).includes(registry);
}

/** Parses a GITHUB_OUTPUT / GITHUB_STATE file written by @actions/core (name<<delimiter blocks). */
export function parseCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([^\n<]+)<<(ghadelimiter_[^\n]+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1]] = m[3]!;
  return out;
}

/** Debian packages a build downloaded from the mirror, read from apt's "Get:N http://… python3-minimal amd64 …". */
export function debianDownloads(log: string): string[] {
  return [...log.matchAll(/Get:\d+ \S+ \S+ \S+ (\S+) (?:amd64|all) /g)].map((m) => m[1]);
}
