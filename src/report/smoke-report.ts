// The smoke test's reports as files and text: JUnit XML (for GitHub test-report actions), a versioned JSON
// document, and a fixed-width console table. Pure functions over SmokeResults; the front ends decide where
// the text goes. Every report holds the same cleaned text: ANSI escapes and the control characters XML 1.0
// forbids are removed, so a container log cannot break a report or paint a terminal.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { seconds, tenths } from '../log/log.js';
import type { ImageResult } from './result.js';
import type { CheckResult, SmokeResult } from '../smoke/smoke-test.js';

/** One image's smoke test: `name` is image[:variant], or the image reference for `ml-image test`. */
export interface SmokeSuiteReport {
  name: string;
  result: SmokeResult;
}

type CheckVerdict = 'passed' | 'failed' | 'skipped';

/** The suites of a run's images, in plan order; images whose smoke test did not run are left out. */
export function smokeSuites(images: Pick<ImageResult, 'name' | 'variant' | 'smoke'>[]): SmokeSuiteReport[] {
  return images.flatMap((i) =>
    i.smoke ? [{ name: i.variant ? `${i.name}:${i.variant}` : i.name, result: i.smoke }] : [],
  );
}

/** A failure is never hidden: a check that did not pass failed, even if it also says why it was skipped. */
function verdict(c: CheckResult): CheckVerdict {
  return !c.passed ? 'failed' : c.skipped !== undefined ? 'skipped' : 'passed';
}

interface Counts {
  tests: number;
  failed: number;
  skipped: number;
  ms: number;
}

function counts(checks: CheckResult[]): Counts {
  const v = checks.map(verdict);
  return {
    tests: checks.length,
    failed: v.filter((x) => x === 'failed').length,
    skipped: v.filter((x) => x === 'skipped').length,
    ms: checks.reduce((sum, c) => sum + c.durationMs, 0),
  };
}

// CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \), then any other two-character escape.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-_]?/g;
// C0 controls but tab and newline, DEL, C1 controls, lone surrogates, and U+FFFE/U+FFFF.
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udfff]/gu;

/** Text as every report holds it: no ANSI escapes, no forbidden characters, newlines as \n. */
export function cleanText(text: string): string {
  return text.replace(ANSI, '').replace(/\r\n?/g, '\n').replace(FORBIDDEN, '');
}

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\n': '&#10;',
  '\t': '&#9;',
};

/** Element text: `>` is escaped too, so `]]>` cannot appear. */
function xmlText(text: string): string {
  return cleanText(text).replace(/[&<>"']/g, (ch) => XML_ESCAPES[ch]);
}

/** An attribute value: newlines and tabs as character references, which a parser keeps (a raw one becomes a space). */
function xmlAttr(text: string): string {
  return cleanText(text).replace(/[&<>"'\n\t]/g, (ch) => XML_ESCAPES[ch]);
}

const attrs = (pairs: [string, string | number | undefined][]): string =>
  pairs
    .filter((p): p is [string, string | number] => p[1] !== undefined)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');

const xmlTime = (ms: number): string => tenths(ms).toFixed(1);

const countAttrs = (c: Counts): [string, number | string][] => [
  ['tests', c.tests],
  ['failures', c.failed],
  ['errors', 0],
  ['skipped', c.skipped],
  ['time', xmlTime(c.ms)],
];

/** What a failed check expected, what came, and the container log: the <failure> element's body. */
function failureBody(c: CheckResult): string {
  const parts: string[] = [];
  if (c.expected !== undefined) parts.push(`expected:\n${c.expected}`);
  if (c.actual !== undefined) parts.push(`actual:\n${c.actual}`);
  if (c.log) parts.push(`container log (last lines):\n${c.log}`);
  return parts.join('\n\n');
}

function testcase(c: CheckResult): string[] {
  const open = `    <testcase${attrs([
    ['classname', c.kind],
    ['name', c.name],
    ['time', xmlTime(c.durationMs)],
    ['file', c.location?.file],
    ['line', c.location?.line],
  ])}`;
  const v = verdict(c);
  if (v === 'passed') return [`${open}/>`];
  const body = v === 'failed' ? xmlText(failureBody(c)) : '';
  const child =
    v === 'skipped'
      ? `      <skipped${attrs([['message', c.skipped]])}/>`
      : `      <failure${attrs([['message', c.message ?? 'failed']])}${body ? `>${body}</failure>` : '/>'}`;
  return [`${open}>`, child, '    </testcase>'];
}

// Why JUnit XML is written here rather than with junit-report-builder, npm's JUnit writer:
// test/unit/parity-junit.test.ts writes the same results both ways, parses both with fast-xml-parser and
// finds the same suites, cases, attributes, messages and bodies, hostile text included; but the library has
// no line on a case (mikepenz/action-junit-report annotates by it), no message on a skip and no time on the
// root, and a failure body with `]]>` twice comes out of it (xmlbuilder's CDATA) not well-formed. Its cost,
// measured with ncc and scripts/bundle.mjs's options: 807,715 bytes (its CommonJS build inlines lodash,
// xmlbuilder and make-dir) against 15,077 for this whole module, and 32-40 ms against 1.5-1.7 ms for the import and
// a first report (medians of 21). fast-xml-parser's XMLBuilder, already bundled, writes newlines and tabs
// raw in attributes and passes control characters through: cleanText and xmlAttr would stay anyway.
/**
 * JUnit XML as dorny/test-reporter and mikepenz/action-junit-report read it: a <testsuites> root, one
 * <testsuite> per image, one <testcase classname="kind"> per check (with file and line of the check in the
 * config when known), <failure> or <skipped> inside; times in seconds.
 */
export function junitXml(suites: SmokeSuiteReport[]): string {
  const total = counts(suites.flatMap((s) => s.result.checks));
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs([['name', 'ml-image smoke test'], ...countAttrs(total)])}>`,
  ];
  for (const s of suites) {
    lines.push(`  <testsuite${attrs([['name', s.name], ...countAttrs(counts(s.result.checks))])}>`);
    for (const c of s.result.checks) lines.push(...testcase(c));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}

/** The JSON report's version: raised when a field changes meaning or goes away, not when one is added. */
export const SMOKE_REPORT_VERSION = 1;

/**
 * A stable, versioned JSON document; fields in a fixed order, optional ones only when they apply. `runId` is
 * the value of the run label (io.github.ml-image.run) on every container, network and volume the test made,
 * so what a run left behind can be found by it.
 */
export function jsonReport(suites: SmokeSuiteReport[], runId?: string): string {
  const doc = {
    version: SMOKE_REPORT_VERSION,
    ...(runId ? { runId } : {}),
    passed: suites.every((s) => s.result.passed),
    suites: suites.map((s) => ({
      name: cleanText(s.name),
      passed: s.result.passed,
      checks: s.result.checks.map((c) => {
        const v = verdict(c);
        return {
          kind: c.kind,
          name: cleanText(c.name),
          result: v,
          seconds: tenths(c.durationMs),
          ...(v === 'failed' ? { message: cleanText(c.message ?? 'failed') } : {}),
          ...(v === 'failed' && c.expected !== undefined ? { expected: cleanText(c.expected) } : {}),
          ...(v === 'failed' && c.actual !== undefined ? { actual: cleanText(c.actual) } : {}),
          ...(v === 'skipped' ? { skipped: cleanText(c.skipped ?? '') } : {}),
        };
      }),
    })),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** The console table's width; no line is longer. */
export const TABLE_WIDTH = 120;
const MAX = { suite: 24, kind: 8, check: 32, result: 7, time: 8 } as const;
const GAP = '  ';
const MARK: Record<CheckVerdict, string> = { passed: '✓', failed: '✗', skipped: 'skipped' };

/** Widths count code points, so ✓ and … count one. */
const width = (s: string): number => [...s].length;
const pad = (s: string, n: number): string => s + ' '.repeat(Math.max(0, n - width(s)));
const padStart = (s: string, n: number): string => ' '.repeat(Math.max(0, n - width(s))) + s;

/** At most n code points; a cut one ends in '…'. */
export function truncate(text: string, n: number): string {
  const chars = [...text];
  if (chars.length <= n) return text;
  return n <= 0 ? '' : chars.slice(0, n - 1).join('') + '…';
}

/** One line: whitespace runs (newlines included) as one space. */
const oneLine = (text: string): string => cleanText(text).replace(/\s+/g, ' ').trim();

/**
 * A fixed-width table, one row per check: suite, kind, check, result (✓ / ✗ / skipped), time, and for a
 * failed check its message (for a skipped one, the reason) cut to fit TABLE_WIDTH; then the totals.
 */
export function consoleTable(suites: SmokeSuiteReport[]): string {
  const rows = suites.flatMap((s) =>
    s.result.checks.map((c) => {
      const v = verdict(c);
      const note = v === 'failed' ? (c.message ?? 'failed') : v === 'skipped' ? (c.skipped ?? '') : '';
      return {
        suite: oneLine(s.name),
        kind: c.kind,
        check: oneLine(c.name),
        result: MARK[v],
        time: seconds(c.durationMs),
        note: oneLine(note),
      };
    }),
  );
  const header = { suite: 'SUITE', kind: 'KIND', check: 'CHECK', result: 'RESULT', time: 'TIME', note: '' };
  const col = (key: keyof typeof MAX): number =>
    Math.min(MAX[key], Math.max(...[header, ...rows].map((r) => width(r[key]))));
  const w = { suite: col('suite'), kind: col('kind'), check: col('check'), result: col('result'), time: col('time') };
  const noteWidth = TABLE_WIDTH - (w.suite + w.kind + w.check + w.result + w.time + GAP.length * 5);
  const line = (r: typeof header): string =>
    [
      pad(truncate(r.suite, w.suite), w.suite),
      pad(truncate(r.kind, w.kind), w.kind),
      pad(truncate(r.check, w.check), w.check),
      pad(r.result, w.result),
      padStart(truncate(r.time, w.time), w.time),
      truncate(r.note, noteWidth),
    ]
      .join(GAP)
      .trimEnd();
  const total = counts(suites.flatMap((s) => s.result.checks));
  const passed = total.tests - total.failed - total.skipped;
  const summary = `${total.tests} check${total.tests === 1 ? '' : 's'}: ${passed} passed, ${total.failed} failed, ${total.skipped} skipped`;
  return [line(header), ...rows.map(line), summary].join('\n') + '\n';
}

/** Where the smoke-test reports go (CLI --junit/--json, Action junit-report/json-report). */
export interface SmokeReportFiles {
  junit?: string;
  json?: string;
}

/** Writes the reports asked for, paths relative to `cwd`. */
export function writeSmokeReports(
  files: SmokeReportFiles,
  suites: SmokeSuiteReport[],
  cwd: string,
  runId?: string,
): void {
  if (files.junit) writeFileSync(path.resolve(cwd, files.junit), junitXml(suites));
  if (files.json) writeFileSync(path.resolve(cwd, files.json), jsonReport(suites, runId));
}
