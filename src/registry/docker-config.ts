// The caller's docker config (DOCKER_CONFIG or ~/.docker/config.json): logins made by earlier steps
// (docker/login-action, amazon-ecr-login, credential helpers) must keep working for registries this run has
// no credentials for, both for the engine (the private config starts as a copy) and for the registry
// client (credentials read from it, after this run's own: auth.ts's registryClientFor). Credentials for the
// hosts this run logs in to are kept out of any helper or store of the caller's: the copy names no helper
// for them, so they stay in the private file.
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Env } from '../meta/context.js';
import type { Exec } from '../process/exec.js';
import type { Credentials } from './client.js';

interface ConfigFile {
  auths?: Record<string, { auth?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
  [key: string]: unknown;
}

export function ambientConfigDir(env: Env): string {
  return env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
}

function readConfig(dir: string): ConfigFile {
  const file = path.join(dir, 'config.json');
  if (!existsSync(file)) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as ConfigFile) : {};
  } catch {
    return {};
  }
}

/** The names a host goes by in config.json: Docker Hub's login is keyed by its v1 URL. */
const keysOf = (host: string): string[] =>
  host === 'docker.io' ? ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io'] : [host, `https://${host}`];

/**
 * Writes the private config: the caller's, minus the credentials of `hosts`, with an empty helper for each
 * of them (the docker CLI then keeps their logins in this file, which is removed at the end).
 */
export async function seedPrivateConfig(privateDir: string, env: Env, hosts: readonly string[]): Promise<void> {
  const config = readConfig(ambientConfigDir(env));
  const auths = { ...(config.auths ?? {}) };
  const credHelpers = { ...(config.credHelpers ?? {}) };
  for (const host of hosts) {
    for (const k of keysOf(host)) delete auths[k];
    for (const k of keysOf(host)) credHelpers[k] = '';
  }
  await writeFile(path.join(privateDir, 'config.json'), JSON.stringify({ ...config, auths, credHelpers }, null, 2), {
    mode: 0o600,
  });
}

/** Credentials for a host from a docker config dir: a stored login, or its credential helper. */
export async function configCredentials(dir: string, host: string, exec: Exec): Promise<Credentials | undefined> {
  const config = readConfig(dir);
  for (const k of keysOf(host)) {
    const helper = config.credHelpers?.[k];
    if (helper === '') break;
    if (helper) return helperCredentials(helper, k, exec);
  }
  for (const k of keysOf(host)) {
    const auth = config.auths?.[k]?.auth;
    if (!auth) continue;
    const text = Buffer.from(auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon > 0) return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  return config.credsStore ? helperCredentials(config.credsStore, keysOf(host)[0], exec) : undefined;
}

async function helperCredentials(helper: string, serverUrl: string, exec: Exec): Promise<Credentials | undefined> {
  const r = await exec(`docker-credential-${helper}`, ['get'], { input: serverUrl, timeoutMs: 30_000 });
  if (r.exitCode !== 0) return undefined;
  try {
    const parsed = JSON.parse(r.stdout) as { Username?: string; Secret?: string };
    return parsed.Username && parsed.Secret ? { username: parsed.Username, password: parsed.Secret } : undefined;
  } catch {
    return undefined;
  }
}
