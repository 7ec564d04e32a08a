import { describe, expect, it } from '@jest/globals';
import {
  cleanText,
  consoleTable,
  jsonReport,
  junitXml,
  smokeSuites,
  TABLE_WIDTH,
  truncate,
  type SmokeSuiteReport,
} from '../../src/report/smoke-report.js';
import type { SmokeResult } from '../../src/smoke/smoke-test.js';

// A tiny XML 1.0 well-formedness check: allowed characters, one root, tags nested and closed, attributes
// quoted and unique, no raw newline or tab in an attribute, every & a known reference, no ]]> in text.
interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string): string {
  if (/&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)/.test(s))
    throw new Error(`a bare & in ${JSON.stringify(s)}`);
  return s.replace(/&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/g, (_, e: string) =>
    e.startsWith('#x')
      ? String.fromCodePoint(parseInt(e.slice(2), 16))
      : e.startsWith('#')
        ? String.fromCodePoint(Number(e.slice(1)))
        : ENTITIES[e],
  );
}

function parseXml(xml: string): XmlNode {
  if (/[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u.test(xml))
    throw new Error('a character XML 1.0 forbids');
  let rest = xml.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/, '');
  const doc: XmlNode = { name: '#document', attrs: {}, children: [], text: '' };
  const stack = [doc];
  const TAG = /^<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<\n\t]*")*)\s*(\/?)>/;
  while (rest.length > 0) {
    const lt = rest.indexOf('<');
    const text = lt < 0 ? rest : rest.slice(0, lt);
    if (text.includes(']]>')) throw new Error(']]> in text');
    const top = stack[stack.length - 1];
    if (top === doc && text.trim() !== '') throw new Error('text outside the root');
    top.text += decode(text);
    rest = rest.slice(text.length);
    if (rest.length === 0) break;
    const m = TAG.exec(rest);
    if (!m) throw new Error(`a bad tag at ${JSON.stringify(rest.slice(0, 40))}`);
    rest = rest.slice(m[0].length);
    const [, closing, name, attrText, selfClosing] = m;
    if (closing) {
      if (attrText || selfClosing || top.name !== name) throw new Error(`</${name}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const node: XmlNode = { name: name, attrs: {}, children: [], text: '' };
    for (const [, k, v] of attrText.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
      if (k in node.attrs) throw new Error(`duplicate attribute ${k}`);
      node.attrs[k] = decode(v);
    }
    if (top === doc && doc.children.length > 0) throw new Error('a second root');
    top.children.push(node);
    if (!selfClosing) stack.push(node);
  }
  if (stack.length !== 1) throw new Error(`<${stack[stack.length - 1].name}> is not closed`);
  if (doc.children.length !== 1) throw new Error('no root');
  return doc.children[0];
}

describe('the well-formedness check itself', () => {
  it.each([
    { xml: '<a>&</a>', why: 'a bare & in "&"' },
    { xml: '<a>&nbsp;</a>', why: 'a bare & in "&nbsp;"' },
    { xml: '<a><b></a>', why: '</a> closes <b>' },
    { xml: '<a>x]]>y</a>', why: ']]> in text' },
    { xml: '<a>\u0000</a>', why: 'a character XML 1.0 forbids' },
    { xml: '<a x="1\n2"/>', why: 'a bad tag at "<a x=\\"1\\n2\\"/>"' },
    { xml: '<a x="1" x="2"/>', why: 'duplicate attribute x' },
    { xml: '<a/><b/>', why: 'a second root' },
    { xml: '<a>', why: '<a> is not closed' },
  ])('rejects: $why', ({ xml, why }) => {
    expect(() => parseXml(xml)).toThrow(why);
  });

  it('decodes text and attributes', () => {
    expect(parseXml('<a m="x&#10;&quot;y&apos;">&lt;1 &amp; 2&gt;</a>')).toEqual({
      name: 'a',
      attrs: { m: 'x\n"y\'' },
      children: [],
      text: '<1 & 2>',
    });
  });
});

const passing: SmokeResult = {
  passed: true,
  gpus: false,
  checks: [
    { kind: 'command', name: 'import sklearn', passed: true, durationMs: 1234 },
    { kind: 'ready', name: '/health answers 200', passed: true, durationMs: 2050 },
    { kind: 'http', name: 'predict', passed: true, durationMs: 310 },
  ],
};

const LOG = 'Loading <model> & tokenizer\n\u001b[31mERROR\u001b[0m ]]> oops\u0000done\r\nlast line';

const failing: SmokeResult = {
  passed: false,
  gpus: false,
  checks: [
    { kind: 'command', name: 'python -c "import torch"', passed: true, durationMs: 840 },
    {
      kind: 'http',
      name: "POST /generate 'hello'",
      passed: false,
      durationMs: 1260,
      message: 'status 500, expected 200\nand more',
      expected: 'POST /generate → status 200\nbody matches "text"',
      actual: 'status 500\nbody: {"error": "boom"}',
      log: LOG,
      location: { file: 'ml-image.yml', line: 12, column: 9 },
    },
    { kind: 'command', name: 'cuda available', passed: true, durationMs: 0, skipped: 'no GPU on this runner' },
  ],
};

const skippedOnly: SmokeResult = {
  passed: true,
  gpus: false,
  checks: [{ kind: 'service', name: 'gpu inference', passed: true, durationMs: 0, skipped: 'no GPU on this runner' }],
};

const iris: SmokeSuiteReport = { name: 'acme/iris', result: passing };
const llm: SmokeSuiteReport = { name: 'acme/llm:gpu', result: failing };

/** A template's text without its first newline. */
const block = (s: string): string => s.slice(1);

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

const IRIS_XML = block(String.raw`
  <testsuite name="acme/iris" tests="3" failures="0" errors="0" skipped="0" time="3.6">
    <testcase classname="command" name="import sklearn" time="1.2"/>
    <testcase classname="ready" name="/health answers 200" time="2.1"/>
    <testcase classname="http" name="predict" time="0.3"/>
  </testsuite>
`);

const LLM_XML = block(String.raw`
  <testsuite name="acme/llm:gpu" tests="3" failures="1" errors="0" skipped="1" time="2.1">
    <testcase classname="command" name="python -c &quot;import torch&quot;" time="0.8"/>
    <testcase classname="http" name="POST /generate &apos;hello&apos;" time="1.3" file="ml-image.yml" line="12">
      <failure message="status 500, expected 200&#10;and more">expected:
POST /generate → status 200
body matches &quot;text&quot;

actual:
status 500
body: {&quot;error&quot;: &quot;boom&quot;}

container log (last lines):
Loading &lt;model&gt; &amp; tokenizer
ERROR ]]&gt; oopsdone
last line</failure>
    </testcase>
    <testcase classname="command" name="cuda available" time="0.0">
      <skipped message="no GPU on this runner"/>
    </testcase>
  </testsuite>
`);

const IRIS_JSON = block(String.raw`
    {
      "name": "acme/iris",
      "passed": true,
      "checks": [
        {
          "kind": "command",
          "name": "import sklearn",
          "result": "passed",
          "seconds": 1.2
        },
        {
          "kind": "ready",
          "name": "/health answers 200",
          "result": "passed",
          "seconds": 2.1
        },
        {
          "kind": "http",
          "name": "predict",
          "result": "passed",
          "seconds": 0.3
        }
      ]
    }`);

const LLM_JSON = block(String.raw`
    {
      "name": "acme/llm:gpu",
      "passed": false,
      "checks": [
        {
          "kind": "command",
          "name": "python -c \"import torch\"",
          "result": "passed",
          "seconds": 0.8
        },
        {
          "kind": "http",
          "name": "POST /generate 'hello'",
          "result": "failed",
          "seconds": 1.3,
          "message": "status 500, expected 200\nand more",
          "expected": "POST /generate → status 200\nbody matches \"text\"",
          "actual": "status 500\nbody: {\"error\": \"boom\"}"
        },
        {
          "kind": "command",
          "name": "cuda available",
          "result": "skipped",
          "seconds": 0,
          "skipped": "no GPU on this runner"
        }
      ]
    }`);

const jsonDoc = (passed: boolean, suites: string[]): string =>
  `{\n  "version": 1,\n  "passed": ${passed},\n  "suites": ${suites.length ? `[\n${suites.join(',\n')}\n  ]` : '[]'}\n}\n`;

const cases: { name: string; suites: SmokeSuiteReport[]; xml: string; json: string; table: string }[] = [
  {
    name: 'a passing suite',
    suites: [iris],
    xml:
      XML_HEAD +
      '<testsuites name="ml-image smoke test" tests="3" failures="0" errors="0" skipped="0" time="3.6">\n' +
      IRIS_XML +
      '</testsuites>\n',
    json: jsonDoc(true, [IRIS_JSON]),
    table: block(`
SUITE      KIND     CHECK                RESULT  TIME
acme/iris  command  import sklearn       ✓       1.2s
acme/iris  ready    /health answers 200  ✓       2.1s
acme/iris  http     predict              ✓       0.3s
3 checks: 3 passed, 0 failed, 0 skipped
`),
  },
  {
    name: 'a failing suite: multi-line expected and actual, a log with markup, ANSI and NUL, a skipped check',
    suites: [llm],
    xml:
      XML_HEAD +
      '<testsuites name="ml-image smoke test" tests="3" failures="1" errors="0" skipped="1" time="2.1">\n' +
      LLM_XML +
      '</testsuites>\n',
    json: jsonDoc(false, [LLM_JSON]),
    table: block(`
SUITE         KIND     CHECK                     RESULT   TIME
acme/llm:gpu  command  python -c "import torch"  ✓        0.8s
acme/llm:gpu  http     POST /generate 'hello'    ✗        1.3s  status 500, expected 200 and more
acme/llm:gpu  command  cuda available            skipped  0.0s  no GPU on this runner
3 checks: 1 passed, 1 failed, 1 skipped
`),
  },
  {
    name: 'a skipped check (ml-image test: the suite is the image reference)',
    suites: [{ name: 'ghcr.io/acme/llm:1.0', result: skippedOnly }],
    xml: block(`
<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="ml-image smoke test" tests="1" failures="0" errors="0" skipped="1" time="0.0">
  <testsuite name="ghcr.io/acme/llm:1.0" tests="1" failures="0" errors="0" skipped="1" time="0.0">
    <testcase classname="service" name="gpu inference" time="0.0">
      <skipped message="no GPU on this runner"/>
    </testcase>
  </testsuite>
</testsuites>
`),
    json: jsonDoc(true, [
      block(String.raw`
    {
      "name": "ghcr.io/acme/llm:1.0",
      "passed": true,
      "checks": [
        {
          "kind": "service",
          "name": "gpu inference",
          "result": "skipped",
          "seconds": 0,
          "skipped": "no GPU on this runner"
        }
      ]
    }`),
    ]),
    table: block(`
SUITE                 KIND     CHECK          RESULT   TIME
ghcr.io/acme/llm:1.0  service  gpu inference  skipped  0.0s  no GPU on this runner
1 check: 0 passed, 0 failed, 1 skipped
`),
  },
  {
    name: 'two suites',
    suites: [iris, llm],
    xml:
      XML_HEAD +
      '<testsuites name="ml-image smoke test" tests="6" failures="1" errors="0" skipped="1" time="5.7">\n' +
      IRIS_XML +
      LLM_XML +
      '</testsuites>\n',
    json: jsonDoc(false, [IRIS_JSON, LLM_JSON]),
    table: block(`
SUITE         KIND     CHECK                     RESULT   TIME
acme/iris     command  import sklearn            ✓        1.2s
acme/iris     ready    /health answers 200       ✓        2.1s
acme/iris     http     predict                   ✓        0.3s
acme/llm:gpu  command  python -c "import torch"  ✓        0.8s
acme/llm:gpu  http     POST /generate 'hello'    ✗        1.3s  status 500, expected 200 and more
acme/llm:gpu  command  cuda available            skipped  0.0s  no GPU on this runner
6 checks: 4 passed, 1 failed, 1 skipped
`),
  },
  {
    name: 'no suites',
    suites: [],
    xml:
      XML_HEAD +
      '<testsuites name="ml-image smoke test" tests="0" failures="0" errors="0" skipped="0" time="0.0">\n</testsuites>\n',
    json: jsonDoc(true, []),
    table: 'SUITE  KIND  CHECK  RESULT  TIME\n0 checks: 0 passed, 0 failed, 0 skipped\n',
  },
];

describe('smoke reports', () => {
  describe.each(cases)('$name', ({ suites, xml, json, table }) => {
    it('JUnit XML: exact and well-formed, counts on every suite', () => {
      const out = junitXml(suites);
      expect(out).toBe(xml);
      const root = parseXml(out);
      expect(root.name).toBe('testsuites');
      expect(root.children.map((s) => s.attrs.name)).toEqual(suites.map((s) => s.name));
      for (const [i, s] of root.children.entries()) {
        const checks = suites[i].result.checks;
        expect(s.attrs.tests).toBe(String(checks.length));
        expect(s.children.map((t) => [t.attrs.classname, t.attrs.name])).toEqual(checks.map((c) => [c.kind, c.name]));
      }
    });

    it('JSON: exact, and it round-trips', () => {
      const out = jsonReport(suites);
      expect(out).toBe(json);
      expect(JSON.stringify(JSON.parse(out), null, 2) + '\n').toBe(out);
      expect(JSON.parse(out)).toMatchObject({ version: 1, passed: suites.every((s) => s.result.passed) });
    });

    it(`console table: exact, no line over ${TABLE_WIDTH} columns`, () => {
      const out = consoleTable(suites);
      expect(out).toBe(table);
      for (const line of out.trimEnd().split('\n')) expect([...line].length).toBeLessThanOrEqual(TABLE_WIDTH);
    });
  });

  it('the failure body in the XML reads back as expected, actual and the cleaned log', () => {
    const failure = parseXml(junitXml([llm])).children[0].children[1].children[0];
    expect(failure).toEqual({
      name: 'failure',
      attrs: { message: 'status 500, expected 200\nand more' },
      children: [],
      text: [
        'expected:\nPOST /generate → status 200\nbody matches "text"',
        'actual:\nstatus 500\nbody: {"error": "boom"}',
        'container log (last lines):\nLoading <model> & tokenizer\nERROR ]]> oopsdone\nlast line',
      ].join('\n\n'),
    });
  });

  it('a failed check with nothing but a message has an empty <failure/>, and never reads as skipped', () => {
    const result: SmokeResult = {
      passed: false,
      gpus: false,
      checks: [{ kind: 'file', name: '/app/model.bin exists', passed: false, durationMs: 50, skipped: 'odd' }],
    };
    const suites = [{ name: 'x', result }];
    expect(junitXml(suites)).toContain(
      '<testcase classname="file" name="/app/model.bin exists" time="0.1">\n      <failure message="failed"/>\n    </testcase>',
    );
    expect(JSON.parse(jsonReport(suites))).toEqual({
      version: 1,
      passed: false,
      suites: [
        {
          name: 'x',
          passed: false,
          checks: [{ kind: 'file', name: '/app/model.bin exists', result: 'failed', seconds: 0.1, message: 'failed' }],
        },
      ],
    });
    expect(consoleTable(suites)).toContain('✗');
  });

  it('the JSON report carries the run label of what the test made, right after the version, only when given', () => {
    const suites = [{ name: 'x', result: { passed: true, gpus: false, checks: [] } as SmokeResult }];
    expect(Object.keys(JSON.parse(jsonReport(suites, 'ab12cd34')) as object)).toEqual([
      'version',
      'runId',
      'passed',
      'suites',
    ]);
    expect((JSON.parse(jsonReport(suites, 'ab12cd34')) as { runId: string }).runId).toBe('ab12cd34');
    expect(Object.keys(JSON.parse(jsonReport(suites)) as object)).toEqual(['version', 'passed', 'suites']);
  });

  it('long names and messages are cut to the width, a message on one line', () => {
    const result: SmokeResult = {
      passed: false,
      gpus: false,
      checks: [
        {
          kind: 'metadata',
          name: 'c'.repeat(80),
          passed: false,
          durationMs: 123_456,
          message: 'the label org.opencontainers.image.source is missing\n' + 'x'.repeat(300),
        },
      ],
    };
    expect(consoleTable([{ name: 's'.repeat(60), result }])).toBe(
      block(`
SUITE                     KIND      CHECK                             RESULT    TIME
sssssssssssssssssssssss…  metadata  ccccccccccccccccccccccccccccccc…  ✗       123.5s  the label org.opencontainers.imag…
1 check: 0 passed, 1 failed, 0 skipped
`),
    );
    const row = consoleTable([{ name: 's'.repeat(60), result }]).split('\n')[1];
    expect([...row].length).toBe(TABLE_WIDTH);
  });
});

describe('cleanText', () => {
  it.each([
    { name: 'CSI colours', text: '\u001b[1;31mred\u001b[0m', want: 'red' },
    { name: 'cursor moves', text: 'a\u001b[2Kb\u001b[1Ac', want: 'abc' },
    { name: 'an OSC hyperlink', text: '\u001b]8;;https://x.io\u0007link\u001b]8;;\u001b\\', want: 'link' },
    { name: 'a lone ESC', text: 'a\u001bb', want: 'ab' },
    {
      name: 'NUL, bell, backspace, form feed, DEL, a C1 control',
      text: 'a\u0000b\u0007c\u0008d\u000ce\u007ff\u009bg',
      want: 'abcdefg',
    },
    { name: 'CR LF and a lone CR become LF', text: 'a\r\nb\rc', want: 'a\nb\nc' },
    { name: 'tab and newline stay', text: 'a\tb\nc', want: 'a\tb\nc' },
    { name: 'a lone surrogate and U+FFFE go, an emoji stays', text: 'a\ud800b\ufffec🚀', want: 'abc🚀' },
  ])('$name', ({ text, want }) => {
    expect(cleanText(text)).toBe(want);
  });
});

describe('truncate', () => {
  it.each([
    { text: 'abc', n: 3, want: 'abc' },
    { text: 'abcd', n: 3, want: 'ab…' },
    { text: '✓✓✓✓', n: 2, want: '✓…' },
    { text: 'abc', n: 0, want: '' },
  ])('$text to $n', ({ text, n, want }) => {
    expect(truncate(text, n)).toBe(want);
  });
});

describe('smokeSuites', () => {
  it('names a suite image:variant, or the image without one, and leaves out images not smoke-tested', () => {
    expect(
      smokeSuites([
        { name: 'acme/iris', variant: '', smoke: passing },
        { name: 'acme/llm', variant: 'gpu', smoke: failing },
        { name: 'acme/never', variant: 'cpu' },
      ]),
    ).toEqual([
      { name: 'acme/iris', result: passing },
      { name: 'acme/llm:gpu', result: failing },
    ]);
  });
});
