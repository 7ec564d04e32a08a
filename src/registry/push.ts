// Pushes a tested image under its registry references and reports the manifest digest of each push.
import type { Docker } from '../docker/docker.js';
import { MlImageError } from '../errors.js';
import { tailOf } from '../process/run.js';
import { seconds, type Logger } from '../report/log.js';
import type { Login } from './auth.js';

export interface PushedRef {
  ref: string;
  digest: string;
}

/** `docker push` ends with "<tag>: digest: sha256:… size: N". */
export function parsePushDigest(output: string): string | undefined {
  const matches = [...output.matchAll(/digest: (sha256:[a-f0-9]{64})/g)];
  return matches.pop()?.[1];
}

/** Failures a retry cannot fix: the registry said no. */
export function isPermanentPushError(output: string): boolean {
  return /unauthorized|denied|authentication required|forbidden|name unknown|manifest invalid/i.test(output);
}

export interface PushOptions {
  attempts?: number;
  backoffMs?: number;
  signal?: AbortSignal;
  /** Told about each reference as it lands, so a failure later still reports what did land. */
  onPushed?: (pushed: PushedRef) => void;
}

export async function pushImage(
  docker: Docker,
  imageId: string,
  refs: readonly string[],
  auth: Login,
  log: Logger,
  options: PushOptions = {},
): Promise<PushedRef[]> {
  const pushed: PushedRef[] = [];
  for (const ref of refs) {
    await docker.ok(['tag', imageId, ref], `tag ${ref}`);
    const one = { ref, digest: await pushOne(docker, ref, auth, log, options) };
    pushed.push(one);
    options.onPushed?.(one);
  }
  return pushed;
}

async function pushOne(docker: Docker, ref: string, auth: Login, log: Logger, options: PushOptions): Promise<string> {
  const attempts = options.attempts ?? 3;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const r = await docker.call(['push', ref], { configDir: auth.configFor(ref), stream: true, signal: options.signal, timeoutMs: 30 * 60_000 });
    const output = `${r.stdout}\n${r.stderr}`;
    if (r.exitCode === 0) {
      const digest = parsePushDigest(output);
      if (!digest) throw new MlImageError(`push of ${ref} reported no digest`);
      log.info(`pushed ${ref}@${digest} (${seconds(Date.now() - started)})`);
      return digest;
    }
    if (attempt >= attempts || isPermanentPushError(output) || options.signal?.aborted) {
      throw new MlImageError(`push of ${ref} failed: ${tailOf(r, 3)}`);
    }
    const wait = (options.backoffMs ?? 2_000) * 2 ** (attempt - 1);
    log.warn(`push of ${ref} failed (attempt ${attempt}/${attempts}), retrying in ${wait / 1000}s`);
    await new Promise((res) => setTimeout(res, wait));
  }
}
