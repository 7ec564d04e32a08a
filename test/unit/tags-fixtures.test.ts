// Cases ported from docker/metadata-action's __tests__/meta.test.ts: same event fixtures (refs, shas, PR head,
// base ref, default branch "master"), same tags/flavor inputs, expected tag names (the image prefix removed).
// Their tests freeze moment() at 2020-01-10T00:30:00Z for both {{date}} and {{commit_date}}.
import { describe, expect, it } from '@jest/globals';
import { computeTags, parseFlavor, parseTagRules, type MetaContext } from '../../src/meta/tags.js';

const FROZEN = new Date('2020-01-10T00:30:00.000Z');
const SHA_DEV = '860c1904a1ce19322e91ac35af1ab07466440c37';
const SHA_MASTER = '266574110acf203503badf966df2ea24b5d732d7';
const ev = (eventName: string, ref: string, sha: string, over: Partial<MetaContext> = {}): MetaContext => ({
  eventName,
  ref,
  sha,
  defaultBranch: 'master',
  date: FROZEN,
  commitDate: FROZEN,
  ...over,
});
const PUSH_DEV = ev('push', 'refs/heads/dev', SHA_DEV);
const PUSH_MASTER = ev('push', 'refs/heads/master', SHA_MASTER);
const DISPATCH = ev('workflow_dispatch', 'refs/heads/master', SHA_DEV);
const INVALIDCHARS = ev('push', 'refs/heads/my/feature#1245', '983315b5e8d46e46fc4c49869e85e7ee5fb289ba');
// event_tag_v1.1.1.json is a push payload whose base_ref is refs/heads/master.
const TAG = (name: string) =>
  ev('push', `refs/tags/${name}`, SHA_DEV, name === 'v1.1.1' ? { baseRef: 'refs/heads/master' } : {});
const PR_HEAD = '3370e228f2209994d57af4427fe64e71bb79ac96';
const PR = ev('pull_request', 'refs/pull/15/merge', 'a9c8c5828b91be19d9728548b24759e352367ef1', {
  prHeadSha: PR_HEAD,
  baseRef: 'master',
});
// metadata-action rewrites GITHUB_REF to refs/pull/<number>/merge for pull_request_target.
const PR_TARGET = ev('pull_request_target', 'refs/pull/15/merge', SHA_MASTER, {
  prHeadSha: PR_HEAD,
  baseRef: 'master',
});
const SCHEDULE = ev('schedule', 'refs/heads/master', SHA_DEV);
const RELEASE = ev('release', 'refs/tags/v1.1.1', SHA_DEV);
const NULL = ev('', '', '');
const GLOBAL_EXP = ['type=raw,value=mytag-{{branch}}', "type=raw,value=mytag-{{date 'YYYYMMDD'}}"];
const LONG_DEV = `sha-${SHA_DEV}`;
const B = 'type=ref,event=branch';
const SEMVER3 = [
  'type=semver,pattern={{version}}',
  'type=semver,pattern={{major}}.{{minor}}',
  'type=semver,pattern={{major}}',
];
const PEP3 = [
  'type=pep440,pattern={{version}}',
  'type=pep440,pattern={{major}}.{{minor}}',
  'type=pep440,pattern={{major}}',
];
const RAW3 = ['type=raw,my', 'type=raw,custom', 'type=raw,tags'];
const GLOBAL_FLAVOR = ['prefix=glo-', 'suffix=-bal'];

type Case = [name: string, ctx: MetaContext, tags: string[], flavor: string[], expected: string[]];

const cases: Case[] = [
  ['null01', NULL, [], [], []],
  ['null02 (event_empty)', NULL, ['type=sha', 'type=raw,{{branch}}'], [], []],
  ['push01', PUSH_DEV, [], [], ['dev']],
  ['push02', PUSH_MASTER, ['type=edge'], [], ['edge']],
  ['push03', PUSH_MASTER, [], [], ['master']],
  ['push04 (workflow_dispatch)', DISPATCH, ['type=edge'], [], ['edge']],
  ['push07', PUSH_DEV, [B, 'type=sha'], [], ['dev', 'sha-860c190']],
  ['push08', PUSH_MASTER, ['type=edge', 'type=sha'], [], ['edge', 'sha-2665741']],
  ['push09', PUSH_DEV, ['type=edge,branch=dev', 'type=sha'], [], ['edge', 'sha-860c190']],
  ['push10', PUSH_MASTER, ['type=edge,branch=dev', 'type=sha'], [], ['sha-2665741']],
  ['push11 (invalid chars)', INVALIDCHARS, ['type=edge', 'type=sha'], [], ['sha-983315b']],
  [
    'push12 (invalid chars)',
    INVALIDCHARS,
    ['type=semver,pattern={{version}}', 'type=pep440,pattern={{version}}', 'type=edge'],
    [],
    [],
  ],
  ['push13', PUSH_MASTER, ['type=ref,priority=2000,event=branch', 'type=edge'], [], ['master', 'edge']],
  [
    'push14',
    PUSH_MASTER,
    ['type=semver,pattern={{version}},value=v1.2.3', 'type=pep440,pattern={{version}},value=v1.2.3', 'type=edge'],
    [],
    ['1.2.3', 'edge', 'latest'],
  ],
  [
    'push15',
    PUSH_MASTER,
    ['type=match,pattern=v(.*),group=1,value=v1.2.3', 'type=edge'],
    [],
    ['1.2.3', 'edge', 'latest'],
  ],
  ['push16', PUSH_MASTER, ['type=match,enable=false,pattern=v(.*),group=1,value=v1.2.3', 'type=edge'], [], ['edge']],
  [
    'push17',
    PUSH_MASTER,
    [
      ...GLOBAL_EXP,
      "type=raw,value=mytag-cd-{{commit_date 'YYYYMMDD'}}",
      "type=raw,value=mytag-{{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}",
      'type=raw,value=mytag-tag-{{tag}}',
      'type=raw,value=mytag-baseref-{{base_ref}}',
      'type=raw,value=mytag-defbranch,enable={{is_default_branch}}',
    ],
    [],
    [
      'mytag-master',
      'mytag-20200110',
      'mytag-cd-20200110',
      'mytag-20200110-093000',
      'mytag-tag-',
      'mytag-baseref-',
      'mytag-defbranch',
    ],
  ],
  ['push18', PUSH_DEV, [B, 'type=sha,format=long'], [], ['dev', LONG_DEV]],
  [
    'push19',
    PUSH_DEV,
    [
      'type=edge,branch=master',
      `${B},enable=false`,
      'type=sha,format=long',
      'type=raw,value=defbranch,enable={{is_default_branch}}',
    ],
    [],
    [LONG_DEV],
  ],
  ['push20', PUSH_DEV, ['type=edge,branch=master', `${B},enable=false`, 'type=sha,format=long'], [], [LONG_DEV]],
  [
    'push21',
    PUSH_MASTER,
    [
      ...GLOBAL_EXP,
      "type=raw,value=mytag-{{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}",
      "type=raw,value=mytag-src-{{commit_date 'YYYYMMDD'}}",
      'type=raw,value=mytag-tag-{{tag}}',
      'type=raw,value=mytag-baseref-{{base_ref}}',
      'type=raw,value=mytag-defbranch,enable={{is_default_branch}}',
    ],
    [],
    [
      'mytag-master',
      'mytag-20200110',
      'mytag-20200110-093000',
      'mytag-src-20200110',
      'mytag-tag-',
      'mytag-baseref-',
      'mytag-defbranch',
    ],
  ],
  [
    'push22',
    PUSH_DEV,
    ['type=edge,branch=master', 'type=sha,format=long', 'type=raw,value=notdefbranch,enable={{is_not_default_branch}}'],
    [],
    ['notdefbranch', LONG_DEV],
  ],
  [
    'push35',
    PUSH_MASTER,
    [
      'type=semver,pattern={{version}},value=p1/v1.2.3,"match=v(\\d.\\d.\\d)$"',
      'type=pep440,pattern={{version}},value=p1/v1.2.3,"match=v(\\d.\\d.\\d)$"',
      'type=edge',
    ],
    [],
    ['1.2.3', 'edge', 'latest'],
  ],
  ['tag01', TAG('release1'), [], [], ['release1', 'latest']],
  ['tag02', TAG('20200110-RC2'), [], [], ['20200110-RC2', 'latest']],
  ['tag03', TAG('20200110-RC2'), ['type=match,pattern=\\d{8}'], ['latest=false'], ['20200110']],
  ['tag04', TAG('20200110-RC2'), ['type=match,pattern=(.*)-RC,group=1'], ['latest=false'], ['20200110']],
  ['tag05', TAG('v1.1.1'), ['type=match,"pattern=\\d.\\d.\\d"'], [], ['1.1.1', 'latest']],
  ['tag06', TAG('v1.1.1'), ['type=match,"pattern=^v(\\d.\\d.\\d)$",group=1'], [], ['1.1.1', 'latest']],
  [
    'tag07',
    TAG('v2.0.8-beta.67'),
    ['type=match,"pattern=\\d.\\d.\\d-(alpha|beta).\\d+"'],
    [],
    ['2.0.8-beta.67', 'latest'],
  ],
  ['tag08', TAG('v2.0.8-beta.67'), ['type=match,"pattern=\\d.\\d"'], [], ['2.0', 'latest']],
  [
    'tag09',
    TAG('v2.0.8-beta.67'),
    ['type=match,"pattern=v(.*)-beta.(.*)",group=1', 'type=match,"pattern=v(.*)-beta.(.*)",group=2'],
    [],
    ['2.0.8', '67', 'latest'],
  ],
  ['tag10', TAG('sometag'), ['type=match,"pattern=\\d.\\d"'], [], []],
  ['tag11', TAG('v1.1.1'), SEMVER3, [], ['1.1.1', '1.1', '1', 'latest']],
  [
    'tag12',
    TAG('v1.1.1'),
    ['type=semver,pattern={{version}}', 'type=semver,pattern={{major}}.{{minor}}.{{patch}}'],
    [],
    ['1.1.1', 'latest'],
  ],
  [
    'tag13',
    TAG('v2.0.8-beta.67'),
    ['type=semver,pattern={{major}}.{{minor}}', 'type=semver,pattern={{major}}'],
    [],
    ['2.0.8-beta.67'],
  ],
  ['tag14', TAG('sometag'), ['type=ref,event=tag', ...SEMVER3], ['latest=false'], ['sometag']],
  [
    'tag15',
    TAG('v2.0.8-beta.67'),
    ['type=raw,priority=2000,foo', 'type=semver,pattern={{version}}', 'type=match,"pattern=\\d.\\d"'],
    [],
    ['foo', '2.0.8-beta.67', '2.0'],
  ],
  ['tag16', TAG('v1.1.1'), ['type=raw,priority=2000,foo', 'type=ref,event=tag', 'type=edge'], [], ['foo', 'v1.1.1']],
  [
    'tag17',
    TAG('p1/v1.0.0'),
    [
      'type=match,"pattern=/^v(\\d.\\d.\\d)$/ig",group=1',
      'type=match,pattern=\\d.\\d.\\d',
      'type=match,pattern=\\d.\\d',
      'type=ref,event=pr',
      'type=sha',
    ],
    [],
    ['1.0.0', '1.0', 'sha-860c190', 'latest'],
  ],
  [
    'tag18',
    TAG('p1/v1.0.0'),
    [
      'type=match,pattern=p1/v(\\d.\\d.\\d),group=1',
      'type=match,pattern=p1/v(\\d.\\d),group=1',
      'type=match,pattern=p1/v(\\d.\\d),group=3',
      'type=ref,event=pr',
      'type=sha',
    ],
    [],
    ['1.0.0', '1.0', 'sha-860c190', 'latest'],
  ],
  [
    'tag19',
    TAG('p1/v1.0.0'),
    [
      'type=match,pattern=p1/v(\\d.\\d.\\d),group=1',
      'type=match,pattern=p1/v(\\d.\\d),group=1,suffix=',
      'type=ref,event=pr',
      'type=sha',
    ],
    ['suffix=-dev'],
    ['1.0.0-dev', '1.0', 'sha-860c190-dev', 'latest'],
  ],
  [
    'tag20',
    TAG('v1.1.1'),
    [
      'type=raw,{{tag}}-{{sha}}-foo',
      'type=raw,{{base_ref}}-foo',
      'type=raw,defbranch-foo,enable={{is_default_branch}}',
    ],
    [],
    ['v1.1.1-860c190-foo', 'master-foo'],
  ],
  [
    'tag21',
    TAG('v1.1.1'),
    ['type=semver,pattern={{version}}', 'type=semver,pattern={{major}}.{{minor}}.{{patch}}'],
    ['suffix=-dev,onlatest=true'],
    ['1.1.1-dev', 'latest-dev'],
  ],
  [
    'tag22',
    TAG('v1.1.1'),
    ['type=semver,pattern={{version}}', 'type=semver,pattern={{major}}.{{minor}}.{{patch}}'],
    ['prefix=foo-,onlatest=true', 'suffix=-dev,onlatest=true'],
    ['foo-1.1.1-dev', 'foo-latest-dev'],
  ],
  [
    'tag23',
    TAG('v1.1.1'),
    ['type=pep440,pattern={{raw}}', 'type=pep440,pattern={{major}}.{{minor}}'],
    [],
    ['v1.1.1', '1.1', 'latest'],
  ],
  [
    'tag24',
    TAG('1.2'),
    ['type=pep440,pattern={{version}}', 'type=pep440,pattern={{major}}.{{minor}}'],
    [],
    ['1.2', 'latest'],
  ],
  [
    'tag25',
    TAG('1.1beta2'),
    ['type=pep440,pattern={{major}}.{{minor}}', 'type=pep440,pattern={{major}}'],
    [],
    ['1.1b2'],
  ],
  [
    'tag26',
    TAG('1.0dev4'),
    ['type=pep440,pattern={{major}}.{{minor}}', 'type=pep440,pattern={{major}}'],
    [],
    ['1.0.dev4'],
  ],
  ['tag27', TAG('1.2.3rc2'), ['type=pep440,pattern={{raw}}', ...PEP3], [], ['1.2.3rc2']],
  [
    'tag28',
    TAG('v1.1.1'),
    [
      'type=pep440,pattern={{version}}',
      'type=pep440,pattern={{major}}.{{minor}}.{{patch}}',
      'type=pep440,pattern={{major}}.{{minor}}',
      'type=pep440,pattern={{major}}',
    ],
    [],
    ['1.1.1', '1.1', '1', 'latest'],
  ],
  ['tag29', TAG('1.2post1'), PEP3, [], ['1.2.post1']],
  ['tag30', TAG('sometag'), ['type=ref,event=tag', ...PEP3], ['latest=false'], ['sometag']],
  ['tag31', TAG('v2.0.8-beta.67'), ['type=semver,pattern={{raw}}'], [], ['v2.0.8-beta.67']],
  [
    'tag32',
    TAG('v1.2.3rc2'),
    ['type=pep440,pattern={{raw}}', 'type=pep440,pattern={{major}}.{{minor}}'],
    [],
    ['v1.2.3rc2', '1.2.3rc2'],
  ],
  ['tag34', TAG('p1/v1.0.0'), ['type=semver,pattern={{version}},"match=v(\\d.\\d.\\d)$"'], [], ['1.0.0', 'latest']],
  ['latest01', TAG('release1'), ['type=match,"pattern=^release\\d{1,2}"'], [], ['release1', 'latest']],
  ['latest02', TAG('20200110-RC2'), ['type=match,"pattern=^\\d+-RC\\d{1,2}"'], [], ['20200110-RC2', 'latest']],
  ['latest03', TAG('20200110-RC2'), ['type=match,pattern=\\d{8}'], [], ['20200110', 'latest']],
  ['latest04', TAG('v1.1.1'), ['type=match,"pattern=\\d.\\d.\\d"'], [], ['1.1.1', 'latest']],
  ['latest05', TAG('v1.1.1'), [], [], ['v1.1.1', 'latest']],
  ['latest06', TAG('v2.0.8-beta.67'), ['type=match,"pattern=\\d.\\d.\\d"'], [], ['2.0.8', 'latest']],
  ['latest07', TAG('v1.1.1'), ['type=ref,event=tag'], ['latest=false'], ['v1.1.1']],
  ['pr01', PR, [], [], ['pr-15']],
  ['pr03', PR, ['type=ref,event=pr', 'type=sha'], [], ['pr-15', 'sha-a9c8c58']],
  ['pr04', PR, ['type=sha,priority=2000', 'type=ref,event=pr'], [], ['sha-a9c8c58', 'pr-15']],
  ['pr05', PR, ['type=ref,event=pr'], GLOBAL_FLAVOR, ['pr-15-bal']],
  ['pr06', PR, ['type=ref,event=pr,prefix='], GLOBAL_FLAVOR, ['15-bal']],
  [
    'pr07 (pull_request_target)',
    PR_TARGET,
    ['type=sha,priority=2000', 'type=ref,event=pr'],
    [],
    ['sha-2665741', 'pr-15'],
  ],
  ['pr08 (pull_request_target)', PR_TARGET, ['type=ref,event=pr,prefix='], GLOBAL_FLAVOR, ['15-bal']],
  [
    'pr09 (pull_request_target)',
    PR_TARGET,
    ['type=ref,event=tag', 'type=ref,event=pr', B, 'type=sha', 'type=sha,format=long'],
    [],
    ['pr-15', 'sha-2665741', `sha-${SHA_MASTER}`],
  ],
  [
    'pr10 (pull_request_target)',
    PR_TARGET,
    ['type=raw,value=mytag-{{base_ref}}', 'type=raw,mytag-defbranch,enable={{is_default_branch}}'],
    [],
    ['mytag-master'],
  ],
  [
    'pr11',
    PR,
    ['type=raw,value=mytag-{{base_ref}}', 'type=raw,mytag-defbranch,enable={{is_default_branch}}'],
    [],
    ['mytag-master'],
  ],
  [
    'pr12 (unquoted format: moment default)',
    PR,
    ['type=raw,value={{commit_date YYYY-MM-DD-HHmmSS}}'],
    [],
    ['2020-01-10T00-30-00Z'],
  ],
  ['schedule01', SCHEDULE, [], [], ['nightly', 'master']],
  [
    'schedule02',
    SCHEDULE,
    ["type=schedule,pattern={{date 'YYYYMMDD'}}", "type=schedule,pattern=source-date-{{commit_date 'YYYY-MM-DD'}}"],
    [],
    ['20200110', 'source-date-2020-01-10'],
  ],
  ['schedule03', SCHEDULE, ["type=schedule,pattern={{date 'YYYYMMDD-HHmmss'}}"], [], ['20200110-003000']],
  ['schedule05', SCHEDULE, ['type=schedule', 'type=sha'], [], ['nightly', 'sha-860c190']],
  [
    'schedule06',
    SCHEDULE,
    ['type=schedule', 'type=sha,priority=2000', 'type=raw,value=defbranch,enable={{is_default_branch}}'],
    [],
    ['sha-860c190', 'nightly', 'defbranch'],
  ],
  ['schedule07', SCHEDULE, ['type=schedule'], GLOBAL_FLAVOR, ['glo-nightly-bal']],
  [
    'schedule08',
    SCHEDULE,
    [
      "type=schedule,pattern={{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}",
      "type=schedule,pattern=src-{{commit_date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}",
    ],
    [],
    ['20200110-093000', 'src-20200110-093000'],
  ],
  ['release01', RELEASE, [], [], ['v1.1.1', 'latest']],
  [
    'release02',
    RELEASE,
    [
      'type=ref,event=tag',
      'type=raw,value=baseref-{{base_ref}}',
      'type=raw,value=defbranch,enable={{is_default_branch}}',
    ],
    [],
    ['v1.1.1', 'baseref-', 'latest'],
  ],
  [
    'release03',
    RELEASE,
    ["type=raw,value=src-{{commit_date 'YYYYMMDD-HHmmss'}}", "type=raw,value={{date 'YYYYMMDD-HHmmss'}}"],
    [],
    ['src-20200110-003000', '20200110-003000'],
  ],
  ['raw01', PUSH_DEV, [B, ...RAW3], [], ['dev', 'my', 'custom', 'tags']],
  ['raw02', PUSH_DEV, [B, 'type=raw,my'], [], ['dev', 'my']],
  ['raw03', TAG('release1'), ['type=ref,event=tag', ...RAW3], [], ['release1', 'my', 'custom', 'tags', 'latest']],
  [
    'raw04',
    TAG('20200110-RC2'),
    ['type=match,pattern=\\d{8}', ...RAW3],
    ['latest=false'],
    ['20200110', 'my', 'custom', 'tags'],
  ],
  ['raw05', TAG('v1.1.1'), [...SEMVER3, ...RAW3], [], ['1.1.1', '1.1', '1', 'my', 'custom', 'tags', 'latest']],
  ['raw06', TAG('v1.1.1'), RAW3, [], ['my', 'custom', 'tags']],
  [
    'raw07',
    PUSH_DEV,
    ['type=ref,priority=90,event=branch', ...RAW3],
    ['latest=true'],
    ['my', 'custom', 'tags', 'dev', 'latest'],
  ],
  ['raw08', PUSH_DEV, ['type=match,pattern=\\d{8}', ...RAW3], ['latest=false'], ['my', 'custom', 'tags']],
  [
    'raw09',
    PUSH_DEV,
    ['type=match,pattern=\\d{8}', 'type=raw,my,prefix=foo-,suffix=-bar', 'type=raw,custom', 'type=raw,tags'],
    ['latest=false', ...GLOBAL_FLAVOR],
    ['foo-my-bar', 'glo-custom-bal', 'glo-tags-bal'],
  ],
  [
    'raw10',
    PUSH_DEV,
    ['type=raw,foo', 'type=raw,bar,enable=false', 'type=raw,baz,enable=true'],
    ['latest=false'],
    ['foo', 'baz'],
  ],
  ['json01/bakeFile01 tag-names', PUSH_DEV, [B, ...RAW3], [], ['dev', 'my', 'custom', 'tags']],
  [
    'json05/bakeFile05 tag-names',
    TAG('v1.1.1'),
    [...SEMVER3, ...RAW3],
    [],
    ['1.1.1', '1.1', '1', 'my', 'custom', 'tags', 'latest'],
  ],
  ['json07/bakeFile07 tag-names', TAG('v1.1.1'), [], [], ['v1.1.1', 'latest']],
];

const headShaCases: Case[] = [
  ['pr-head-sha pr01', PR, [], [], ['pr-15']],
  ['pr-head-sha pr03', PR, ['type=ref,event=pr', 'type=sha'], [], ['pr-15', 'sha-3370e22']],
  ['pr-head-sha pr04', PR, ['type=sha,priority=2000', 'type=ref,event=pr'], [], ['sha-3370e22', 'pr-15']],
  ['pr-head-sha pr05', PR, ['type=ref,event=pr'], GLOBAL_FLAVOR, ['pr-15-bal']],
  ['pr-head-sha pr06', PR, ['type=ref,event=pr,prefix='], GLOBAL_FLAVOR, ['15-bal']],
  [
    'pr-head-sha pr07 (pull_request_target)',
    PR_TARGET,
    ['type=sha,priority=2000', 'type=ref,event=pr'],
    [],
    ['sha-3370e22', 'pr-15'],
  ],
  ['pr-head-sha pr08 (pull_request_target)', PR_TARGET, ['type=ref,event=pr,prefix='], GLOBAL_FLAVOR, ['15-bal']],
  [
    'pr-head-sha pr09 (pull_request_target)',
    PR_TARGET,
    ['type=ref,event=tag', 'type=ref,event=pr', B, 'type=sha', 'type=sha,format=long'],
    [],
    ['pr-15', 'sha-3370e22', `sha-${PR_HEAD}`],
  ],
  [
    'pr-head-sha pr10 (pull_request_target)',
    PR_TARGET,
    ['type=raw,value=mytag-{{base_ref}}', 'type=raw,mytag-defbranch,enable={{is_default_branch}}'],
    [],
    ['mytag-master'],
  ],
  [
    'pr-head-sha pr11',
    PR,
    ['type=raw,value=mytag-{{base_ref}}', 'type=raw,mytag-defbranch,enable={{is_default_branch}}'],
    [],
    ['mytag-master'],
  ],
  ['pr-head-sha pr12', PR, ['type=raw,value=src-{{commit_date YYYY-MM-DD}}'], [], ['src-2020-01-10T00-30-00Z']],
];

function run(ctx: MetaContext, tags: string[], flavor: string[]) {
  const parsed = parseTagRules(tags);
  const fl = parseFlavor(flavor);
  expect([...parsed.errors, ...fl.errors]).toEqual([]);
  return computeTags(parsed.rules, fl.flavor, ctx);
}

describe('computeTags matches metadata-action test fixtures (__tests__/meta.test.ts)', () => {
  it.each(cases)('%s (metadata-action fixture)', (_name, ctx, tags, flavor, expected) => {
    const result = run(ctx, tags, flavor);
    expect(result.tags).toEqual(expected);
    expect(result.version).toBe(expected[0]);
    expect(result.latest).toBe(expected.some((t) => /latest/.test(t)));
  });

  it.each(headShaCases)(
    '%s (metadata-action fixture, DOCKER_METADATA_PR_HEAD_SHA=true)',
    (_name, ctx, tags, flavor, expected) => {
      const result = run({ ...ctx, usePrHeadSha: true }, tags, flavor);
      expect(result.tags).toEqual(expected);
      expect(result.version).toBe(expected[0]);
    },
  );
});
