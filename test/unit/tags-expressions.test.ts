// renderExpressions (metadata-action's global expressions, README "Global expressions" tables), moment-style
// date formatting, and the semver / PEP 440 helpers behind type=semver and type=pep440.
import { describe, expect, it } from '@jest/globals';
import { formatDate } from '../../src/meta/datefmt.js';
import { pep440Clean, pep440Valid } from '../../src/meta/pep440.js';
import { parseSemver } from '../../src/meta/semver.js';
import { checkExpressionText, renderExpressions, type MetaContext } from '../../src/meta/tags.js';

const SHA = '860c1904a1ce19322e91ac35af1ab07466440c37';
const c = (eventName: string, ref: string, over: Partial<MetaContext> = {}): MetaContext => ({
  eventName,
  ref,
  sha: SHA,
  defaultBranch: 'master',
  date: new Date('2020-01-10T00:30:00.000Z'),
  ...over,
});
const PR = c('pull_request', 'refs/pull/2/merge', {
  baseRef: 'master',
  prHeadSha: '3370e228f2209994d57af4427fe64e71bb79ac96',
});
const MASTER = c('push', 'refs/heads/master');
const MY_BRANCH = c('push', 'refs/heads/my/branch');
// A tag push payload carries base_ref as refs/heads/<branch>.
const TAG = c('push', 'refs/tags/v1.2.3', { baseRef: 'refs/heads/master' });

type Case = [name: string, text: string, ctx: MetaContext, expected: string];
const cases: Case[] = [
  ['README {{branch}}: pull_request', '{{branch}}', PR, ''],
  ['README {{branch}}: push master', '{{branch}}', MASTER, 'master'],
  // README shows "my-branch"; the source returns the name as is (a tag made from it is sanitized to my-branch).
  ['README {{branch}}: push my/branch (source: slash kept)', '{{branch}}', MY_BRANCH, 'my/branch'],
  ['README {{branch}}: push tag', '{{branch}}', TAG, ''],
  ['README {{tag}}: pull_request', '{{tag}}', PR, ''],
  ['README {{tag}}: push master', '{{tag}}', MASTER, ''],
  ['README {{tag}}: push my/branch', '{{tag}}', MY_BRANCH, ''],
  ['README {{tag}}: push tag', '{{tag}}', TAG, 'v1.2.3'],
  ['README {{base_ref}}: pull_request', '{{base_ref}}', PR, 'master'],
  ['README {{base_ref}}: push master', '{{base_ref}}', MASTER, ''],
  ['README {{base_ref}}: push my/branch', '{{base_ref}}', MY_BRANCH, ''],
  ['README {{base_ref}}: push tag', '{{base_ref}}', TAG, 'master'],
  ['README {{sha}}: short commit', '{{sha}}', MASTER, '860c190'],
  ['{{sha}} on a PR is the merge commit', '{{sha}}', PR, '860c190'],
  ['{{sha}} on a PR with usePrHeadSha is the head', '{{sha}}', { ...PR, usePrHeadSha: true }, '3370e22'],
  ['{{sha}} unknown', '{{sha}}', c('local', '', { sha: '' }), ''],
  ['{{is_default_branch}} on master', '{{is_default_branch}}', MASTER, 'true'],
  ['{{is_default_branch}} on my/branch', '{{is_default_branch}}', MY_BRANCH, 'false'],
  ['{{is_default_branch}} on a tag', '{{is_default_branch}}', TAG, 'false'],
  ['{{is_default_branch}} on a PR', '{{is_default_branch}}', PR, 'false'],
  [
    '{{is_default_branch}} on schedule (always the default branch)',
    '{{is_default_branch}}',
    c('schedule', 'refs/heads/other'),
    'true',
  ],
  ['{{is_default_branch}} on create', '{{is_default_branch}}', c('create', 'refs/heads/other'), 'true'],
  ['{{is_default_branch}} with no ref', '{{is_default_branch}}', c('schedule', ''), 'false'],
  [
    '{{is_default_branch}} with no default branch known',
    '{{is_default_branch}}',
    c('push', 'refs/heads/master', { defaultBranch: undefined }),
    'false',
  ],
  ['{{is_not_default_branch}} on master', '{{is_not_default_branch}}', MASTER, 'false'],
  ['{{is_not_default_branch}} on my/branch', '{{is_not_default_branch}}', MY_BRANCH, 'true'],
  ["README {{date 'YYYYMMDD'}}", "{{date 'YYYYMMDD'}}", MASTER, '20200110'],
  [
    "README {{date 'dddd, MMMM Do YYYY, h:mm:ss a'}}",
    "{{date 'dddd, MMMM Do YYYY, h:mm:ss a'}}",
    c('push', '', { date: new Date('2020-01-10T15:25:50Z') }),
    'Friday, January 10th 2020, 3:25:50 pm',
  ],
  [
    "README {{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}",
    "{{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}",
    MASTER,
    '20200110-093000',
  ],
  [
    "README {{commit_date 'YYYYMMDD'}}",
    "{{commit_date 'YYYYMMDD'}}",
    c('push', '', { commitDate: new Date('2020-01-10T00:30:00Z') }),
    '20200110',
  ],
  [
    "README {{commit_date 'dddd, MMMM Do YYYY, h:mm:ss a'}}",
    "{{commit_date 'dddd, MMMM Do YYYY, h:mm:ss a'}}",
    c('push', '', { commitDate: new Date('2020-01-10T15:25:50Z') }),
    'Friday, January 10th 2020, 3:25:50 pm',
  ],
  [
    "README {{commit_date ... tz='Asia/Tokyo'}}",
    "{{commit_date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}",
    c('push', '', { commitDate: new Date('2020-01-10T00:30:00Z') }),
    '20200110-093000',
  ],
  [
    'README label example: commit_date with [Z] literal',
    "org.opencontainers.image.created={{commit_date 'YYYY-MM-DDTHH:mm:ss.SSS[Z]'}}",
    c('push', '', { commitDate: new Date('2024-11-13T13:42:28Z') }),
    'org.opencontainers.image.created=2024-11-13T13:42:28.000Z',
  ],
  [
    'commit_date falls back to the date',
    "{{commit_date 'YYYY-MM-DD'}}",
    c('push', '', { date: new Date('2023-04-05T06:00:00Z') }),
    '2023-04-05',
  ],
  [
    'date honours the given (SOURCE_DATE_EPOCH) date',
    "{{date 'X'}}",
    c('push', '', { date: new Date(1700000000 * 1000) }),
    '1700000000',
  ],
  ['bare-word format falls back to moment default (UTC)', '{{date YYYYMMDD}}', MASTER, '2020-01-10T00:30:00Z'],
  [
    'bare-word format with tz gives an offset',
    "{{date YYYYMMDD tz='Asia/Tokyo'}}",
    MASTER,
    '2020-01-10T09:30:00+09:00',
  ],
  ['empty format is moment default too', "{{date ''}}", MASTER, '2020-01-10T00:30:00Z'],
  ['text around expressions is kept', 'v-{{branch}}-{{sha}}!', MASTER, 'v-master-860c190!'],
  [
    'HTML escaping of {{x}}, as Handlebars does',
    '{{branch}}',
    c('push', 'refs/heads/a\'b"c<d>&e=f`g'),
    'a&#x27;b&quot;c&lt;d&gt;&amp;e&#x3D;f&#x60;g',
  ],
  ['no escaping in {{{x}}}', '{{{branch}}}', c('push', "refs/heads/a'b=c"), "a'b=c"],
  ['no escaping in {{&x}}', '{{&branch}}', c('push', "refs/heads/a'b=c"), "a'b=c"],
  ['\\{{ is a literal', '\\{{branch}} {{branch}}', MASTER, '{{branch}} master'],
  ['comments render nothing', '{{! note }}a{{!-- }} b --}}c', MASTER, 'ac'],
  ['~ strips whitespace', 'a  {{~branch~}}  b', MASTER, 'amasterb'],
  ['spaces inside the braces', "{{ date 'YYYY' tz = 'UTC' }}", MASTER, '2020'],
  ['double-quoted format', '{{date "YYYY"}}', MASTER, '2020'],
  ['text without expressions', 'plain=text', MASTER, 'plain=text'],
];

describe('renderExpressions', () => {
  it.each(cases)('%s', (_name, text, ctx, expected) => {
    expect(renderExpressions(text, ctx)).toBe(expected);
  });

  it.each([
    ['{{brnach}}', 'unknown expression {{brnach}} in the text (did you mean "branch"?)'],
    ['{{branch', 'unterminated {{ in the text'],
    ['${{ github.sha }}', '${{ … }} in the text is a GitHub Actions expression, which is not evaluated here'],
  ])('rejects %s', (text, message) => {
    expect(() => renderExpressions(text, MASTER)).toThrow(message);
    expect(checkExpressionText(text)).toBe(message);
  });

  it('checkExpressionText names the place and accepts valid text', () => {
    expect(checkExpressionText('{{tagg}}', 'labels["v"]')).toBe(
      'unknown expression {{tagg}} in labels["v"] (did you mean "tag"?)',
    );
    expect(checkExpressionText("v={{tag}} at {{date 'YYYY'}}")).toBeUndefined();
  });
});

// 2024-03-05T06:07:08.009Z is a Tuesday, day 65, in week 10 (both the en-locale and the ISO week).
const D = new Date('2024-03-05T06:07:08.009Z');
const dateCases: [format: string, tz: string, expected: string, date?: Date][] = [
  ['YYYY', 'UTC', '2024'],
  ['YY', 'UTC', '24'],
  ['Y', 'UTC', '2024'],
  ['YYYYYY', 'UTC', '+002024'],
  ['MM', 'UTC', '03'],
  ['M', 'UTC', '3'],
  ['Mo', 'UTC', '3rd'],
  ['MMM', 'UTC', 'Mar'],
  ['MMMM', 'UTC', 'March'],
  ['DD', 'UTC', '05'],
  ['D', 'UTC', '5'],
  ['Do', 'UTC', '5th'],
  ['DDD', 'UTC', '65'],
  ['DDDD', 'UTC', '065'],
  ['DDDo', 'UTC', '65th'],
  ['d', 'UTC', '2'],
  ['do', 'UTC', '2nd'],
  ['dd', 'UTC', 'Tu'],
  ['ddd', 'UTC', 'Tue'],
  ['dddd', 'UTC', 'Tuesday'],
  ['e E', 'UTC', '2 2'],
  ['HH', 'UTC', '06'],
  ['H', 'UTC', '6'],
  ['hh', 'UTC', '06'],
  ['h', 'UTC', '6'],
  ['k', 'UTC', '6'],
  ['a A', 'UTC', 'am AM'],
  ['mm', 'UTC', '07'],
  ['m', 'UTC', '7'],
  ['ss', 'UTC', '08'],
  ['s', 'UTC', '8'],
  ['S', 'UTC', '0'],
  ['SS', 'UTC', '00'],
  ['SSS', 'UTC', '009'],
  ['SSSSSS', 'UTC', '009000'],
  ['Z', 'UTC', '+00:00'],
  ['ZZ', 'UTC', '+0000'],
  ['X', 'UTC', '1709618828'],
  ['x', 'UTC', '1709618828009'],
  ['Q Qo', 'UTC', '1 1st'],
  ['w ww W WW', 'UTC', '10 10 10 10'],
  ['gggg GGGG', 'UTC', '2024 2024'],
  ['Hmmss hmm', 'UTC', '60708 607'],
  ['[Built on] YYYY-MM-DD', 'UTC', 'Built on 2024-03-05'],
  ['YYYY[Q]Q', 'UTC', '2024Q1'],
  ['\\YYYY', 'UTC', 'YYYY'],
  ['L', 'UTC', '03/05/2024'],
  ['LT', 'UTC', '6:07 AM'],
  ['LL', 'UTC', 'March 5, 2024'],
  ['ll', 'UTC', 'Mar 5, 2024'],
  ['YYYY-MM-DD HH:mm Z', 'Asia/Tokyo', '2024-03-05 15:07 +09:00'],
  ['YYYY-MM-DD HH:mm Z', 'America/New_York', '2024-03-05 01:07 -05:00'],
  ['YYYY-MM-DD HH:mm ZZ', 'America/New_York', '2024-07-01 08:00 -0400', new Date('2024-07-01T12:00:00Z')],
  ['HH:mm Z', 'Asia/Kolkata', '11:37 +05:30'],
  ['YYYY-MM-DD HH:mm', 'asia/tokyo', '2024-03-06 08:30', new Date('2024-03-05T23:30:00Z')],
  ['GGGG-[W]WW gggg-ww', 'UTC', '2020-W53 2021-01', new Date('2021-01-01T12:00:00Z')],
  ['hh:mm a', 'UTC', '12:00 pm', new Date('2021-01-01T12:00:00Z')],
  ['hh:mm A k', 'UTC', '12:00 AM 24', new Date('2021-01-01T00:00:00Z')],
  ['Do', 'UTC', '11th', new Date('2021-01-11T00:00:00Z')],
  ['Do', 'UTC', '22nd', new Date('2021-01-22T00:00:00Z')],
];

describe('formatDate (moment format tokens)', () => {
  it.each(dateCases)('%s in %s', (format, tz, expected, date = D) => {
    expect(formatDate(date, format, tz)).toBe(expected);
  });
});

describe('semver and PEP 440 helpers', () => {
  it.each([
    ['v1.2.3', '1.2.3'],
    ['1.2.3', '1.2.3'],
    ['v2.0.0-rc.1', '2.0.0-rc.1'],
    ['1.2.3+build.1', '1.2.3'],
    ['1.0.0-0.3.7', '1.0.0-0.3.7'],
  ])('semver %s is valid with version %s', (raw, version) => {
    expect(parseSemver(raw)?.version).toBe(version);
  });

  it.each(['V1.2.3', '=1.2.3', '1.2', '01.2.3', '1.2.3-01', 'release-2024', 'v1.2.3.4', '1.2.3-'])(
    'semver %s is invalid',
    (raw) => {
      expect(parseSemver(raw)).toBeUndefined();
    },
  );

  it.each([
    ['1.2.3beta2', '1.2.3b2'],
    ['1.0dev4', '1.0.dev4'],
    ['1.2.3post1', '1.2.3.post1'],
    ['v1.2.3rc2', '1.2.3rc2'],
    ['1.0-1', '1.0.post1'],
    ['1.0c1', '1.0rc1'],
    ['1.0.0-preview.2', '1.0.0rc2'],
    ['1.0r', '1.0.post0'],
    // The library (metadata-action's) joins local segments with ",", not PEP 440's ".".
    ['2!1.0+ABC.007', '2!1.0+abc,7'],
  ])('pep440 %s cleans to %s', (raw, clean) => {
    expect(pep440Valid(raw)).toBe(true);
    expect(pep440Clean(raw)).toBe(clean);
  });

  it.each(['release-2024', '1.2.3-beta-2-x', 'v', '1..2'])('pep440 %s is invalid', (raw) => {
    expect(pep440Valid(raw)).toBe(false);
  });
});
