// Pure judgement of smoke-test results: given what a command printed or what an HTTP endpoint answered,
// say whether the check passed and, if not, exactly why: a one-line message for logs, and what was
// expected next to what came, for the job summary.
import type { CommandCheckConfig, Dialect, HttpCheckConfig } from '../config/types.js';
import { regexFlags } from './check-model.js';

export interface CheckFailure {
  /** Why, for the log line (a command's output tail on the following lines). */
  message: string;
  expected: string;
  actual: string;
}

export interface CommandOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** What a command check looks at: the config's check, or a container-structure-test one (stdout alone). */
export type CommandExpectation = Pick<
  CommandCheckConfig,
  'expectExitCode' | 'expectOutput' | 'excludeOutput' | 'expectError' | 'excludeError' | 'timeoutMs'
> & {
  streams?: 'combined' | 'separate';
  dialect?: Dialect;
};

export function commandFailure(check: CommandExpectation, outcome: CommandOutcome): CheckFailure | undefined {
  const separate = check.streams === 'separate';
  const out = separate ? 'stdout' : 'output';
  const expected = [
    `exit code ${check.expectExitCode}`,
    ...check.expectOutput.map((re) => `${out} matching /${re}/`),
    ...check.excludeOutput.map((re) => `${out} not matching /${re}/`),
    ...check.expectError.map((re) => `stderr matching /${re}/`),
    ...check.excludeError.map((re) => `stderr not matching /${re}/`),
  ].join(', ');
  const output = separate ? outcome.stdout : joinStreams(outcome.stdout, outcome.stderr);
  if (outcome.timedOut) {
    return {
      message: `timed out after ${check.timeoutMs / 1000}s`,
      expected: `${expected}, within ${check.timeoutMs / 1000}s`,
      actual: `still running after ${check.timeoutMs / 1000}s`,
    };
  }
  const reasons: string[] = [];
  if (outcome.exitCode !== check.expectExitCode)
    reasons.push(`exit code ${outcome.exitCode} (expected ${check.expectExitCode})`);
  const test = (re: string, text: string) => new RegExp(re, regexFlags(check.dialect)).test(text);
  const missing = check.expectOutput.filter((re) => !test(re, output));
  if (missing.length > 0) reasons.push(`${out} did not match ${missing.map((r) => `/${r}/`).join(', ')}`);
  const present = check.excludeOutput.filter((re) => test(re, output));
  if (present.length > 0) reasons.push(`${out} matched excluded ${present.map((r) => `/${r}/`).join(', ')}`);
  const errMissing = check.expectError.filter((re) => !test(re, outcome.stderr));
  if (errMissing.length > 0) reasons.push(`stderr did not match ${errMissing.map((r) => `/${r}/`).join(', ')}`);
  const errPresent = check.excludeError.filter((re) => test(re, outcome.stderr));
  if (errPresent.length > 0) reasons.push(`stderr matched excluded ${errPresent.map((r) => `/${r}/`).join(', ')}`);
  if (reasons.length === 0) return undefined;
  const shown = separate
    ? `stdout (last 10 lines):\n${tail(outcome.stdout)}\nstderr (last 10 lines):\n${tail(outcome.stderr)}`
    : `output (last 10 lines):\n${tail(output)}`;
  return {
    message: `${reasons.join('; ')}\n${lastLines(output, 10)}`,
    expected,
    actual: `exit code ${outcome.exitCode}, ${shown}`,
  };
}

const joinStreams = (stdout: string, stderr: string): string => `${stdout}\n${stderr}`;
const tail = (text: string): string => text.trimEnd().split('\n').slice(-10).join('\n') || '(empty)';

export interface HttpOutcome {
  status: number;
  body: string;
  /** How long the answer took. */
  ms?: number;
}

export function httpFailure(check: HttpCheckConfig, outcome: HttpOutcome): CheckFailure | undefined {
  const reasons: string[] = [];
  if (outcome.status !== check.expectStatus) reasons.push(`status ${outcome.status} (expected ${check.expectStatus})`);
  if (check.expectBody !== undefined && !new RegExp(check.expectBody, 'm').test(outcome.body)) {
    reasons.push(`body did not match /${check.expectBody}/`);
  }
  if (check.expectJson !== undefined) {
    let parsed: unknown;
    let why: string | undefined;
    try {
      parsed = JSON.parse(outcome.body);
      why = jsonMismatch(check.expectJson, parsed, '$');
    } catch {
      why = 'the body is not JSON';
    }
    if (why) reasons.push(`JSON ${why}`);
  }
  if (check.maxLatencyMs !== undefined && outcome.ms !== undefined && outcome.ms > check.maxLatencyMs) {
    reasons.push(`took ${Math.round(outcome.ms)} ms (max-latency ${check.maxLatencyMs} ms)`);
  }
  if (reasons.length === 0) return undefined;
  const body = truncate(outcome.body, 300);
  const wants = [
    `status ${check.expectStatus}`,
    ...(check.expectBody !== undefined ? [`body matching /${check.expectBody}/`] : []),
    ...(check.expectJson !== undefined ? [`JSON containing ${JSON.stringify(check.expectJson)}`] : []),
    ...(check.maxLatencyMs !== undefined ? [`within ${check.maxLatencyMs} ms`] : []),
  ];
  return {
    message: `${reasons.join('; ')}; body: ${body}`,
    expected: `${check.method} ${check.path} → ${wants.join(', ')}`,
    actual: `status ${outcome.status}${outcome.ms !== undefined && check.maxLatencyMs !== undefined ? ` in ${Math.round(outcome.ms)} ms` : ''}, body: ${body}`,
  };
}

/**
 * Where `actual` fails to contain `expected`, as "at $.a[0]: expected 1, got 2"; undefined when it does.
 * Objects match by subset (extra keys allowed), arrays element by element with the same length, scalars exactly.
 */
export function jsonMismatch(expected: unknown, actual: unknown, at: string): string | undefined {
  const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `at ${at}: expected an array, got ${show(actual)}`;
    if (actual.length !== expected.length) return `at ${at}: expected ${expected.length} items, got ${actual.length}`;
    for (const [i, e] of expected.entries()) {
      const why = jsonMismatch(e, actual[i], `${at}[${i}]`);
      if (why) return why;
    }
    return undefined;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual))
      return `at ${at}: expected an object, got ${show(actual)}`;
    for (const [k, e] of Object.entries(expected)) {
      if (!(k in actual)) return `at ${at}.${k}: missing (expected ${show(e)})`;
      const why = jsonMismatch(e, (actual as Record<string, unknown>)[k], `${at}.${k}`);
      if (why) return why;
    }
    return undefined;
  }
  return expected === actual ? undefined : `at ${at}: expected ${show(expected)}, got ${show(actual)}`;
}

function lastLines(text: string, n: number): string {
  return text
    .trimEnd()
    .split('\n')
    .slice(-n)
    .map((l) => `    | ${l}`)
    .join('\n');
}

function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max) + '…' : flat || '(empty)';
}
