// Registry credentials: where they come from (a registry-auth YAML list, or one username/password for
// every push registry, then the caller's docker config for the registry client), and an isolated login. Logins go to a private temporary docker config dir, never
// to the user's ~/.docker; passwords travel on stdin, never in argv, and are masked in every log line.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import type { Docker } from '../docker/docker.js';
import { MlImageError } from '../errors.js';
import { isObject } from '../util/objects.js';
import { suggest } from '../util/suggest.js';
import type { Env } from '../meta/context.js';
import type { Logger } from '../log/log.js';
import type { Exec } from '../process/exec.js';
import { RegistryClient } from './client.js';
import { ambientConfigDir, configCredentials, seedPrivateConfig } from './docker-config.js';
import { DEFAULT_RETRY, withRetries, type RetryPolicy } from './retry.js';

export interface RegistryCredential {
  registry: string;
  username: string;
  password: string;
}

const AUTH_KEYS = ['registry', 'username', 'password'];
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** The host part of a push registry ("ghcr.io/acme" → "ghcr.io"), with Docker Hub's aliases folded. */
export function registryHost(registry: string): string {
  const host = registry
    .replace(/^[a-z]+:\/\//i, '')
    .split('/')[0]
    .toLowerCase();
  return DOCKER_HUB_ALIASES.has(host) ? 'docker.io' : host;
}

/** docker/login-action keys ml-image cannot honour; refused by name rather than ignored. */
const UNSUPPORTED_AUTH_KEYS: Record<string, string> = {
  ecr: 'log in to ECR with aws-actions/amazon-ecr-login before this step (its login is used for registries without credentials here)',
  scope: 'scoped buildx credentials are not supported; give the registry a username and password',
};

/**
 * Parses a registry-auth list in docker/login-action's shape: YAML `- registry: ghcr.io\n  username: u\n
 * password: p`, registry omitted meaning Docker Hub. Errors say which item is wrong and never echo a value,
 * since the text holds passwords.
 */
export function parseRegistryAuth(text: string, source: string): RegistryCredential[] {
  if (!text.trim()) return [];
  let data: unknown;
  try {
    data = parse(text);
  } catch {
    throw new MlImageError(`${source}: not valid YAML (expected a list of registry, username, password)`);
  }
  if (!Array.isArray(data)) throw new MlImageError(`${source}: expected a list of registry, username, password`);
  return data.map((item: unknown, i) => {
    if (!isObject(item))
      throw new MlImageError(`${source}[${i}]: expected a mapping with registry, username, password`);
    for (const key of Object.keys(item).filter((k) => !AUTH_KEYS.includes(k))) {
      if (UNSUPPORTED_AUTH_KEYS[key])
        throw new MlImageError(
          `${source}[${i}]: "${key}" (docker/login-action) is not supported: ${UNSUPPORTED_AUTH_KEYS[key]}`,
        );
      // Echo a key only when it is a near-miss of a real one: a token pasted without "password:" becomes a key.
      const hint = suggest(key, AUTH_KEYS);
      throw new MlImageError(
        `${source}[${i}]: ${hint ? `unknown key "${key}"${hint}` : 'unexpected key (only registry, username and password are allowed)'}`,
      );
    }
    // An empty or missing username or password is not an error yet: in a pull request from a fork the
    // secrets are empty, and a run that does not push needs no credentials (checkUsable says so when it does).
    const field = (key: string, fallback = '') => {
      const v = item[key] ?? fallback;
      // YAML would read 0123 as 123: a credential that is not a string is refused, not altered.
      if (typeof v !== 'string') throw new MlImageError(`${source}[${i}]: "${key}" must be a string (quote it)`);
      return v;
    };
    return { registry: field('registry') || 'docker.io', username: field('username'), password: field('password') };
  });
}

/**
 * The credential for each push registry host: an explicit registry-auth entry wins, then the shared
 * username/password. Hosts with neither push with the caller's own docker config.
 */
export function credentialsFor(
  registries: readonly string[],
  list: readonly RegistryCredential[],
  shared?: { username: string; password: string },
): RegistryCredential[] {
  const hosts = [...new Set(registries.map(registryHost))];
  return hosts.flatMap((host) => {
    const own = list.find((c) => registryHost(c.registry) === host);
    if (own) return [{ ...own, registry: host }];
    return shared ? [{ registry: host, ...shared }] : [];
  });
}

/**
 * Before anything is built, when the run pushes: every credential given for a push registry has both a
 * username and a password. Empty ones are what a pull request from a fork gets (no secrets).
 */
export function checkUsable(creds: readonly RegistryCredential[]): void {
  const bad = creds.filter((c) => !c.username || !c.password);
  if (bad.length === 0) return;
  const what = bad.map(
    (c) =>
      `${registryHost(c.registry)} (${!c.username && !c.password ? 'no username or password' : !c.password ? 'no password' : 'no username'})`,
  );
  throw new MlImageError(
    `cannot push: incomplete credentials for ${what.join(', ')}; empty secrets are what a pull request from a fork gets. Nothing was built.`,
  );
}

/** A registry client whose credentials are this run's first, then the caller's docker config (logins, helpers). */
export function registryClientFor(creds: readonly RegistryCredential[], env: Env, exec: Exec): RegistryClient {
  return new RegistryClient({
    credentialsFor: async (host) =>
      creds.find((c) => registryHost(c.registry) === host) ?? configCredentials(ambientConfigDir(env), host, exec),
  });
}

export interface Login {
  /** The private docker config dir holding the logins; undefined when nothing needed a login. */
  configDir?: string;
  hosts: Set<string>;
  /** The docker config dir to push a given registry with (undefined: the ambient one). */
  configFor(registry: string): string | undefined;
  /** A function value, not a method: it is handed on as a cleanup (Resources) and called unbound. */
  logout: () => Promise<void>;
}

export interface LoginOptions {
  /**
   * Log in to the caller's own docker config and stay logged in (docker/login-action with logout: false),
   * instead of a private config removed at the end.
   */
  keep?: boolean;
  /** The caller's environment: its docker config seeds the private one (earlier logins keep working). */
  env?: Env;
  retry?: RetryPolicy;
  signal?: AbortSignal;
}

export async function login(
  docker: Docker,
  creds: readonly RegistryCredential[],
  log: Logger,
  options: LoginOptions = {},
): Promise<Login> {
  const hosts = new Set<string>();
  if (creds.length === 0) return { hosts, configFor: () => undefined, logout: async () => {} };
  for (const c of creds) log.addSecret(c.password);
  const configDir = options.keep ? undefined : await mkdtemp(path.join(os.tmpdir(), 'ml-image-auth-'));
  if (configDir)
    await seedPrivateConfig(
      configDir,
      options.env ?? {},
      creds.map((c) => registryHost(c.registry)),
    );
  const logout = async () => {
    if (!configDir) return;
    for (const host of hosts) await docker.call(['logout', loginHost(host)], { configDir, timeoutMs: 30_000 });
    await rm(configDir, { recursive: true, force: true });
  };
  try {
    for (const c of creds) {
      const host = registryHost(c.registry);
      await loginOne(docker, c, host, configDir, log, options);
      hosts.add(host);
      log.info(
        `logged in to ${host} as ${c.username}${configDir ? '' : " in the job's docker config (logout: false; it stays logged in after this step)"}`,
      );
    }
  } catch (err: unknown) {
    await logout();
    throw err;
  }
  return {
    configDir,
    hosts,
    configFor: (registry) => (configDir && hosts.has(registryHost(registry)) ? configDir : undefined),
    logout,
  };
}

/** One login, retried on transient failures (a 5xx, a reset, a timeout); a refusal fails at once. */
async function loginOne(
  docker: Docker,
  c: RegistryCredential,
  host: string,
  configDir: string | undefined,
  log: Logger,
  options: LoginOptions,
): Promise<void> {
  await withRetries(
    async () => {
      const r = await docker.call(['login', loginHost(host), '--username', c.username, '--password-stdin'], {
        configDir,
        input: c.password,
        timeoutMs: 60_000,
        signal: options.signal,
      });
      if (r.exitCode === 0) return { value: undefined };
      const why = (
        (r.stderr.trim().split('\n').pop() ?? '') ||
        r.stdout.trim().split('\n').pop() ||
        `exit ${r.exitCode}`
      )
        .split(c.password)
        .join('***');
      return { failure: { output: `${r.stdout}\n${r.stderr}`, why } };
    },
    {
      policy: options.retry ?? DEFAULT_RETRY,
      log,
      signal: options.signal,
      failed: `login to ${host} as ${c.username}`,
      retrying: `login to ${host}`,
    },
  );
}

/** Docker Hub logins go to the client's default server name. */
function loginHost(host: string): string {
  return host === 'docker.io' ? 'https://index.docker.io/v1/' : host;
}
