// Which registry failures are worth another attempt, the bounded exponential backoff between attempts, and
// the one loop that applies them (withRetries) to login, push and the copy to a further repository: a 5xx,
// a reset connection or a timeout may pass; the registry saying no (401/403, a name or manifest it
// refuses) will not, so it is not retried.
import { MlImageError } from '../errors.js';
import { seconds, type Logger } from '../log/log.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Wait before the second attempt; doubled each time, up to maxMs. */
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseMs: 1_000, maxMs: 15_000 };

// A 4xx other than 408 (timeout) and 429 (rate limit) is the registry refusing the request itself.
const PERMANENT =
  /\bstatus:? 4(?!08|29)\d\d\b|\b4(?!08|29)\d\d (?:bad request|not found|method not allowed|conflict)|unauthorized|denied|authentication required|forbidden|\b40[13]\b|name unknown|name invalid|invalid reference format|manifest invalid|tag invalid|repository name must be lowercase|incorrect username or password/i;

export type FailureKind = 'transient' | 'permanent';

/**
 * A failed login or push's output, classified. Only the registry's refusals are permanent; anything else
 * (5xx, resets, timeouts, rate limits, a lost upload session, an engine error without detail) gets the
 * bounded retries, which cost seconds where giving up could cost a release.
 */
export function classifyFailure(output: string): FailureKind {
  return PERMANENT.test(output) ? 'permanent' : 'transient';
}

/** The wait before attempt `next` (2, 3, …). */
export function backoffMs(policy: RetryPolicy, next: number): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** (next - 2));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

/** One attempt's result: its value, or its failure (the output to classify and a one-line reason). */
export type AttemptResult<T> = { value: T } | { failure: { output: string; why: string; transient?: boolean } };

export interface RetryOptions {
  policy: RetryPolicy;
  log: Logger;
  signal?: AbortSignal;
  /** The error's subject, e.g. "push to ghcr.io": "<failed> failed after 4 attempts: <why>". */
  failed: string;
  /** The warning's subject, e.g. "push of ghcr.io/acme/x:1": "<retrying> failed (attempt 1/4: …); retrying in 1s". */
  retrying: string;
}

/**
 * Runs `attempt` until it gives a value, the failure is a refusal, the attempts are used up or the run is
 * cancelled; warns before each retry and waits the backoff (cut short by cancellation).
 */
export async function withRetries<T>(attempt: (n: number) => Promise<AttemptResult<T>>, o: RetryOptions): Promise<T> {
  for (let n = 1; ; n++) {
    const r = await attempt(n);
    if ('value' in r) return r.value;
    const { output, why, transient } = r.failure;
    const kind = transient ? 'transient' : classifyFailure(output);
    if (kind === 'permanent' || n >= o.policy.attempts || o.signal?.aborted) {
      const tries = n > 1 ? ` after ${n} attempts` : kind === 'permanent' ? ' (not retried: the registry refused)' : '';
      throw new MlImageError(`${o.failed} failed${tries}: ${why}`);
    }
    const wait = backoffMs(o.policy, n + 1);
    o.log.warn(
      `${o.retrying} failed (attempt ${n}/${o.policy.attempts}: ${why.split('\n').pop()}); retrying in ${seconds(wait)}`,
    );
    await sleep(wait, o.signal);
  }
}
