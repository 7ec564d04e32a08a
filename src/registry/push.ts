// Pushes a tested image under its registry references and reports the manifest digest of each push.
import type { Docker } from '../docker/docker.js';
import { MlImageError } from '../errors.js';
import { tailOf } from '../process/run.js';
import { seconds, type Logger } from '../report/log.js';
import { registryHost, type Login } from './auth.js';
import { backoffMs, classifyFailure, DEFAULT_RETRY, sleep, type RetryPolicy } from './retry.js';

export interface PushedRef {
  ref: string;
  digest: string;
  /** Not pushed again: an immutable release tag already held the same layers (push.immutable-tags). */
  kept?: boolean;
}

/** `docker push` ends with "<tag>: digest: sha256:… size: N". */
export function parsePushDigest(output: string): string | undefined {
  const matches = [...output.matchAll(/digest: (sha256:[a-f0-9]{64})/g)];
  return matches.pop()?.[1];
}

export interface PushOptions {
  retry?: RetryPolicy;
  signal?: AbortSignal;
  /** Told about each reference as it lands, so a failure later still reports what did land. */
  onPushed?: (pushed: PushedRef) => void;
}

/**
 * Tags and pushes each reference in order. A failure names the registry, what landed (with digests) and
 * what did not, so nothing is left half-tagged without saying so.
 */
export async function pushImage(
  docker: Docker,
  imageId: string,
  refs: readonly string[],
  auth: Login,
  log: Logger,
  options: PushOptions = {},
): Promise<PushedRef[]> {
  const pushed: PushedRef[] = [];
  for (const [i, ref] of refs.entries()) {
    try {
      await docker.ok(['tag', imageId, ref], `tag ${ref}`);
      const one = { ref, digest: await pushOne(docker, ref, auth, log, options) };
      pushed.push(one);
      options.onPushed?.(one);
    } catch (err: unknown) {
      const why = err instanceof Error ? err.message : String(err);
      const landed = pushed.length > 0 ? `landed: ${pushed.map((p) => `${p.ref}@${p.digest}`).join(', ')}` : 'nothing of this image landed';
      throw new MlImageError(`${why}; ${landed}; not pushed: ${refs.slice(i).join(', ')}`);
    }
  }
  return pushed;
}

async function pushOne(docker: Docker, ref: string, auth: Login, log: Logger, options: PushOptions): Promise<string> {
  const policy = options.retry ?? DEFAULT_RETRY;
  const started = Date.now();
  const registry = registryHost(ref);
  for (let attempt = 1; ; attempt++) {
    const r = await docker.call(['push', ref], { configDir: auth.configFor(ref), stream: true, signal: options.signal, timeoutMs: 30 * 60_000 });
    const output = `${r.stdout}\n${r.stderr}`;
    if (r.exitCode === 0) {
      const digest = parsePushDigest(output);
      if (!digest) throw new MlImageError(`push of ${ref} reported no digest`);
      log.info(`pushed ${ref}@${digest} (${seconds(Date.now() - started)}${attempt > 1 ? `, attempt ${attempt}` : ''})`);
      return digest;
    }
    const kind = r.timedOut ? 'transient' : classifyFailure(output);
    const why = tailOf(r, 3);
    if (kind === 'permanent' || attempt >= policy.attempts || options.signal?.aborted) {
      const tries = attempt > 1 ? ` after ${attempt} attempts` : kind === 'permanent' ? ' (not retried: the registry refused)' : '';
      throw new MlImageError(`push to ${registry} failed${tries}: ${why}`);
    }
    const wait = backoffMs(policy, attempt + 1);
    log.warn(`push of ${ref} failed (attempt ${attempt}/${policy.attempts}: ${why.split('\n').pop()}); retrying in ${seconds(wait)}`);
    await sleep(wait, options.signal);
  }
}
