// Which registry failures are worth another attempt, and the bounded exponential backoff between attempts.
// Shared by login and push: a 5xx, a reset connection or a timeout may pass; the registry saying no
// (401/403, a name or manifest it refuses) will not, so it is not retried.

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Wait before the second attempt; doubled each time, up to maxMs. */
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseMs: 1_000, maxMs: 15_000 };

// A 4xx other than 408 (timeout) and 429 (rate limit) is the registry refusing the request itself.
const PERMANENT = /\bstatus:? 4(?!08|29)\d\d\b|\b4(?!08|29)\d\d (?:bad request|not found|method not allowed|conflict)|unauthorized|denied|authentication required|forbidden|\b40[13]\b|name unknown|name invalid|invalid reference format|manifest invalid|tag invalid|repository name must be lowercase|incorrect username or password/i;

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
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
