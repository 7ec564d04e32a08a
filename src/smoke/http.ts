// The HTTP side of the smoke test: wait until the service answers its readiness probe, then send requests.
import type { HttpCheckConfig } from '../config/types.js';
import type { HttpOutcome } from './verdict.js';

export async function httpRequest(baseUrl: string, check: HttpCheckConfig, timeoutMs: number): Promise<HttpOutcome> {
  const headers: Record<string, string> = { ...check.headers };
  let body: string | undefined = check.body;
  if (check.json !== undefined) {
    body = JSON.stringify(check.json);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(baseUrl + check.path, {
    method: check.method,
    headers,
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, body: await res.text() };
}

export interface ReadyOptions {
  url: string;
  status: number;
  timeoutMs: number;
  /** Checked between attempts: a service that exited will never become ready. */
  stillRunning: () => Promise<boolean>;
  intervalMs?: number;
}

/** Resolves with undefined when ready, or with the reason it never got there. */
export async function waitReady(options: ReadyOptions): Promise<string | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(options.url, { signal: AbortSignal.timeout(Math.max(1, Math.min(5_000, deadline - Date.now()))) });
      await res.arrayBuffer();
      if (res.status === options.status) return undefined;
      last = `status ${res.status}`;
    } catch (err: unknown) {
      last = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    }
    if (!(await options.stillRunning())) return `the container exited before it was ready (last probe: ${last})`;
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 500));
  }
  return `not ready after ${options.timeoutMs / 1000}s (last probe: ${last})`;
}
