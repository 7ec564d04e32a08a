// Tag computation: every "Event / Ref / Docker tags" and pattern table of docker/metadata-action's README
// (section named in each case), then rule sets crossed with events, latest handling and flavor combinations.
import { describe, expect, it } from '@jest/globals';
import { computeTags, parseFlavor, parseTagRules, type MetaContext, type TagsResult } from '../../src/meta/tags.js';

const SHA = 'abcdef1234567890abcdef1234567890abcdef12';
const HEAD = 'fedcba9876543210fedcba9876543210fedcba98';
const DATE = new Date('2020-01-10T00:30:00.000Z');

// README examples use a repository whose default branch is "master".
const readme = (eventName: string, ref: string, over: Partial<MetaContext> = {}): MetaContext => ({
  eventName,
  ref,
  sha: '860c1904a1ce19322e91ac35af1ab07466440c37',
  defaultBranch: 'master',
  date: DATE,
  ...over,
});
const ctx = (eventName: string, ref: string, over: Partial<MetaContext> = {}): MetaContext => ({
  eventName,
  ref,
  sha: SHA,
  defaultBranch: 'main',
  date: DATE,
  ...over,
});

function tagsOf(lines: readonly string[], c: MetaContext, flavor: readonly string[] = []): TagsResult {
  const parsed = parseTagRules(lines);
  const fl = parseFlavor(flavor);
  expect([...parsed.errors, ...fl.errors]).toEqual([]);
  return computeTags(parsed.rules, fl.flavor, c);
}

type Case = { name: string; tags: readonly string[]; ctx: MetaContext; flavor?: readonly string[]; expected: string[] };
const check = ({ tags, ctx: c, flavor, expected }: Case) => {
  const result = tagsOf(tags, c, flavor);
  expect(result.tags).toEqual(expected);
  expect(result.version).toBe(expected[0]);
};

const PR2 = readme('pull_request', 'refs/pull/2/merge', { baseRef: 'master' });
const MASTER = readme('push', 'refs/heads/master');
const RELEASES_V1 = readme('push', 'refs/heads/releases/v1');
const TAG = (name: string) => readme('push', `refs/tags/${name}`);
const DISPATCH = readme('workflow_dispatch', 'refs/heads/master');
const SEMVER_USAGE = [
  'type=ref,event=branch',
  'type=ref,event=pr',
  'type=semver,pattern={{version}}',
  'type=semver,pattern={{major}}.{{minor}}',
];
const REFS = ['type=ref,event=branch', 'type=ref,event=tag', 'type=ref,event=pr'];

const readmeCases: Case[] = [
  { name: 'Usage/Basic: pull_request refs/pull/2/merge', tags: [], ctx: PR2, expected: ['pr-2'] },
  { name: 'Usage/Basic: push refs/heads/master', tags: [], ctx: MASTER, expected: ['master'] },
  { name: 'Usage/Basic: push refs/heads/releases/v1', tags: [], ctx: RELEASES_V1, expected: ['releases-v1'] },
  { name: 'Usage/Basic: push tag v1.2.3', tags: [], ctx: TAG('v1.2.3'), expected: ['v1.2.3', 'latest'] },
  {
    name: 'Usage/Basic: push tag v2.0.8-beta.67',
    tags: [],
    ctx: TAG('v2.0.8-beta.67'),
    expected: ['v2.0.8-beta.67', 'latest'],
  },
  { name: 'Usage/Basic: workflow_dispatch refs/heads/master', tags: [], ctx: DISPATCH, expected: ['master'] },
  { name: 'Usage/Semver: pull_request', tags: SEMVER_USAGE, ctx: PR2, expected: ['pr-2'] },
  { name: 'Usage/Semver: push master', tags: SEMVER_USAGE, ctx: MASTER, expected: ['master'] },
  { name: 'Usage/Semver: push releases/v1', tags: SEMVER_USAGE, ctx: RELEASES_V1, expected: ['releases-v1'] },
  {
    name: 'Usage/Semver: push tag v1.2.3',
    tags: SEMVER_USAGE,
    ctx: TAG('v1.2.3'),
    expected: ['1.2.3', '1.2', 'latest'],
  },
  {
    name: 'Usage/Semver: push tag v2.0.8-beta.67',
    tags: SEMVER_USAGE,
    ctx: TAG('v2.0.8-beta.67'),
    expected: ['2.0.8-beta.67'],
  },
  {
    name: 'Usage/Bake definition: tags of the bake file for refs/tags/v1.2.3',
    tags: [...SEMVER_USAGE, 'type=sha'],
    ctx: readme('push', 'refs/tags/v1.2.3', { sha: '90dd6032fac8bda1b6c4436a2e65de27961ed071' }),
    expected: ['1.2.3', '1.2', 'sha-90dd603', 'latest'],
  },
  {
    name: 'tags input: the example list on a v1.2.3 tag',
    tags: [
      'type=schedule',
      'type=semver,pattern={{version}}',
      'type=semver,pattern={{major}}.{{minor}}',
      'type=semver,pattern={{major}}',
      'type=ref,event=branch',
      'type=ref,event=pr',
      'type=sha',
    ],
    ctx: TAG('v1.2.3'),
    expected: ['1.2.3', '1.2', '1', 'sha-860c190', 'latest'],
  },
  {
    name: 'type=schedule table: nightly',
    tags: ['type=schedule,pattern=nightly'],
    ctx: readme('schedule', 'refs/heads/master'),
    expected: ['nightly'],
  },
  {
    name: "type=schedule table: {{date 'YYYYMMDD'}}",
    tags: ["type=schedule,pattern={{date 'YYYYMMDD'}}"],
    ctx: readme('schedule', 'refs/heads/master'),
    expected: ['20200110'],
  },
  {
    name: "type=schedule table: {{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}",
    tags: ["type=schedule,pattern={{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}"],
    ctx: readme('schedule', 'refs/heads/master'),
    expected: ['20200110-093000'],
  },
  ...(
    [
      ['v1.2.3', '{{raw}}', '', ['v1.2.3', 'latest']],
      ['v1.2.3', '{{version}}', '', ['1.2.3', 'latest']],
      ['v1.2.3', '{{major}}.{{minor}}', '', ['1.2', 'latest']],
      ['v1.2.3', 'v{{major}}', '', ['v1', 'latest']],
      ['v1.2.3', '{{minor}}', '', ['2', 'latest']],
      ['v1.2.3', '{{patch}}', '', ['3', 'latest']],
      ['p1/v1.2.3', '{{version}}', 'v(\\d.\\d.\\d)$', ['1.2.3', 'latest']],
      ['v2.0.8-beta.67', '{{raw}}', '', ['v2.0.8-beta.67']],
      ['v2.0.8-beta.67', '{{version}}', '', ['2.0.8-beta.67']],
      ['v2.0.8-beta.67', '{{major}}', '', ['2.0.8-beta.67']],
      ['v2.0.8-beta.67', '{{major}}.{{minor}}', '', ['2.0.8-beta.67']],
    ] as const
  ).map(([tag, pattern, match, expected]): Case => ({
    name: `type=semver table: ${tag} ${pattern}${match ? ` match=${match}` : ''}`,
    tags: [`type=semver,pattern=${pattern}${match ? `,"match=${match}"` : ''}`],
    ctx: TAG(tag),
    expected: [...expected],
  })),
  ...(
    [
      ['1.2.3', '{{raw}}', '', ['1.2.3', 'latest']],
      ['1.2.3', '{{version}}', '', ['1.2.3', 'latest']],
      ['v1.2.3', '{{version}}', '', ['1.2.3', 'latest']],
      ['1.2.3', '{{major}}.{{minor}}', '', ['1.2', 'latest']],
      ['1.2.3', 'v{{major}}', '', ['v1', 'latest']],
      ['v1.2.3rc2', '{{raw}}', '', ['v1.2.3rc2']],
      ['1.2.3rc2', '{{version}}', '', ['1.2.3rc2']],
      ['p1/v1.2.3', '{{version}}', 'v(\\d.\\d.\\d)$', ['1.2.3', 'latest']],
      ['1.2.3rc2', '{{major}}.{{minor}}', '', ['1.2.3rc2']],
      ['1.2.3post1', '{{major}}.{{minor}}', '', ['1.2.3.post1']],
      ['1.2.3beta2', '{{major}}.{{minor}}', '', ['1.2.3b2']],
      ['1.0dev4', '{{major}}.{{minor}}', '', ['1.0.dev4']],
    ] as const
  ).map(([tag, pattern, match, expected]): Case => ({
    name: `type=pep440 table: ${tag} ${pattern}${match ? ` match=${match}` : ''}`,
    tags: [`type=pep440,pattern=${pattern}${match ? `,"match=${match}"` : ''}`],
    ctx: TAG(tag),
    expected: [...expected],
  })),
  ...(
    [
      ['v1.2.3', '\\d.\\d.\\d', '0', '1.2.3'],
      ['v2.0.8-beta.67', 'v(.*)', '1', '2.0.8-beta.67'],
      ['v2.0.8-beta.67', 'v(\\d.\\d)', '1', '2.0'],
      ['20200110-RC2', '\\d+', '0', '20200110'],
      ['p1/v1.2.3', 'p1/v(\\d.\\d.\\d)', '1', '1.2.3'],
    ] as const
  ).map(([tag, pattern, group, out]): Case => ({
    name: `type=match table: ${tag} ${pattern} group ${group}`,
    tags: [`type=match,"pattern=${pattern}",group=${group}`],
    ctx: TAG(tag),
    expected: [out, 'latest'],
  })),
  {
    name: 'type=schedule: the README tags block (with its comment lines) on a schedule event',
    tags: [
      '# minimal',
      'type=schedule',
      '# default',
      'type=schedule,pattern=nightly',
      '# handlebars',
      "type=schedule,pattern={{date 'YYYYMMDD'}}",
      '# handlebars with timezone',
      "type=schedule,pattern={{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}",
    ],
    ctx: readme('schedule', 'refs/heads/master'),
    expected: ['nightly', '20200110', '20200110-093000'],
  },
  {
    name: 'type=semver: the README tags block on a branch (value= works without a tag)',
    tags: [
      'type=semver,pattern={{version}}',
      'type=semver,pattern={{version}},value=v1.0.0',
      'type=semver,pattern={{version}},value=p1/v1.0.0,match=v(\\d.\\d.\\d)$',
    ],
    ctx: MASTER,
    expected: ['1.0.0', 'latest'],
  },
  {
    name: 'type=pep440: the README tags block on a branch',
    tags: [
      'type=pep440,pattern={{version}}',
      'type=pep440,pattern={{version}},value=1.0.0',
      'type=pep440,pattern={{version}},value=p1/v1.0.0,match=v(\\d.\\d.\\d)$',
    ],
    ctx: MASTER,
    expected: ['1.0.0', 'latest'],
  },
  {
    name: 'type=match: the README tags block on tag v1.2.3',
    tags: [
      'type=match,pattern=\\d.\\d.\\d',
      'type=match,pattern=v(.*),group=1',
      'type=match,pattern=v(.*),group=1,value=v1.0.0',
    ],
    ctx: TAG('v1.2.3'),
    expected: ['1.2.3', '1.0.0', 'latest'],
  },
  { name: 'type=ref table: pull_request refs/pull/2/merge', tags: REFS, ctx: PR2, expected: ['pr-2'] },
  { name: 'type=ref table: push refs/heads/master', tags: REFS, ctx: MASTER, expected: ['master'] },
  {
    name: 'type=ref table: push refs/heads/my/branch',
    tags: REFS,
    ctx: readme('push', 'refs/heads/my/branch'),
    expected: ['my-branch'],
  },
  { name: 'type=ref table: push tag v1.2.3', tags: REFS, ctx: TAG('v1.2.3'), expected: ['v1.2.3', 'latest'] },
  {
    name: 'type=ref table: push tag v2.0.8-beta.67',
    tags: REFS,
    ctx: TAG('v2.0.8-beta.67'),
    expected: ['v2.0.8-beta.67', 'latest'],
  },
  { name: 'type=ref table: workflow_dispatch refs/heads/master', tags: REFS, ctx: DISPATCH, expected: ['master'] },
  { name: 'type=edge: minimal, on the default branch', tags: ['type=edge'], ctx: MASTER, expected: ['edge'] },
  { name: 'type=edge: minimal, elsewhere', tags: ['type=edge'], ctx: RELEASES_V1, expected: [] },
  {
    name: 'type=edge: branch=main',
    tags: ['type=edge,branch=main'],
    ctx: readme('push', 'refs/heads/main'),
    expected: ['edge'],
  },
  {
    name: 'type=raw: value=foo, value=bar',
    tags: ['type=raw,value=foo', 'type=raw,value=bar'],
    ctx: MASTER,
    expected: ['foo', 'bar'],
  },
  {
    name: 'type=raw: type=raw,foo form',
    tags: ['type=raw,foo', 'type=raw,bar'],
    ctx: MASTER,
    expected: ['foo', 'bar'],
  },
  { name: 'type=raw: bare lines are raw values', tags: ['foo', 'bar'], ctx: MASTER, expected: ['foo', 'bar'] },
  { name: 'type=sha: minimal (short sha)', tags: ['type=sha'], ctx: MASTER, expected: ['sha-860c190'] },
  {
    name: 'type=sha: format=long',
    tags: ['type=sha,format=long'],
    ctx: MASTER,
    expected: ['sha-860c1904a1ce19322e91ac35af1ab07466440c37'],
  },
  {
    name: 'Latest tag: raw latest with {{is_default_branch}} on master',
    tags: ['type=raw,value=latest,enable={{is_default_branch}}'],
    ctx: MASTER,
    expected: ['latest'],
  },
  {
    name: 'Latest tag: raw latest with {{is_default_branch}} elsewhere',
    tags: ['type=raw,value=latest,enable={{is_default_branch}}'],
    ctx: RELEASES_V1,
    expected: [],
  },
  {
    name: 'Global expressions: type=sha,prefix={{branch}}-',
    tags: ['type=sha,prefix={{branch}}-'],
    ctx: MASTER,
    expected: ['master-860c190'],
  },
  {
    name: 'Global expressions: type=raw,value=mytag-{{branch}}-{{sha}}',
    tags: ['type=raw,value=mytag-{{branch}}-{{sha}}'],
    ctx: MASTER,
    expected: ['mytag-master-860c190'],
  },
  {
    name: 'Major version zero: refs/tags/v0.1.2 with {{major}} disabled',
    tags: [
      'type=semver,pattern={{version}}',
      'type=semver,pattern={{major}}.{{minor}}',
      'type=semver,pattern={{major}},enable=false',
    ],
    ctx: TAG('v0.1.2'),
    expected: ['0.1.2', '0.1', 'latest'],
  },
];

// One rule set across every kind of event (default branch "main").
const ALL = [
  'type=schedule',
  'type=semver,pattern={{version}}',
  'type=semver,pattern={{major}}.{{minor}}',
  'type=edge',
  'type=ref,event=branch',
  'type=ref,event=tag',
  'type=ref,event=pr',
  'type=sha',
];
const PR7 = { prHeadSha: HEAD, baseRef: 'main' };
const eventCases: Case[] = [
  {
    name: 'push to the default branch',
    tags: ALL,
    ctx: ctx('push', 'refs/heads/main'),
    expected: ['edge', 'main', 'sha-abcdef1'],
  },
  {
    name: 'push to feature/x-y',
    tags: ALL,
    ctx: ctx('push', 'refs/heads/feature/x-y'),
    expected: ['feature-x-y', 'sha-abcdef1'],
  },
  {
    name: 'push to Fix/UPPER_case',
    tags: ALL,
    ctx: ctx('push', 'refs/heads/Fix/UPPER_case'),
    expected: ['Fix-UPPER_case', 'sha-abcdef1'],
  },
  {
    name: 'push tag v1.2.3',
    tags: ALL,
    ctx: ctx('push', 'refs/tags/v1.2.3'),
    expected: ['1.2.3', '1.2', 'v1.2.3', 'sha-abcdef1', 'latest'],
  },
  {
    name: 'push tag v2.0.0-rc.1: prerelease gives only the full version, no latest',
    tags: ALL,
    ctx: ctx('push', 'refs/tags/v2.0.0-rc.1'),
    expected: ['2.0.0-rc.1', 'v2.0.0-rc.1', 'sha-abcdef1'],
  },
  {
    name: 'push tag 1.2.3 without v',
    tags: ALL,
    ctx: ctx('push', 'refs/tags/1.2.3'),
    expected: ['1.2.3', '1.2', 'sha-abcdef1', 'latest'],
  },
  {
    name: 'push tag release-2024 (not semver): ref tag decides latest',
    tags: ALL,
    ctx: ctx('push', 'refs/tags/release-2024'),
    expected: ['release-2024', 'sha-abcdef1', 'latest'],
  },
  {
    name: 'push tag v1.2.3+build.5: build metadata is not in {{version}}',
    tags: ALL,
    ctx: ctx('push', 'refs/tags/v1.2.3+build.5'),
    expected: ['1.2.3', '1.2', 'v1.2.3-build.5', 'sha-abcdef1', 'latest'],
  },
  {
    name: 'push tag V1.2.3: uppercase V is not semver',
    tags: ALL,
    ctx: ctx('push', 'refs/tags/V1.2.3'),
    expected: ['V1.2.3', 'sha-abcdef1', 'latest'],
  },
  {
    name: 'pull_request refs/pull/7/merge',
    tags: ALL,
    ctx: ctx('pull_request', 'refs/pull/7/merge', PR7),
    expected: ['pr-7', 'sha-abcdef1'],
  },
  {
    name: 'pull_request with usePrHeadSha',
    tags: ALL,
    ctx: ctx('pull_request', 'refs/pull/7/merge', { ...PR7, usePrHeadSha: true }),
    expected: ['pr-7', 'sha-fedcba9'],
  },
  {
    name: 'pull_request_target (ref rewritten to the PR)',
    tags: ALL,
    ctx: ctx('pull_request_target', 'refs/pull/7/merge', PR7),
    expected: ['pr-7', 'sha-abcdef1'],
  },
  {
    name: 'pull_request_target with usePrHeadSha',
    tags: ALL,
    ctx: ctx('pull_request_target', 'refs/pull/7/merge', { ...PR7, usePrHeadSha: true }),
    expected: ['pr-7', 'sha-fedcba9'],
  },
  {
    name: 'usePrHeadSha is ignored outside PRs',
    tags: ['type=sha'],
    ctx: ctx('push', 'refs/heads/main', { prHeadSha: HEAD, usePrHeadSha: true }),
    expected: ['sha-abcdef1'],
  },
  {
    name: 'schedule on the default branch',
    tags: ALL,
    ctx: ctx('schedule', 'refs/heads/main'),
    expected: ['nightly', 'edge', 'main', 'sha-abcdef1'],
  },
  {
    name: 'workflow_dispatch on main',
    tags: ALL,
    ctx: ctx('workflow_dispatch', 'refs/heads/main'),
    expected: ['edge', 'main', 'sha-abcdef1'],
  },
  {
    name: 'workflow_dispatch on a branch',
    tags: ALL,
    ctx: ctx('workflow_dispatch', 'refs/heads/dev'),
    expected: ['dev', 'sha-abcdef1'],
  },
  {
    name: 'release (refs/tags/v1.2.3)',
    tags: ALL,
    ctx: ctx('release', 'refs/tags/v1.2.3'),
    expected: ['1.2.3', '1.2', 'v1.2.3', 'sha-abcdef1', 'latest'],
  },
  { name: 'local run, detached (no ref)', tags: ALL, ctx: ctx('local', ''), expected: ['sha-abcdef1'] },
  { name: 'local run, nothing known', tags: ALL, ctx: ctx('local', '', { sha: '' }), expected: [] },
  {
    name: 'no default branch known: no edge',
    tags: ALL,
    ctx: ctx('push', 'refs/heads/main', { defaultBranch: undefined }),
    expected: ['main', 'sha-abcdef1'],
  },
  {
    name: 'semver {{raw}} keeps a prerelease raw',
    tags: ['type=semver,pattern={{raw}}'],
    ctx: ctx('push', 'refs/tags/v2.0.0-rc.1'),
    expected: ['v2.0.0-rc.1'],
  },
  {
    name: 'semver v{{major}} on a prerelease drops the v',
    tags: ['type=semver,pattern=v{{major}}'],
    ctx: ctx('push', 'refs/tags/v2.0.0-rc.1'),
    expected: ['2.0.0-rc.1'],
  },
  {
    name: 'semver value= works on a branch',
    tags: ['type=semver,pattern={{major}},value=3.4.5'],
    ctx: ctx('push', 'refs/heads/dev'),
    expected: ['3', 'latest'],
  },
  {
    name: 'semver value= with {{branch}}',
    tags: ['type=semver,pattern={{version}},value={{branch}}'],
    ctx: ctx('push', 'refs/heads/1.4.0'),
    expected: ['1.4.0', 'latest'],
  },
  {
    name: 'semver match= that does not match keeps the whole tag',
    tags: ['type=semver,pattern={{version}},match=x(\\d)'],
    ctx: ctx('push', 'refs/tags/v1.2.3'),
    expected: ['1.2.3', 'latest'],
  },
];

const P = ['type=pep440,pattern={{version}}', 'type=pep440,pattern={{major}}.{{minor}}'];
const pepCases: Case[] = (
  [
    ['1.2.3a1', P, ['1.2.3a1']],
    ['1.2.3.post1', P, ['1.2.3.post1']],
    ['1.2.3.dev2', P, ['1.2.3.dev2']],
    ['v2.0.0rc1', P, ['2.0.0rc1']],
    ['v2.0.0-rc.1', P, ['2.0.0rc1']],
    ['1.2.3', P, ['1.2.3', '1.2', 'latest']],
    ['1.0-1 (implicit post release)', P, ['1.0.post1']],
    ['1!2.0 (epoch)', P, ['1-2.0', '2.0', 'latest']],
    // metadata-action's pep440 clean() joins local segments with ",": 1.2.3+local,7, sanitized to 1.2.3-local-7.
    ['1.2.3+local.7', P, ['1.2.3-local-7', '1.2', 'latest']],
    ['V1.2.3A1 with {{raw}}', ['type=pep440,pattern={{raw}}'], ['V1.2.3A1']],
    ['1.2.3.ALPHA.4', P, ['1.2.3a4']],
    ['7 (single part)', ['type=pep440,pattern={{major}}.{{minor}}.{{patch}}'], ['7.0.0', 'latest']],
    ['release-2024', P, []],
  ] as const
).map(([tag, tags, expected]) => ({
  name: `pep440 tag ${tag}`,
  tags,
  ctx: ctx('push', `refs/tags/${tag.split(' ')[0]}`),
  expected: [...expected],
}));

const V123 = ctx('push', 'refs/tags/v1.2.3');
const DEV = ctx('push', 'refs/heads/dev');
const SV = ['type=semver,pattern={{version}}'];
const flavorCases: Case[] = [
  { name: 'latest=auto on a release tag', tags: SV, ctx: V123, flavor: ['latest=auto'], expected: ['1.2.3', 'latest'] },
  { name: 'latest=false on a release tag', tags: SV, ctx: V123, flavor: ['latest=false'], expected: ['1.2.3'] },
  {
    name: 'latest=true on a branch',
    tags: ['type=ref,event=branch'],
    ctx: DEV,
    flavor: ['latest=true'],
    expected: ['dev', 'latest'],
  },
  {
    name: 'latest=true with no tag at all gives nothing',
    tags: ['type=ref,event=tag'],
    ctx: DEV,
    flavor: ['latest=true'],
    expected: [],
  },
  {
    name: 'latest=true and raw latest: de-duplicated',
    tags: ['type=raw,value=latest'],
    ctx: DEV,
    flavor: ['latest=true'],
    expected: ['latest'],
  },
  {
    name: 'latest=auto: highest priority rule decides (raw first: no latest)',
    tags: ['type=raw,priority=1000,foo', ...SV],
    ctx: V123,
    expected: ['foo', '1.2.3'],
  },
  {
    name: 'latest=auto: sha outranking ref tag: no latest',
    tags: ['type=sha,priority=1000', 'type=ref,event=tag'],
    ctx: V123,
    expected: ['sha-abcdef1', 'v1.2.3'],
  },
  { name: 'prefix without onlatest', tags: SV, ctx: V123, flavor: ['prefix=p-'], expected: ['p-1.2.3', 'latest'] },
  {
    name: 'prefix with onlatest=true',
    tags: SV,
    ctx: V123,
    flavor: ['prefix=p-,onlatest=true'],
    expected: ['p-1.2.3', 'p-latest'],
  },
  { name: 'suffix without onlatest', tags: SV, ctx: V123, flavor: ['suffix=-gpu'], expected: ['1.2.3-gpu', 'latest'] },
  {
    name: 'suffix with onlatest=true',
    tags: SV,
    ctx: V123,
    flavor: ['suffix=-gpu,onlatest=true'],
    expected: ['1.2.3-gpu', 'latest-gpu'],
  },
  {
    name: 'prefix and suffix, onlatest false then true',
    tags: SV,
    ctx: V123,
    flavor: ['prefix=p-,onlatest=false', 'suffix=-s,onlatest=true'],
    expected: ['p-1.2.3-s', 'latest-s'],
  },
  {
    name: 'rule prefix= (even empty) wins over the flavor prefix',
    tags: ['type=raw,value=a,prefix=', 'type=raw,value=b'],
    ctx: DEV,
    flavor: ['prefix=p-'],
    expected: ['a', 'p-b'],
  },
  {
    name: 'sha keeps its sha- prefix but takes the flavor suffix',
    tags: ['type=sha'],
    ctx: DEV,
    flavor: ['prefix=p-', 'suffix=-s'],
    expected: ['sha-abcdef1-s'],
  },
  {
    name: 'flavor prefix renders expressions',
    tags: ['type=raw,value=x'],
    ctx: DEV,
    flavor: ['prefix={{branch}}-'],
    expected: ['dev-x'],
  },
  // metadata-action adds the flavor prefix to latest as written, without rendering it (src/meta.ts generateTags).
  {
    name: 'flavor prefix expression is not rendered on latest (metadata-action source)',
    tags: SV,
    ctx: V123,
    flavor: ['prefix={{sha}}-,onlatest=true'],
    expected: ['abcdef1-1.2.3', 'sha--latest'],
  },
  {
    name: 'raw latest with flavor suffix counts as latest only with onlatest',
    tags: ['type=raw,value=latest'],
    ctx: DEV,
    flavor: ['suffix=-gpu,onlatest=true'],
    expected: ['latest-gpu'],
  },
  {
    name: 'duplicates keep the first (highest priority) position',
    tags: ['type=raw,value=v1', 'type=raw,value=x', 'type=raw,value=v1', 'type=ref,event=tag'],
    ctx: ctx('push', 'refs/tags/v1'),
    expected: ['v1', 'x', 'latest'],
  },
  {
    name: 'equal priorities keep input order',
    tags: ['type=raw,value=c', 'type=raw,value=a', 'type=raw,value=b'],
    ctx: DEV,
    expected: ['c', 'a', 'b'],
  },
  {
    name: 'priority= reorders (and sets the version)',
    tags: ['type=raw,value=low,priority=1', 'type=raw,value=high,priority=5000'],
    ctx: DEV,
    expected: ['high', 'low'],
  },
];

describe('computeTags: metadata-action README tables', () => {
  it.each(readmeCases)('$name', check);
});

describe('computeTags: events crossed with rule sets', () => {
  it.each(eventCases)('$name', check);
  it.each(pepCases)('$name', check);
});

describe('computeTags: latest and flavor', () => {
  it.each(flavorCases)('$name', check);

  it('reports latest (with flavor affixes) in the result', () => {
    expect(tagsOf(SV, V123, ['suffix=-gpu,onlatest=true']).latest).toBe(true);
    expect(tagsOf(SV, V123, ['latest=false']).latest).toBe(false);
    expect(tagsOf(['type=raw,value=latest,enable={{is_default_branch}}'], ctx('push', 'refs/heads/main')).latest).toBe(
      true,
    );
  });

  it('throws a short message when enable= renders to something other than true/false', () => {
    const { rules } = parseTagRules(['type=raw,value=x,enable={{branch}}']);
    const { flavor } = parseFlavor([]);
    expect(() => computeTags(rules, flavor, DEV)).toThrow(
      'enable= of tags entry "type=raw,value=x,enable={{branch}}" gave "dev", expected true or false',
    );
  });
});
