// Pure judgement of smoke-test results: given what a command printed or what an HTTP endpoint answered,
// say whether the check passed and, if not, exactly why.
import type { CommandCheckConfig, HttpCheckConfig } from '../config/types.js';

export interface CommandOutcome {
  exitCode: number;
  output: string;
  timedOut: boolean;
}

export function commandFailure(check: CommandCheckConfig, outcome: CommandOutcome): string | undefined {
  if (outcome.timedOut) return `timed out after ${check.timeoutMs / 1000}s`;
  const reasons: string[] = [];
  if (outcome.exitCode !== check.expectExitCode) reasons.push(`exit code ${outcome.exitCode} (expected ${check.expectExitCode})`);
  const missing = check.expectOutput.filter((re) => !new RegExp(re, 'm').test(outcome.output));
  if (missing.length > 0) reasons.push(`output did not match ${missing.map((r) => `/${r}/`).join(', ')}`);
  if (reasons.length === 0) return undefined;
  return `${reasons.join('; ')}\n${lastLines(outcome.output, 10)}`;
}

export interface HttpOutcome {
  status: number;
  body: string;
}

export function httpFailure(check: HttpCheckConfig, outcome: HttpOutcome): string | undefined {
  const reasons: string[] = [];
  if (outcome.status !== check.expectStatus) reasons.push(`status ${outcome.status} (expected ${check.expectStatus})`);
  if (check.expectBody !== undefined && !new RegExp(check.expectBody, 'm').test(outcome.body)) {
    reasons.push(`body did not match /${check.expectBody}/`);
  }
  if (reasons.length === 0) return undefined;
  return `${reasons.join('; ')}; body: ${truncate(outcome.body, 300)}`;
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).map((l) => `    | ${l}`).join('\n');
}

function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max) + '…' : flat || '(empty)';
}
