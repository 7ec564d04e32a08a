// Parsing of metadata-action `tags:` and `flavor:` lines: what is accepted (and its defaults, as in
// metadata-action's __tests__/tag.test.ts and flavor.test.ts) and the exact per-line error messages.
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_TAG_RULES, parseFlavor, parseTagRules, type Flavor } from '../../src/meta/tags.js';

describe('parseTagRules: accepted lines and metadata-action defaults', () => {
  it('sorts by priority and fills per-type defaults (metadata-action fixture tag.test.ts "transform")', () => {
    const { rules, errors } = parseTagRules([
      'type=ref,event=branch',
      'type=ref,event=tag',
      'type=ref,event=pr',
      'type=schedule',
      'type=sha',
      'type=raw,foo',
      'type=edge',
      'type=semver,pattern={{version}}',
      'type=match,"pattern=\\d.\\d.\\d",group=0',
    ]);
    expect(errors).toEqual([]);
    expect(rules.map((r) => [r.type, r.priority, r.attrs])).toEqual([
      ['schedule', 1000, { enable: 'true', pattern: 'nightly' }],
      ['semver', 900, { enable: 'true', pattern: '{{version}}', value: '', match: '' }],
      ['match', 800, { enable: 'true', pattern: '\\d.\\d.\\d', group: '0', value: '' }],
      ['edge', 700, { enable: 'true', branch: '' }],
      ['ref', 600, { enable: 'true', event: 'branch' }],
      ['ref', 600, { enable: 'true', event: 'tag' }],
      ['ref', 600, { enable: 'true', event: 'pr', prefix: 'pr-' }],
      ['raw', 200, { enable: 'true', value: 'foo' }],
      ['sha', 100, { enable: 'true', prefix: 'sha-', format: 'short' }],
    ]);
  });

  type Ok = [line: string, type: string, priority: number, attrs: Record<string, string>];
  const ok: Ok[] = [
    [
      "type=schedule,enable=true,pattern={{date 'YYYYMMDD' tz='Asia/Tokyo'}}",
      'schedule',
      1000,
      { enable: 'true', pattern: "{{date 'YYYYMMDD' tz='Asia/Tokyo'}}" },
    ],
    [
      'type=semver,priority=1,enable=true,pattern={{version}},value=p1/v1.0.0,"match=v(\\d.\\d.\\d)$"',
      'semver',
      1,
      { enable: 'true', pattern: '{{version}}', value: 'p1/v1.0.0', match: 'v(\\d.\\d.\\d)$', priority: '1' },
    ],
    [
      'type=match,enable=true,"pattern=^v(\\d.\\d.\\d)$",group=1',
      'match',
      800,
      { enable: 'true', pattern: '^v(\\d.\\d.\\d)$', group: '1', value: '' },
    ],
    ['type=edge,enable=true,branch=master', 'edge', 700, { enable: 'true', branch: 'master' }],
    ['acustomtag', 'raw', 200, { enable: 'true', value: 'acustomtag' }],
    ['type=raw,enable=false,value=acustomtag5', 'raw', 200, { enable: 'false', value: 'acustomtag5' }],
    ['type=sha,prefix=', 'sha', 100, { enable: 'true', prefix: '', format: 'short' }],
    ['type=sha,format=long', 'sha', 100, { enable: 'true', prefix: 'sha-', format: 'long' }],
    ['  TYPE=raw , Value = padded  ', 'raw', 200, { enable: 'true', value: 'padded' }],
    ['type=raw,value=a=b', 'raw', 200, { enable: 'true', value: 'a=b' }],
    ['type=raw,"value=a,b"', 'raw', 200, { enable: 'true', value: 'a,b' }],
    ['type=raw,"value=say ""hi"""', 'raw', 200, { enable: 'true', value: 'say "hi"' }],
    ['type=raw,foo,bar', 'raw', 200, { enable: 'true', value: 'bar' }],
    ['type=sha,', 'sha', 100, { enable: 'true', value: '', prefix: 'sha-', format: 'short' }],
    ['type=raw,value=x,priority=-5', 'raw', -5, { enable: 'true', value: 'x', priority: '-5' }],
    ['type=raw,value={{date YYYYMMDD}}', 'raw', 200, { enable: 'true', value: '{{date YYYYMMDD}}' }],
  ];
  it.each(ok)(
    'accepts %s (metadata-action fixture tag.test.ts "parse" where it appears there)',
    (line, type, priority, attrs) => {
      const { rules, errors } = parseTagRules([line]);
      expect(errors).toEqual([]);
      expect(rules).toEqual([{ index: 0, source: line.trim(), type, priority, attrs }]);
    },
  );

  it.each([
    'type=schedule,enable=true,priority=1000,prefix=,suffix=,pattern=nightly',
    'type=semver,enable=true,priority=900,prefix=,suffix=,pattern=,value=,match=',
    'type=pep440,enable=true,priority=900,prefix=,suffix=,pattern=,value=',
    'type=match,enable=true,priority=800,prefix=,suffix=,pattern=,group=0,value=',
    'type=edge,enable=true,priority=700,prefix=,suffix=,branch=$repo.default_branch',
    'type=ref,enable=true,priority=600,prefix=,suffix=,event=branch',
    'type=ref,enable=true,priority=600,prefix=,suffix=,event=tag',
    'type=ref,enable=true,priority=600,prefix=pr-,suffix=,event=pr',
    'type=raw,enable=true,priority=200,prefix=,suffix=,value=',
    'type=sha,enable=true,priority=100,prefix=sha-,suffix=,format=short',
  ])('accepts the README "Extended attributes and default values" line %s', (line) => {
    expect(parseTagRules([line]).errors).toEqual([]);
  });

  it('uses metadata-action defaults when nothing but blanks and comments is given', () => {
    expect(DEFAULT_TAG_RULES).toEqual([
      'type=schedule',
      'type=ref,event=branch',
      'type=ref,event=tag',
      'type=ref,event=pr',
    ]);
    for (const lines of [[], ['', '  ', '# only a comment']]) {
      const { rules, errors } = parseTagRules(lines);
      expect(errors).toEqual([]);
      expect(rules.map((r) => [r.index, r.source])).toEqual(DEFAULT_TAG_RULES.map((s) => [-1, s]));
    }
  });

  it('keeps line indexes across skipped blank and comment lines', () => {
    const { rules, errors } = parseTagRules(['# c', '', 'type=raw,value=a', 'type=bogus', 'type=ref,event=x', 'b']);
    expect(rules.map((r) => [r.index, r.attrs.value])).toEqual([
      [2, 'a'],
      [5, 'b'],
    ]);
    expect(errors).toEqual([
      { index: 3, message: 'unknown type "bogus"' },
      { index: 4, message: 'event= must be branch, tag or pr, got "x"' },
    ]);
  });
});

describe('parseTagRules: errors', () => {
  const errorCases: [line: string, messages: string[]][] = [
    ['type=sematic,pattern={{version}}', ['unknown type "sematic" (did you mean "semver"?)']],
    ['type=Semver,pattern={{version}}', ['unknown type "Semver" (did you mean "semver"?)']],
    ['type=foo', ['unknown type "foo"']],
    [
      'type=semver,patern={{version}}',
      ['unknown attribute "patern" (did you mean "pattern"?)', 'type=semver needs pattern='],
    ],
    ['type=raw,value=x,prefx=a-', ['unknown attribute "prefx" (did you mean "prefix"?)']],
    ['type=semver', ['type=semver needs pattern=']],
    ['type=pep440,value=1.0', ['type=pep440 needs pattern=']],
    ['type=match,group=1', ['type=match needs pattern=']],
    ['type=ref', ['type=ref needs event= (branch, tag or pr)']],
    ['type=ref,event=brnch', ['event= must be branch, tag or pr, got "brnch" (did you mean "branch"?)']],
    ['type=ref,event=Tag', ['event= must be branch, tag or pr, got "Tag" (did you mean "tag"?)']],
    ['type=raw', ['type=raw needs value= (or a bare word)']],
    ['type=sha,format=medium', ['format= must be short or long, got "medium"']],
    ['type=raw,value=x,enable=yes', ['enable= must be true or false, got "yes"']],
    ['type=raw,value=x,enable=True', ['enable= must be true or false, got "True"']],
    ['type=raw,value=x,enable=', ['enable= must be true or false, got ""']],
    ['type=raw,value=x,priority=high', ['priority= must be a number, got "high"']],
    ['type=raw,value=x,priority=', ['priority= must be a number, got ""']],
    ['type=match,pattern=v(\\d+', ['pattern= is not a valid regular expression: Unterminated group']],
    [
      'type=match,"pattern=/v(\\d+)/z"',
      ["pattern= is not a valid regular expression: Invalid flags supplied to RegExp constructor 'z'"],
    ],
    ['type=match,pattern=v(.*),group=foo', ['group= must be a capture group number, got "foo"']],
    [
      'type=semver,pattern={{version}},match=v[0-',
      ['match= is not a valid regular expression: Unterminated character class'],
    ],
    [
      'type=semver,pattern={{version}},match=v\\d+',
      ['match= needs a capturing group, e.g. match=v(\\d+\\.\\d+\\.\\d+)$'],
    ],
    ['type=sha,pattern={{version}}', ['type=sha does not use pattern=']],
    ['type=ref,event=tag,value=x', ['type=ref does not use value=']],
    ['type=edge,foo', ['type=edge does not take a bare value']],
    ['type=raw,value={{brnach}}', ['unknown expression {{brnach}} in value= (did you mean "branch"?)']],
    ['type=raw,value=x,prefix={{bracnh}}-', ['unknown expression {{bracnh}} in prefix= (did you mean "branch"?)']],
    [
      'type=raw,value=x,enable={{is_defualt_branch}}',
      ['unknown expression {{is_defualt_branch}} in enable= (did you mean "is_default_branch"?)'],
    ],
    ['type=raw,value={{branch', ['unterminated {{ in value=']],
    ['type=raw,value={{{branch}}', ['unterminated {{{ in value=']],
    ['type=raw,value={{}}', ['empty expression {{}} in value=']],
    ['type=raw,value={{branch.name}}', ['unsupported expression {{branch.name}} in value=']],
    ['type=raw,value={{#if x}}y{{/if}}', ['block helpers, partials and {{else}} are not supported in value=']],
    ['type=raw,value={{!-- open comment', ['unterminated {{! comment in value=']],
    ['type=raw,value={{date}}', ["{{date}} in value= needs one format string, e.g. {{date 'YYYYMMDD'}}"]],
    ["type=raw,value={{date 'YYYY' 'MM'}}", ["{{date}} in value= needs one format string, e.g. {{date 'YYYYMMDD'}}"]],
    [
      'type=raw,value={{commit_date 5}}',
      ["{{commit_date}} in value= needs a quoted format, e.g. {{commit_date 'YYYYMMDD'}}"],
    ],
    ["type=raw,value={{date 'YYYY' zone='UTC'}}", ['{{date}} in value= takes only tz=, not zone=']],
    ["type=raw,value={{date 'YYYY' tz=UTC}}", ["tz= in value= needs a quoted time zone, e.g. tz='Asia/Tokyo'"]],
    ["type=raw,value=x-{{date 'YYYY' tz='Mars/Olympus'}}", ['unknown time zone "Mars/Olympus" in value=']],
    [
      "type=raw,value={{date 'YYYY zz'}}",
      ['date format token "zz" in value= is not supported (time zone names differ between moment and Intl)'],
    ],
    ["type=raw,value={{date 'YYYY 'x}}", ["{{date}} in value= needs one format string, e.g. {{date 'YYYYMMDD'}}"]],
    ["type=raw,value={{date 'YYYY}}", ["unterminated string in {{date 'YYYY}} in value="]],
    ["type=raw,value={{sha 'x'}}", ['{{sha}} in value= takes no arguments']],
    [
      'type=schedule,pattern=nightly-{{branch}}',
      ['unknown expression {{branch}} in pattern= (a type=schedule pattern knows only date and commit_date)'],
    ],
    ['type=semver,pattern={{mayor}}', ['unknown expression {{mayor}} in pattern= (did you mean "major"?)']],
    [
      'type=semver,pattern={{branch}}',
      ['unknown expression {{branch}} in pattern= (a type=semver pattern knows raw, version, major, minor, patch)'],
    ],
    [
      'type=pep440,pattern={{prerelease}}',
      ['unknown expression {{prerelease}} in pattern= (a type=pep440 pattern knows raw, version, major, minor, patch)'],
    ],
    [
      'type=raw,value=${{ github.ref_name }}',
      ['${{ … }} in value= is a GitHub Actions expression, which is not evaluated here'],
    ],
    ['type=raw,value="a,b"', ['a quote inside a field; quote the whole field instead, e.g. "pattern=a,b"']],
    ['type=raw,"value=a', ['unclosed quote']],
    ['type=raw,"value=a"x', ['unexpected "x" after a closing quote']],
    ['type=raw,value=a\nb', ['a line break inside an entry is not allowed']],
    ['type=bogus,patern=x', ['unknown type "bogus"', 'unknown attribute "patern" (did you mean "pattern"?)']],
  ];
  it.each(errorCases)('rejects %j', (line, messages) => {
    const { rules, errors } = parseTagRules([line]);
    expect(errors).toEqual(messages.map((message) => ({ index: 0, message })));
    expect(rules).toEqual([]);
  });
});

describe('parseFlavor', () => {
  const base: Flavor = { latest: 'auto', prefix: '', prefixLatest: false, suffix: '', suffixLatest: false };
  const okCases: [lines: string[], expected: Partial<Flavor>][] = [
    [[], {}],
    [['latest=true'], { latest: 'true' }],
    [['latest=false'], { latest: 'false' }],
    [['latest=auto'], { latest: 'auto' }],
    [['prefix=sha-'], { prefix: 'sha-' }],
    [['suffix=-alpine'], { suffix: '-alpine' }],
    [['latest=false', 'prefix=dev-', 'suffix=-alpine'], { latest: 'false', prefix: 'dev-', suffix: '-alpine' }],
    [['prefix=dev-,onlatest=true'], { prefix: 'dev-', prefixLatest: true }],
    [['suffix=-alpine,onlatest=true'], { suffix: '-alpine', suffixLatest: true }],
    [
      ['prefix=dev-,onlatest=true', 'suffix=-alpine,onlatest=true'],
      { prefix: 'dev-', prefixLatest: true, suffix: '-alpine', suffixLatest: true },
    ],
    [['prefix= '], {}],
    [['prefix=a=b'], { prefix: 'a' }],
    [['prefix={{branch}}-,onlatest=false', '# comment', ''], { prefix: '{{branch}}-' }],
  ];
  it.each(okCases)('accepts %j (metadata-action fixture flavor.test.ts where it appears there)', (lines, expected) => {
    expect(parseFlavor(lines)).toEqual({ flavor: { ...base, ...expected }, errors: [] });
  });

  const badCases: [lines: string[], errors: { index: number; message: string }[]][] = [
    [
      ['randomstr', 'latest=auto'],
      [{ index: 0, message: 'flavor entry "randomstr" needs key=value (latest=, prefix=, suffix=, onlatest=)' }],
    ],
    [['unknwown=foo'], [{ index: 0, message: 'unknown flavor attribute "unknwown"' }]],
    [
      ['latest'],
      [{ index: 0, message: 'flavor entry "latest" needs key=value (latest=, prefix=, suffix=, onlatest=)' }],
    ],
    [['latest=foo'], [{ index: 0, message: 'latest= must be auto, true or false, got "foo"' }]],
    [['prefx=a'], [{ index: 0, message: 'unknown flavor attribute "prefx" (did you mean "prefix"?)' }]],
    [['', 'prefix=a,onlatest=yes'], [{ index: 1, message: 'onlatest= must be true or false, got "yes"' }]],
    [
      ['onlatest=true'],
      [{ index: 0, message: 'onlatest= applies to a prefix= or suffix= before it on the same line' }],
    ],
    [
      ['prefix={{brnach}}-'],
      [{ index: 0, message: 'unknown expression {{brnach}} in prefix= (did you mean "branch"?)' }],
    ],
    [['"suffix=-a'], [{ index: 0, message: 'unclosed quote' }]],
    [
      ['suffix="-a"'],
      [{ index: 0, message: 'a quote inside a field; quote the whole field instead, e.g. "pattern=a,b"' }],
    ],
  ];
  it.each(badCases)('rejects %j', (lines, errors) => {
    expect(parseFlavor(lines).errors).toEqual(errors);
  });
});
