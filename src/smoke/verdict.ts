// Pure judgement of smoke-test results: given what a command printed or what an HTTP endpoint answered,
// say whether the check passed and, if not, exactly why: a one-line message for logs, and what was
// expected next to what came, for the job summary.
import type { CommandCheckConfig, HttpCheckConfig } from '../config/types.js';

export interface CheckFailure {
  /** Why, for the log line (a command's output tail on the following lines). */
  message: string;
  expected: string;
  actual: string;
}

export interface CommandOutcome {
  exitCode: number;
  output: string;
  timedOut: boolean;
}

export function commandFailure(check: CommandCheckConfig, outcome: CommandOutcome): CheckFailure | undefined {
  const expected = [`exit code ${check.expectExitCode}`, ...check.expectOutput.map((re) => `output matching /${re}/`)].join(', ');
  if (outcome.timedOut) {
    return { message: `timed out after ${check.timeoutMs / 1000}s`, expected: `${expected}, within ${check.timeoutMs / 1000}s`, actual: `still running after ${check.timeoutMs / 1000}s` };
  }
  const reasons: string[] = [];
  if (outcome.exitCode !== check.expectExitCode) reasons.push(`exit code ${outcome.exitCode} (expected ${check.expectExitCode})`);
  const missing = check.expectOutput.filter((re) => !new RegExp(re, 'm').test(outcome.output));
  if (missing.length > 0) reasons.push(`output did not match ${missing.map((r) => `/${r}/`).join(', ')}`);
  if (reasons.length === 0) return undefined;
  return {
    message: `${reasons.join('; ')}\n${lastLines(outcome.output, 10)}`,
    expected,
    actual: `exit code ${outcome.exitCode}, output (last 10 lines):\n${outcome.output.trimEnd().split('\n').slice(-10).join('\n') || '(empty)'}`,
  };
}

export interface HttpOutcome {
  status: number;
  body: string;
}

export function httpFailure(check: HttpCheckConfig, outcome: HttpOutcome): CheckFailure | undefined {
  const reasons: string[] = [];
  if (outcome.status !== check.expectStatus) reasons.push(`status ${outcome.status} (expected ${check.expectStatus})`);
  if (check.expectBody !== undefined && !new RegExp(check.expectBody, 'm').test(outcome.body)) {
    reasons.push(`body did not match /${check.expectBody}/`);
  }
  if (reasons.length === 0) return undefined;
  const body = truncate(outcome.body, 300);
  return {
    message: `${reasons.join('; ')}; body: ${body}`,
    expected: `${check.method} ${check.path} → status ${check.expectStatus}${check.expectBody !== undefined ? `, body matching /${check.expectBody}/` : ''}`,
    actual: `status ${outcome.status}, body: ${body}`,
  };
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).map((l) => `    | ${l}`).join('\n');
}

function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max) + '…' : flat || '(empty)';
}
