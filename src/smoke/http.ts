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
  const started = performance.now();
  const outcome = await fetchWithTimeout(baseUrl + check.path, { method: check.method, headers, body }, timeoutMs);
  return { ...outcome, ms: performance.now() - started };
}

/**
 * fetch with a time limit. The limit is an ordinary (ref'd) timer on purpose: a pending fetch to a port
 * that accepted but never answers does not keep Node's event loop alive, and AbortSignal.timeout's
 * timer is unref'd, so without this the process would simply exit mid-check.
 */
export async function fetchWithTimeout(url: string, init: RequestInit, timeoutMs: number): Promise<HttpOutcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs);
  try {
    const res = await fetch(url, { ...init, signal: controller.signal });
    return { status: res.status, body: await res.text() };
  } finally {
    clearTimeout(timer);
  }
}

export interface ReadyOptions {
  url: string;
  status: number;
  /** A regular expression the answer's body must match too. */
  body?: string;
  timeoutMs: number;
  /** Checked between attempts: a service that exited will never become ready. */
  stillRunning: () => Promise<boolean>;
  intervalMs?: number;
}

/** Resolves with undefined when ready, or with the reason it never got there. */
export async function waitReady(options: ReadyOptions): Promise<string | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer';
  // Short first attempts: before the service listens, docker's port proxy accepts the connection and then
  // holds it, so a long per-attempt limit would be spent waiting on a dead socket. Growing limits still
  // let a slow health endpoint answer.
  let attemptMs = 1_000;
  let answered = false;
  while (Date.now() < deadline) {
    const limitMs = Math.max(1, Math.min(attemptMs, deadline - Date.now()));
    try {
      const res = await fetchWithTimeout(options.url, {}, limitMs);
      const bodyOk = options.body === undefined || new RegExp(options.body, 'm').test(res.body);
      if (res.status === options.status && bodyOk) return undefined;
      last =
        res.status === options.status
          ? `status ${res.status}, body not matching /${options.body}/`
          : `status ${res.status}`;
      answered = true;
    } catch (err: unknown) {
      // An attempt that the deadline cut short (on a loaded runner, a last one of 2 ms) says nothing about
      // the service: the answer before it ("status 503") is the reason the user needs.
      if (!(answered && limitMs < attemptMs)) last = errorText(err);
    }
    attemptMs = Math.min(attemptMs * 2, 8_000);
    if (!(await options.stillRunning())) return `the container exited before it was ready (last probe: ${last})`;
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
  }
  return `not ready after ${options.timeoutMs / 1000}s (last probe: ${last})`;
}

/** A failed fetch's reason: undici puts the useful part ("ECONNREFUSED", "other side closed") in `cause`. */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? err.cause.message : err.message;
}
