// Parity: our JUnit XML writer (junitXml in src/report/smoke-report.ts) against junit-report-builder, the npm
// library for writing JUnit reports. The same smoke-test results are written both ways, both documents are
// parsed with fast-xml-parser and compared as structures (suites, cases, their attributes, failure messages
// and bodies, skips), and both are held to XML 1.0's well-formedness rules, on ordinary results and on
// hostile text (control characters, ANSI escapes, quotes, `]]>`, CRLF, non-BMP characters, lone
// surrogates). The library is given text as every report holds it (cleanText: no ANSI escapes, no
// characters XML forbids), which is a policy of ours, not an XML writer's. Where they differ, the inputs are
// listed below with the reason and the difference is asserted. Ours stays (its header has the figures).
import { describe, expect, it } from '@jest/globals';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import junit, { type Builder } from 'junit-report-builder';
import { cleanText, junitXml, type SmokeSuiteReport } from '../../src/report/smoke-report.js';
import { tenths } from '../../src/log/log.js';
import type { CheckResult, SmokeResult } from '../../src/smoke/session.js';

// Its types declare an ES default export; the package is CommonJS, and its default is the builder itself.
const builder = junit as unknown as Builder;

const verdict = (c: CheckResult): 'passed' | 'failed' | 'skipped' =>
  !c.passed ? 'failed' : c.skipped !== undefined ? 'skipped' : 'passed';

function failureBody(c: CheckResult): string {
  const parts: string[] = [];
  if (c.expected !== undefined) parts.push(`expected:\n${c.expected}`);
  if (c.actual !== undefined) parts.push(`actual:\n${c.actual}`);
  if (c.log) parts.push(`container log (last lines):\n${c.log}`);
  return parts.join('\n\n');
}

/** The same report through junit-report-builder; `clean` applies our cleanText first, as junitXml does. */
function libraryXml(suites: SmokeSuiteReport[], clean = true): string {
  const text = clean ? cleanText : (s: string) => s;
  const b = builder.newBuilder().name('ml-image smoke test');
  for (const s of suites) {
    const ms = s.result.checks.reduce((n, c) => n + c.durationMs, 0);
    const suite = b.testSuite().name(text(s.name)).time(tenths(ms));
    for (const c of s.result.checks) {
      const t = suite.testCase().className(c.kind).name(text(c.name)).time(tenths(c.durationMs));
      // It has file but no line, and a skip without a message.
      if (c.location) t.file(c.location.file);
      const v = verdict(c);
      if (v === 'failed') {
        t.failure(text(c.message ?? 'failed'));
        const body = text(failureBody(c));
        if (body) t.stacktrace(body);
      }
      if (v === 'skipped') t.skipped();
    }
  }
  return b.build();
}

// Every XML 1.0 rule a report could break that fast-xml-parser's validator does not check.
const XML_CHAR = /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u;
const CDATA = /<!\[CDATA\[[\s\S]*?\]\]>/g;
const TAG = /<[?/]?[A-Za-z_](?:[^>"']|"[^"]*"|'[^']*')*>/g;

/** 'ok', or the first rule the document breaks. */
function wellFormed(xml: string): string {
  const v = XMLValidator.validate(xml);
  if (v !== true) return v.err.msg;
  if (!XML_CHAR.test(xml)) return 'a character XML 1.0 forbids';
  const outside = xml.replace(CDATA, '');
  if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(outside)) return 'a bare &';
  // A conforming parser turns a raw newline or tab in an attribute into a space.
  if ((outside.match(TAG) ?? []).some((tag) => /="[^"]*[\n\t]/.test(tag)))
    return 'a raw newline or tab in an attribute';
  const text = outside.replace(TAG, '');
  if (text.includes(']]>')) return ']]> in character data';
  if (text.includes('<')) return 'a raw < in character data';
  return 'ok';
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Attributes apart from child elements: an empty <skipped/> would otherwise read like one.
  attributesGroupName: '@',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  // Decodes numeric character references (&#10;, &#xA;), which both writers use for newlines in attributes.
  htmlEntities: true,
  isArray: (name) => name === 'testsuite' || name === 'testcase',
});

type Attrs = Record<string, string | number>;
interface Parsed {
  attrs: Attrs;
  suites: { attrs: Attrs; cases: { attrs: Attrs; failure?: { attrs: Attrs; text: string }; skipped?: Attrs }[] }[];
}

type Node = Record<string, unknown>;
/** An element's attributes, `time` as a number (ours writes 0.0 where the library writes 0). */
const attrsOf = (n: Node | string): Attrs =>
  Object.fromEntries(
    Object.entries(typeof n === 'string' ? {} : ((n['@'] as Record<string, string> | undefined) ?? {})).map(
      ([k, v]) => [k, k === 'time' ? Number(v) : v],
    ),
  );

function parse(xml: string): Parsed {
  const root = (parser.parse(xml) as Node).testsuites as Node;
  return {
    attrs: attrsOf(root),
    suites: ((root.testsuite as Node[] | undefined) ?? []).map((s) => ({
      attrs: attrsOf(s),
      cases: ((s.testcase as Node[] | undefined) ?? []).map((c) => {
        const failure = c.failure as Node | undefined;
        const skipped = c.skipped as Node | string | undefined;
        return {
          attrs: attrsOf(c),
          ...(failure !== undefined
            ? {
                failure: {
                  attrs: attrsOf(failure),
                  text:
                    typeof failure === 'string'
                      ? failure
                      : String((failure['#text'] as string | number | undefined) ?? ''),
                },
              }
            : {}),
          ...(skipped !== undefined ? { skipped: attrsOf(skipped) } : {}),
        };
      }),
    })),
  };
}

/** Ours without what the library cannot write: the root's time, a case's line, a skip's message. */
function withoutOursOnly(p: Parsed): Parsed {
  const { time: _time, ...root } = p.attrs;
  return {
    attrs: root,
    suites: p.suites.map((s) => ({
      attrs: s.attrs,
      cases: s.cases.map(({ attrs: { line: _line, ...attrs }, skipped, ...rest }) => ({
        attrs,
        ...rest,
        ...(skipped !== undefined ? { skipped: {} } : {}),
      })),
    })),
  };
}

const result = (checks: CheckResult[]): SmokeResult => ({ passed: checks.every((c) => c.passed), gpus: false, checks });

const ORDINARY: SmokeSuiteReport[] = [
  {
    name: 'acme/iris',
    result: result([
      { kind: 'command', name: 'import sklearn', passed: true, durationMs: 1234 },
      { kind: 'ready', name: '/health answers 200', passed: true, durationMs: 2050 },
      {
        kind: 'http',
        name: 'POST /predict',
        passed: false,
        durationMs: 310,
        message: 'status 500, expected 200',
        expected: 'POST /predict → status 200',
        actual: 'status 500\nbody: {"error": "boom"}',
        location: { file: 'ml-image.yml', line: 12, column: 9 },
      },
    ]),
  },
  {
    name: 'acme/llm:gpu',
    result: result([
      { kind: 'service', name: 'gpu inference', passed: true, durationMs: 0, skipped: 'no GPU on this runner' },
      { kind: 'file', name: '/app/server.py', passed: false, durationMs: 40, message: 'mode -rw-r--r--' },
    ]),
  },
];

/** Everything a container log or a config value could put in a report. */
const HOSTILE_LINES = [
  'C0 \u0000\u0001\u0008\u000b\u000c\u000e\u001f end',
  'DEL and C1 \u007f\u0085\u009b end',
  'ANSI \u001b[31mERROR\u001b[0m \u001b]8;;http://x\u0007link\u001b]8;;\u0007 end',
  `quotes "double" 'single' & ampersand <tag> a > b`,
  'CRLF\r\nand CR\rand tab\tend',
  'non-BMP 🤖 𝒳 end',
  'lone surrogates \ud800 and \udc00 end',
  'noncharacters \ufffe\uffff end',
];
const HOSTILE_TEXT = [...HOSTILE_LINES, 'one ]]> in it'].join('\n');
/** Without `]]>`: a failure body holds it once (from the log), as twice breaks junit-report-builder (below). */
const HOSTILE_NO_END = HOSTILE_LINES.join('\n');

const HOSTILE: SmokeSuiteReport[] = [
  {
    name: `acme/"hostile" <image> & ${HOSTILE_TEXT}`,
    result: result([
      {
        kind: 'command',
        name: `echo ${HOSTILE_TEXT}`,
        passed: false,
        durationMs: 1260,
        message: HOSTILE_TEXT,
        expected: HOSTILE_NO_END,
        actual: HOSTILE_NO_END,
        log: HOSTILE_TEXT,
        location: { file: 'dir "x"/ml-image.yml', line: 3, column: 5 },
      },
      { kind: 'service', name: HOSTILE_TEXT, passed: true, durationMs: 5, skipped: HOSTILE_TEXT },
      { kind: 'http', name: HOSTILE_TEXT, passed: true, durationMs: 7 },
    ]),
  },
];

describe('the well-formedness check itself', () => {
  it.each([
    ['<a>&nbsp;</a>', 'a bare &'],
    ['<a m="&"/>', 'a bare &'],
    ['<a>x]]>y</a>', ']]> in character data'],
    ['<a>\u0001</a>', 'a character XML 1.0 forbids'],
    ['<a x="1\n2"/>', 'a raw newline or tab in an attribute'],
    ['<a><![CDATA[x]]]]><![CDATA[>y]]>z]]></a>', ']]> in character data'],
    ['<a><b></a>', "Expected closing tag 'b' (opened in line 1, col 4) instead of closing tag 'a'."],
  ])('%j: %s', (xml, why) => expect(wellFormed(xml)).toBe(why));

  it('passes what is well-formed, CDATA and references included', () => {
    expect(wellFormed('<a m="x&#10;&quot;y">&lt;1 &amp; 2&gt; ]] > <![CDATA[a ]] b]]></a>')).toBe('ok');
  });
});

describe('ours and junit-report-builder write the same report', () => {
  it.each([
    ['ordinary results', ORDINARY],
    ['hostile text', HOSTILE],
  ] as const)('%s: both well-formed, and the same once parsed', (_, suites) => {
    const ours = junitXml(suites);
    const theirs = libraryXml(suites);
    expect(wellFormed(ours)).toBe('ok');
    expect(wellFormed(theirs)).toBe('ok');
    expect(withoutOursOnly(parse(ours))).toEqual(parse(theirs));
  });

  it('the hostile text reads back as cleanText made it: nothing lost but what XML forbids and ANSI escapes', () => {
    const back = parse(junitXml(HOSTILE));
    const clean = cleanText(HOSTILE_TEXT);
    expect(clean).toContain(`quotes "double" 'single' & ampersand <tag> a > b`);
    expect(clean).toContain('one ]]> in it');
    expect(clean).toContain('non-BMP 🤖 𝒳 end');
    expect(clean).toContain('ANSI ERROR link end');
    expect(back.suites[0].cases[0].failure!.attrs.message).toBe(clean);
    expect(back.suites[0].cases[0].failure!.text).toContain(`container log (last lines):\n${clean}`);
    expect(back.suites[0].cases[1].skipped).toEqual({ message: clean });
    expect(back.suites[0].attrs.name).toBe(cleanText(HOSTILE[0].name));
  });
});

describe('where they differ, and why', () => {
  it('what junit-report-builder cannot write: the root time, a case line (annotations), a skip message', () => {
    const ours = parse(junitXml(ORDINARY));
    const theirs = parse(libraryXml(ORDINARY));
    expect(ours.attrs.time).toBe(3.6);
    expect(theirs.attrs.time).toBeUndefined();
    expect(ours.suites[0].cases[2].attrs.line).toBe('12');
    expect(theirs.suites[0].cases[2].attrs.line).toBeUndefined();
    expect(ours.suites[1].cases[0].skipped).toEqual({ message: 'no GPU on this runner' });
    expect(theirs.suites[1].cases[0].skipped).toEqual({});
  });

  it('a body with "]]>" twice: junit-report-builder (xmlbuilder) splits only the first out of its CDATA, and the document breaks', () => {
    const twice: SmokeSuiteReport[] = [
      {
        name: 'acme/x',
        result: result([
          { kind: 'command', name: 'log', passed: false, durationMs: 1, message: 'm', log: 'a ]]> b ]]> c' },
        ]),
      },
    ];
    const theirs = libraryXml(twice);
    expect(wellFormed(theirs)).toBe(']]> in character data');
    expect(parse(theirs).suites[0].cases[0].failure!.text).not.toContain('a ]]> b ]]> c');
    const ours = junitXml(twice);
    expect(wellFormed(ours)).toBe('ok');
    expect(parse(ours).suites[0].cases[0].failure!.text).toContain('a ]]> b ]]> c');
  });

  it('junit-report-builder on its own (no cleanText) drops only what XML forbids: ANSI sequences leave "[31m", DEL and C1 controls stay', () => {
    const raw = libraryXml(HOSTILE, false);
    expect(wellFormed(raw)).toBe('ok');
    const message = String(parse(raw).suites[0].cases[0].failure!.attrs.message);
    expect(message).toContain('ANSI [31mERROR[0m');
    expect(message).toContain('\u007f\u0085\u009b');
    expect(message).not.toContain('\u0001');
  });

  // The other candidate, already in the bundle (the @actions/cache chunk, through @azure/core-xml): a
  // generic builder, which would leave cleanText and the attribute newlines to us all the same.
  it("fast-xml-parser's XMLBuilder writes a newline and a tab raw in an attribute and passes control characters through", () => {
    const xml = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_' }).build({
      failure: { '@_message': 'line 1\nline 2\tend', '#text': 'log \u0001\u001b[31m' },
    });
    expect(wellFormed(xml)).toBe('a character XML 1.0 forbids');
    expect(wellFormed(xml.replace(/[\u0001\u001b]/g, ''))).toBe('a raw newline or tab in an attribute');
  });
});
