import { describe, expect, it } from '@jest/globals';
import type { Config, ImageConfig, PushEvent, VariantConfig } from '../../src/config/types.js';
import { DEFAULT_PUSH_WHEN } from '../../src/config/resolve.js';
import { MlImageError } from '../../src/errors.js';
import type { GitContext } from '../../src/meta/context.js';
import { computeTags, parseFlavor, parseTagRules } from '../../src/meta/tags.js';
import { formatPlan, planToJson, planToMatrix, planToTable } from '../../src/plan/format.js';
import {
  jobId,
  jobName,
  makePlan,
  metaContext,
  pushAllowed,
  variantTags,
  type BuildJob,
  type Plan,
  type PlanOptions,
} from '../../src/plan/plan.js';
import type { CacheSpec } from '../../src/plan/cache-spec.js';
import { cacheConfig, caught, gitContext, variantConfig } from './helpers.js';

const DATE = new Date('2024-05-01T12:00:00.000Z');
const CREATED = '2024-05-01T12:00:00.000Z';
const SHA = '860c1904a1ce19322e91ac35af1ab07466440c37';

// Two images in /repo: acme/llm with a default cpu variant and a cuda12 variant, tagged from a semver tag
// and a raw rule; acme/iris without variants, one raw tag and no latest.
const cpu: VariantConfig = variantConfig({
  name: 'cpu',
  dockerfile: '/repo/llm/Dockerfile',
  platforms: ['linux/amd64'],
  labels: { team: 'ml' },
});
const cuda12: VariantConfig = variantConfig({
  name: 'cuda12',
  isDefault: false,
  dockerfile: '/repo/llm/Dockerfile.cuda',
  target: 'cuda-runtime',
  buildArgs: { CUDA: '12.4.1', TORCH: '2.3.0' },
  labels: { team: 'ml', 'org.opencontainers.image.licenses': 'Apache-2.0' },
  platforms: ['linux/amd64'],
  gpu: true,
  runsOn: ['self-hosted', 'gpu'],
  tagSuffix: '-cuda12',
  latestTag: 'cuda',
});
const llm: ImageConfig = {
  index: 0,
  name: 'acme/llm',
  context: '/repo/llm',
  reproducible: false,
  secrets: ['HF_TOKEN'],
  tags: ['type=semver,pattern={{version}}', 'type=raw,value=x'],
  flavor: [],
  variants: [cpu, cuda12],
};
const irisSmoke = {
  timeoutMs: 60_000,
  gpu: 'none' as const,
  env: {},
  commands: [
    {
      name: 'ok',
      run: ['true'],
      expectOutput: [],
      excludeOutput: [],
      expectError: [],
      excludeError: [],
      env: {},
      expectExitCode: 0,
      timeoutMs: 1000,
    },
  ],
  files: [],
  structureTests: [],
  volumes: [],
  services: [],
};
const iris: ImageConfig = {
  index: 1,
  name: 'acme/iris',
  context: '/repo',
  secrets: [],
  reproducible: false,
  tags: ['type=raw,value=stable'],
  flavor: ['latest=false'],
  variants: [
    variantConfig({
      dockerfile: '/repo/Dockerfile.iris',
      smokeTest: irisSmoke,
      cache: cacheConfig({ backend: 'none' }),
    }),
  ],
};
const config: Config = {
  file: '/repo/ml-image.yml',
  root: '/repo',
  version: 1,
  images: [llm, iris],
  push: { registries: ['ghcr.io/acme', '127.0.0.1:5000'], when: [...DEFAULT_PUSH_WHEN], immutableTags: false },
  policy: { secretBuildArgs: 'warn' },
};
const git: GitContext = gitContext({
  sha: SHA,
  ref: 'refs/tags/v1.2.3',
  eventName: 'push',
  repository: 'acme/ml',
  defaultBranch: 'main',
});

const DOCKERFILES: Record<string, string> = {
  '/repo/llm/Dockerfile': 'FROM python:3.12-slim\n',
  '/repo/llm/Dockerfile.cuda':
    'ARG CUDA=11.8.0\nFROM nvidia/cuda:${CUDA}-runtime-ubuntu22.04 AS cuda-runtime\nFROM python:3.12-slim AS cpu\n',
};
const readFile = (file: string): string | undefined => DOCKERFILES[file];
const options = (over: Partial<PlanOptions> = {}): PlanOptions => ({ push: true, date: DATE, readFile, ...over });

const common = {
  'org.opencontainers.image.created': CREATED,
  'org.opencontainers.image.revision': SHA,
  'org.opencontainers.image.source': 'https://github.com/acme/ml',
  'org.opencontainers.image.url': 'https://github.com/acme/ml',
};

/** A tag push: the job's cache scope is its id, and it writes and reads the default-branch cache of the first registry. */
const tagPushCache = (id: string, cacheRef: string, over: Partial<CacheSpec> = {}): CacheSpec => ({
  ...cacheConfig(),
  scope: id,
  registry: { write: cacheRef, read: [cacheRef] },
  ...over,
});

const refs = (image: string, tags: string[]) =>
  ['ghcr.io/acme', '127.0.0.1:5000'].flatMap((r) => tags.map((t) => `${r}/${image}:${t}`));

const cpuJob: BuildJob = {
  id: 'acme-llm-cpu',
  image: 'acme/llm',
  variant: 'cpu',
  platform: 'linux/amd64',
  build: {
    context: '/repo/llm',
    dockerfile: '/repo/llm/Dockerfile',
    reproducible: false,
    target: undefined,
    buildArgs: {},
    secrets: ['HF_TOKEN'],
    cache: tagPushCache('acme-llm-cpu', 'ghcr.io/acme/acme/llm:buildcache-cpu'),
  },
  smokeTest: undefined,
  gpu: false,
  runsOn: ['ubuntu-latest'],
  tags: ['1.2.3', 'x', 'latest'],
  version: '1.2.3',
  localRefs: ['acme/llm:1.2.3', 'acme/llm:x', 'acme/llm:latest'],
  pushRefs: refs('acme/llm', ['1.2.3', 'x', 'latest']),
  labels: {
    ...common,
    'org.opencontainers.image.title': 'llm',
    'org.opencontainers.image.version': '1.2.3',
    'org.opencontainers.image.base.name': 'python:3.12-slim',
    'io.github.ml-image.variant': 'cpu',
    'io.github.ml-image.gpu': 'false',
    team: 'ml',
  },
};
const cudaJob: BuildJob = {
  id: 'acme-llm-cuda12',
  image: 'acme/llm',
  variant: 'cuda12',
  platform: 'linux/amd64',
  build: {
    context: '/repo/llm',
    dockerfile: '/repo/llm/Dockerfile.cuda',
    reproducible: false,
    target: 'cuda-runtime',
    buildArgs: { CUDA: '12.4.1', TORCH: '2.3.0' },
    secrets: ['HF_TOKEN'],
    cache: tagPushCache('acme-llm-cuda12', 'ghcr.io/acme/acme/llm:buildcache-cuda12'),
  },
  smokeTest: undefined,
  gpu: true,
  runsOn: ['self-hosted', 'gpu'],
  tags: ['1.2.3-cuda12', 'x-cuda12', 'cuda'],
  version: '1.2.3',
  localRefs: ['acme/llm:1.2.3-cuda12', 'acme/llm:x-cuda12', 'acme/llm:cuda'],
  pushRefs: refs('acme/llm', ['1.2.3-cuda12', 'x-cuda12', 'cuda']),
  labels: {
    ...common,
    'org.opencontainers.image.title': 'llm',
    'org.opencontainers.image.version': '1.2.3',
    'org.opencontainers.image.base.name': 'nvidia/cuda:12.4.1-runtime-ubuntu22.04',
    'org.opencontainers.image.licenses': 'Apache-2.0',
    'io.github.ml-image.variant': 'cuda12',
    'io.github.ml-image.gpu': 'true',
    'io.github.ml-image.cuda': '12.4.1',
    team: 'ml',
  },
};
const irisJob: BuildJob = {
  id: 'acme-iris',
  image: 'acme/iris',
  variant: '',
  platform: undefined,
  build: {
    context: '/repo',
    dockerfile: '/repo/Dockerfile.iris',
    reproducible: false,
    target: undefined,
    buildArgs: {},
    secrets: [],
    cache: tagPushCache('acme-iris', 'ghcr.io/acme/acme/iris:buildcache', { backend: 'none' }),
  },
  smokeTest: irisSmoke,
  gpu: false,
  runsOn: ['ubuntu-latest'],
  tags: ['stable'],
  version: 'stable',
  localRefs: ['acme/iris:stable'],
  pushRefs: refs('acme/iris', ['stable']),
  labels: {
    ...common,
    'org.opencontainers.image.title': 'iris',
    'org.opencontainers.image.version': 'stable',
    'io.github.ml-image.gpu': 'false',
  },
};

describe('makePlan', () => {
  it('every job, exactly: ids, tags, one push reference per registry × tag (registry-major), labels', () => {
    const want: Plan = {
      configFile: '/repo/ml-image.yml',
      root: '/repo',
      registries: ['ghcr.io/acme', '127.0.0.1:5000'],
      push: true,
      immutableTags: false,
      secretBuildArgs: 'warn',
      date: '2024-05-01T12:00:00.000Z',
      jobs: [cpuJob, cudaJob, irisJob],
    };
    expect(makePlan(config, git, options())).toStrictEqual(want);
  });

  it('a Dockerfile that cannot be read gives no base.name (and no CUDA) label', () => {
    const plan = makePlan(config, git, options({ readFile: () => undefined }));
    expect(
      plan.jobs.map((j) => [
        j.labels['org.opencontainers.image.base.name'],
        j.labels['io.github.ml-image.cuda'],
        j.labels['io.github.ml-image.gpu'],
      ]),
    ).toEqual([
      [undefined, undefined, 'false'],
      [undefined, undefined, 'true'],
      [undefined, undefined, 'false'],
    ]);
  });

  it('a CUDA base marks a variant without gpu: true as a GPU image', () => {
    const cudaCpu = { ...llm, variants: [{ ...cpu, dockerfile: '/repo/llm/Dockerfile.cuda', target: 'cuda-runtime' }] };
    const job = makePlan({ ...config, images: [cudaCpu] }, git, options()).jobs[0];
    expect([job.gpu, job.labels['io.github.ml-image.gpu'], job.labels['io.github.ml-image.cuda']]).toEqual([
      false,
      'true',
      '11.8.0',
    ]);
  });

  it('without tag rules, metadata-action defaults apply: a branch push gives the branch name', () => {
    const plan = makePlan(
      { ...config, images: [{ ...iris, tags: [], flavor: [] }] },
      gitContext({ ref: 'refs/heads/main' }),
      options(),
    );
    expect([plan.jobs[0].tags, plan.jobs[0].version]).toEqual([['main'], 'main']);
  });

  it('no rule applies: no tags, no refs, no version label', () => {
    const plan = makePlan({ ...config, images: [llm] }, gitContext({ ref: 'refs/heads/main' }), options());
    expect(
      plan.jobs.map((j) => [j.tags, j.localRefs, j.pushRefs, j.version, j.labels['org.opencontainers.image.version']]),
    ).toEqual([
      [['x'], ['acme/llm:x'], refs('acme/llm', ['x']), 'x', 'x'],
      [['x-cuda12'], ['acme/llm:x-cuda12'], refs('acme/llm', ['x-cuda12']), 'x', 'x'],
    ]);
  });

  it.each([
    {
      name: '--registry replaces push.registries',
      registries: ['quay.io'],
      push: true,
      want: [
        ['quay.io/acme/llm:1.2.3', 'quay.io/acme/llm:x', 'quay.io/acme/llm:latest'],
        ['quay.io/acme/llm:1.2.3-cuda12', 'quay.io/acme/llm:x-cuda12', 'quay.io/acme/llm:cuda'],
        ['quay.io/acme/iris:stable'],
      ],
    },
    {
      name: 'repeated --registry, in order',
      registries: ['quay.io', 'ghcr.io'],
      push: true,
      want: [
        [
          'quay.io/acme/llm:1.2.3',
          'quay.io/acme/llm:x',
          'quay.io/acme/llm:latest',
          'ghcr.io/acme/llm:1.2.3',
          'ghcr.io/acme/llm:x',
          'ghcr.io/acme/llm:latest',
        ],
        [
          'quay.io/acme/llm:1.2.3-cuda12',
          'quay.io/acme/llm:x-cuda12',
          'quay.io/acme/llm:cuda',
          'ghcr.io/acme/llm:1.2.3-cuda12',
          'ghcr.io/acme/llm:x-cuda12',
          'ghcr.io/acme/llm:cuda',
        ],
        ['quay.io/acme/iris:stable', 'ghcr.io/acme/iris:stable'],
      ],
    },
    { name: 'an empty override means no registry', registries: [], push: false, want: [[], [], []] },
  ])('$name', ({ registries, push, want }) => {
    const plan = makePlan(config, git, options({ push, registries }));
    expect([plan.registries, plan.push, plan.jobs.map((j) => j.pushRefs)]).toEqual([registries, push, want]);
  });

  it('identical inputs give equal plans', () => {
    expect(makePlan(config, git, options())).toEqual(makePlan(structuredClone(config), { ...git }, options()));
  });
});

describe('makePlan filters', () => {
  it.each([
    { name: 'no filters: every job', filters: {}, want: ['acme-llm-cpu', 'acme-llm-cuda12', 'acme-iris'] },
    {
      name: 'empty lists: every job',
      filters: { images: [], variants: [] },
      want: ['acme-llm-cpu', 'acme-llm-cuda12', 'acme-iris'],
    },
    { name: 'one image', filters: { images: ['acme/iris'] }, want: ['acme-iris'] },
    { name: 'image names are case-insensitive', filters: { images: ['ACME/Iris'] }, want: ['acme-iris'] },
    {
      name: 'images in config order, not filter order',
      filters: { images: ['acme/iris', 'acme/llm'] },
      want: ['acme-llm-cpu', 'acme-llm-cuda12', 'acme-iris'],
    },
    {
      name: 'one variant (images without it are left out)',
      filters: { variants: ['cuda12'] },
      want: ['acme-llm-cuda12'],
    },
    { name: 'image and variant', filters: { images: ['acme/llm'], variants: ['cpu'] }, want: ['acme-llm-cpu'] },
    { name: 'two variants', filters: { variants: ['cuda12', 'cpu'] }, want: ['acme-llm-cpu', 'acme-llm-cuda12'] },
  ])('$name', ({ filters, want }) => {
    expect(makePlan(config, git, options({ filters })).jobs.map((j) => j.id)).toEqual(want);
  });

  it('an unknown image is an error naming the images there are', () => {
    const err = caught(() => makePlan(config, git, options({ filters: { images: ['acme/iris', 'acme/bert'] } })));
    expect([err.constructor, err.message]).toEqual([
      MlImageError,
      'no image named "acme/bert" in the config (images: acme/llm, acme/iris)',
    ]);
  });

  // Bug (src/plan/plan.ts selectVariants()): a variant filter that names no variant of any selected image is
  // silently dropped (here the typo "cuda" for "cuda12": only cpu is planned, no error), while an unknown
  // image is an error that lists the images. So a typo quietly builds fewer variants than asked for.
  // Expected: an MlImageError naming the variants there are, like the image filter.
  it('an unknown variant is an error, like an unknown image', () => {
    expect(() =>
      makePlan(config, git, options({ filters: { images: ['acme/llm'], variants: ['cpu', 'cuda'] } })),
    ).toThrow(MlImageError);
  });
});

describe('variantTags', () => {
  const flavor = (...lines: string[]) => parseFlavor(lines).flavor;
  const cuda = (over: Partial<VariantConfig> = {}) =>
    variantConfig({ name: 'cuda12', isDefault: false, tagSuffix: '-cuda12', ...over });
  const long = 'a'.repeat(128);

  it.each([
    {
      name: 'default variant: unchanged',
      tags: ['1.2.3', '1.2', 'latest'],
      variant: variantConfig({ name: 'cpu' }),
      flavor: flavor(),
      want: ['1.2.3', '1.2', 'latest'],
    },
    {
      name: 'default variant keeps even a latest-tag it cannot have',
      tags: ['1.2.3', 'latest'],
      variant: variantConfig({ name: 'cpu', latestTag: 'cpu' }),
      flavor: flavor(),
      want: ['1.2.3', 'latest'],
    },
    {
      name: 'suffix on every tag, latest included',
      tags: ['1.2.3', 'sha-860c190', 'latest'],
      variant: cuda(),
      flavor: flavor(),
      want: ['1.2.3-cuda12', 'sha-860c190-cuda12', 'latest-cuda12'],
    },
    {
      name: 'custom tag-suffix',
      tags: ['1.2.3', 'latest'],
      variant: cuda({ tagSuffix: '_gpu' }),
      flavor: flavor(),
      want: ['1.2.3_gpu', 'latest_gpu'],
    },
    {
      name: 'latest-tag replaces latest',
      tags: ['1.2.3', 'latest'],
      variant: cuda({ latestTag: 'cuda' }),
      flavor: flavor(),
      want: ['1.2.3-cuda12', 'cuda'],
    },
    {
      name: 'no latest among the tags: latest-tag unused',
      tags: ['1.2.3'],
      variant: cuda({ latestTag: 'cuda' }),
      flavor: flavor(),
      want: ['1.2.3-cuda12'],
    },
    {
      name: 'flavor suffix with onlatest: the latest tag carries it, the variant suffix goes after it',
      tags: ['1.2.3-py312', 'latest-py312'],
      variant: cuda(),
      flavor: flavor('suffix=-py312,onlatest=true'),
      want: ['1.2.3-py312-cuda12', 'latest-py312-cuda12'],
    },
    {
      name: 'flavor suffix with onlatest: latest-tag replaces the suffixed latest',
      tags: ['1.2.3-py312', 'latest-py312'],
      variant: cuda({ latestTag: 'cuda' }),
      flavor: flavor('suffix=-py312,onlatest=true'),
      want: ['1.2.3-py312-cuda12', 'cuda'],
    },
    {
      name: 'flavor suffix without onlatest: plain latest is the latest tag',
      tags: ['1.2.3-py312', 'latest'],
      variant: cuda({ latestTag: 'cuda' }),
      flavor: flavor('suffix=-py312'),
      want: ['1.2.3-py312-cuda12', 'cuda'],
    },
    {
      name: 'flavor prefix with onlatest: the prefixed latest is replaced',
      tags: ['v1.2.3', 'vlatest'],
      variant: cuda({ latestTag: 'cuda' }),
      flavor: flavor('prefix=v,onlatest=true'),
      want: ['v1.2.3-cuda12', 'cuda'],
    },
    {
      name: 'flavor prefix without onlatest: a tag "vlatest" is not the latest tag',
      tags: ['v1.2.3', 'vlatest', 'latest'],
      variant: cuda({ latestTag: 'cuda' }),
      flavor: flavor('prefix=v'),
      want: ['v1.2.3-cuda12', 'vlatest-cuda12', 'cuda'],
    },
    {
      name: '128 characters at most: the tag is shortened, the suffix kept',
      tags: [long],
      variant: cuda(),
      flavor: flavor(),
      want: ['a'.repeat(121) + '-cuda12'],
    },
    {
      name: 'exactly 128 after the suffix is kept whole',
      tags: ['b'.repeat(121)],
      variant: cuda(),
      flavor: flavor(),
      want: ['b'.repeat(121) + '-cuda12'],
    },
    {
      name: 'tags that become equal when shortened are de-duplicated',
      tags: ['a'.repeat(127) + 'b', 'a'.repeat(127) + 'c', '1.0'],
      variant: cuda(),
      flavor: flavor(),
      want: ['a'.repeat(121) + '-cuda12', '1.0-cuda12'],
    },
    { name: 'no tags', tags: [], variant: cuda({ latestTag: 'cuda' }), flavor: flavor(), want: [] },
  ])('$name', ({ tags, variant, flavor: f, want }) => {
    const out = variantTags(tags, variant, f);
    expect(out).toEqual(want);
    expect(out.every((t) => t.length <= 128)).toBe(true);
  });

  it('composes with computeTags: semver from a tag push, latest per flavor', () => {
    const { rules } = parseTagRules(['type=semver,pattern={{version}}', 'type=semver,pattern={{major}}.{{minor}}']);
    const f = flavor('suffix=-py312,onlatest=true');
    const computed = computeTags(rules, f, metaContext(git, DATE));
    expect([computed.tags, variantTags(computed.tags, cuda({ latestTag: 'cuda' }), f)]).toEqual([
      ['1.2.3-py312', '1.2-py312', 'latest-py312'],
      ['1.2.3-py312-cuda12', '1.2-py312-cuda12', 'cuda'],
    ]);
  });

  // Bug (src/plan/plan.ts variantTags()): it recognises the latest tag by building its name from the flavor
  // WITHOUT sanitizing, while computeTags (src/meta/tags.ts latestName) sanitizes it. With a flavor suffix such
  // as "+cu121" the latest tag is "latest-cu121" but variantTags looks for "latest+cu121", so the variant's
  // latest-tag is ignored and "latest-cu121-cuda12" is produced. Expected: latest-tag "cuda" replaces it.
  it('latest-tag applies when the flavor suffix is sanitized', () => {
    const f = flavor('suffix=+cu121,onlatest=true');
    const computed = computeTags(parseTagRules(['type=semver,pattern={{version}}']).rules, f, metaContext(git, DATE));
    expect(variantTags(computed.tags, cuda({ latestTag: 'cuda' }), f)).toEqual(['1.2.3-cu121-cuda12', 'cuda']);
  });
});

describe('pushAllowed', () => {
  const ALL: PushEvent[] = [
    'always',
    'default-branch',
    'branch',
    'tag',
    'pull-request',
    'schedule',
    'workflow-dispatch',
    'release',
  ];
  type Row = { event: string; ctx: GitContext; allowed: PushEvent[]; byDefault: boolean };
  const ctx = (eventName: string, ref: string) => gitContext({ eventName, ref, defaultBranch: 'main' });
  // `allowed`: the push.when entries (besides always) that let this event push.
  const rows: Row[] = [
    {
      event: 'push to the default branch',
      ctx: ctx('push', 'refs/heads/main'),
      allowed: ['default-branch', 'branch'],
      byDefault: true,
    },
    { event: 'push to another branch', ctx: ctx('push', 'refs/heads/feature/x'), allowed: ['branch'], byDefault: true },
    { event: 'push of a tag', ctx: ctx('push', 'refs/tags/v1.2.3'), allowed: ['tag'], byDefault: true },
    {
      event: 'pull_request',
      ctx: ctx('pull_request', 'refs/pull/7/merge'),
      allowed: ['pull-request'],
      byDefault: false,
    },
    {
      event: 'pull_request_target (ref is the base branch)',
      ctx: ctx('pull_request_target', 'refs/heads/main'),
      allowed: ['pull-request'],
      byDefault: false,
    },
    {
      event: 'schedule on the default branch',
      ctx: ctx('schedule', 'refs/heads/main'),
      allowed: ['default-branch', 'schedule'],
      byDefault: true,
    },
    {
      event: 'workflow_dispatch on the default branch',
      ctx: ctx('workflow_dispatch', 'refs/heads/main'),
      allowed: ['default-branch', 'workflow-dispatch'],
      byDefault: true,
    },
    {
      event: 'workflow_dispatch on another branch',
      ctx: ctx('workflow_dispatch', 'refs/heads/dev'),
      allowed: ['workflow-dispatch'],
      byDefault: true,
    },
    {
      event: 'workflow_dispatch on a tag',
      ctx: ctx('workflow_dispatch', 'refs/tags/v1'),
      allowed: ['tag', 'workflow-dispatch'],
      byDefault: true,
    },
    { event: 'release', ctx: ctx('release', 'refs/tags/v1.2.3'), allowed: ['tag', 'release'], byDefault: true },
    {
      event: 'local on the default branch',
      ctx: ctx('local', 'refs/heads/main'),
      allowed: ['default-branch', 'branch'],
      byDefault: true,
    },
    { event: 'local on another branch', ctx: ctx('local', 'refs/heads/dev'), allowed: ['branch'], byDefault: true },
    { event: 'local on a tag (detached)', ctx: ctx('local', 'refs/tags/v1'), allowed: ['tag'], byDefault: true },
    { event: 'local, detached without a tag', ctx: ctx('local', ''), allowed: [], byDefault: false },
    {
      event: 'local on main, default branch unknown',
      ctx: gitContext({ eventName: 'local', ref: 'refs/heads/main' }),
      allowed: ['branch'],
      byDefault: true,
    },
  ];

  const cases = rows.flatMap((r) =>
    ALL.map((when) => ({ event: r.event, ctx: r.ctx, when, want: when === 'always' || r.allowed.includes(when) })),
  );
  it.each(cases)('$event, push.when [$when] → $want', ({ ctx: c, when, want }) => {
    expect(pushAllowed([when], c)).toBe(want);
  });

  it.each(rows)('$event, default push.when → $byDefault', ({ ctx: c, byDefault }) => {
    expect(pushAllowed(DEFAULT_PUSH_WHEN, c)).toBe(byDefault);
  });

  it('an empty push.when never pushes', () => {
    expect(rows.map((r) => pushAllowed([], r.ctx))).toEqual(rows.map(() => false));
  });
});

describe('names', () => {
  it.each([
    { name: 'acme/iris-classifier', variant: '', id: 'acme-iris-classifier' },
    { name: 'a__b.c/d', variant: '', id: 'a-b-c-d' },
    { name: 'iris', variant: '', id: 'iris' },
    { name: 'acme/llm', variant: 'cuda12', id: 'acme-llm-cuda12' },
    { name: 'acme/llm', variant: 'cuda12.1_x', id: 'acme-llm-cuda12-1-x' },
  ])('jobId($name, $variant) = $id', ({ name, variant, id }) => {
    expect(jobId(name, variant)).toBe(id);
  });

  it.each([
    { image: 'acme/iris', variant: '', want: 'acme/iris' },
    { image: 'acme/llm', variant: 'cuda12', want: 'acme/llm (cuda12)' },
  ])('jobName → $want', ({ image, variant, want }) => {
    expect(jobName({ image, variant })).toBe(want);
  });

  it('metaContext carries the git context and the date', () => {
    const date = new Date(0);
    const commitDate = new Date(1000);
    const c = gitContext({
      eventName: 'pull_request',
      ref: 'refs/pull/7/merge',
      prHeadSha: 'h',
      baseRef: 'main',
      defaultBranch: 'main',
      commitDate,
      usePrHeadSha: true,
    });
    expect(metaContext(c, date)).toStrictEqual({
      eventName: 'pull_request',
      ref: 'refs/pull/7/merge',
      sha: 'abc',
      prHeadSha: 'h',
      baseRef: 'main',
      defaultBranch: 'main',
      date,
      commitDate,
      usePrHeadSha: true,
    });
  });
});

describe('plan output', () => {
  const plan = makePlan(config, git, options());

  it('planToJson: paths relative to the repository root, sorted labels and build args, push refs when pushing', () => {
    const json = JSON.parse(planToJson(makePlan({ ...config, images: [iris] }, git, options()))) as unknown;
    expect(json).toEqual({
      version: 1,
      config: 'ml-image.yml',
      date: '2024-05-01T12:00:00.000Z',
      push: true,
      registries: ['ghcr.io/acme', '127.0.0.1:5000'],
      jobs: [
        {
          id: 'acme-iris',
          target: 'acme-iris',
          image: 'acme/iris',
          variant: '',
          platform: null,
          gpu: false,
          'runs-on': ['ubuntu-latest'],
          tags: ['stable'],
          version: 'stable',
          refs: ['ghcr.io/acme/acme/iris:stable', '127.0.0.1:5000/acme/iris:stable'],
          'local-refs': ['acme/iris:stable'],
          'push-refs': ['ghcr.io/acme/acme/iris:stable', '127.0.0.1:5000/acme/iris:stable'],
          build: {
            context: '.',
            dockerfile: 'Dockerfile.iris',
            reproducible: false,
            target: null,
            'build-args': {},
            secrets: [],
            // The whole cache spec; JSON drops the unset ref.
            cache: {
              backend: 'none',
              mode: 'max',
              scope: 'acme-iris',
              mounts: true,
              mountsMaxBytes: 2_000_000_000,
              registry: { write: 'ghcr.io/acme/acme/iris:buildcache', read: ['ghcr.io/acme/acme/iris:buildcache'] },
            },
            'source-date-epoch': null,
          },
          labels: { ...irisJob.labels },
          'smoke-test': irisSmoke,
        },
      ],
    });
  });

  it('planToJson: local refs when not pushing, and keys in a fixed order', () => {
    const text = planToJson(makePlan(config, git, options({ push: false })));
    const data = JSON.parse(text) as {
      jobs: { refs: string[]; labels: Record<string, string>; build: { 'build-args': Record<string, string> } }[];
    };
    expect(data.jobs.map((j) => j.refs)).toEqual([cpuJob.localRefs, cudaJob.localRefs, irisJob.localRefs]);
    expect(Object.keys(data.jobs[1].labels)).toEqual(Object.keys(cudaJob.labels).sort());
    expect(Object.keys(data.jobs[1].build['build-args'])).toEqual(['CUDA', 'TORCH']);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('planToJson is byte-identical for identical inputs', () => {
    const again = makePlan(structuredClone(config), { ...git }, options({ readFile: (f) => DOCKERFILES[f] }));
    expect(planToJson(again)).toBe(planToJson(plan));
  });

  it('planToJson holds no absolute path', () => {
    const strings: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') strings.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          strings.push(k);
          walk(x);
        }
    };
    walk(JSON.parse(planToJson(plan)));
    expect(strings.filter((s) => s.startsWith('/repo') || s.includes(':/repo'))).toEqual([]);
    expect(planToJson(plan)).not.toContain('/repo/');
  });

  it('planToMatrix: one entry per job, runs-on a string when single', () => {
    expect(planToMatrix(plan)).toEqual({
      include: [
        {
          id: 'acme-llm-cpu',
          image: 'acme/llm',
          variant: 'cpu',
          platform: 'linux/amd64',
          gpu: false,
          'runs-on': 'ubuntu-latest',
        },
        {
          id: 'acme-llm-cuda12',
          image: 'acme/llm',
          variant: 'cuda12',
          platform: 'linux/amd64',
          gpu: true,
          'runs-on': ['self-hosted', 'gpu'],
        },
        { id: 'acme-iris', image: 'acme/iris', variant: '', platform: '', gpu: false, 'runs-on': 'ubuntu-latest' },
      ],
    });
  });

  it('formatPlan matrix is the matrix as one JSON line', () => {
    expect(formatPlan(plan, 'matrix')).toBe(JSON.stringify(planToMatrix(plan)) + '\n');
  });

  it('planToTable: aligned columns, the last one unpadded, and a footer', () => {
    expect(planToTable(plan)).toBe(
      [
        'IMAGE      VARIANT  PLATFORM     GPU  RUNS-ON          TAGS',
        'acme/llm   cpu      linux/amd64  no   ubuntu-latest    1.2.3 x latest',
        'acme/llm   cuda12   linux/amd64  yes  self-hosted,gpu  1.2.3-cuda12 x-cuda12 cuda',
        'acme/iris  -        -            no   ubuntu-latest    stable',
        '',
        '3 jobs; push to ghcr.io/acme, 127.0.0.1:5000',
        '',
      ].join('\n'),
    );
  });

  it.each([
    {
      name: 'not pushing, one job without tags',
      plan: makePlan(
        { ...config, images: [llm] },
        gitContext({ ref: '' }),
        options({ push: false, filters: { variants: ['cpu'] } }),
      ),
      want: 'IMAGE     VARIANT  PLATFORM     GPU  RUNS-ON        TAGS\nacme/llm  cpu      linux/amd64  no   ubuntu-latest  x\n\n1 job; no push\n',
    },
    {
      name: 'pushing without registries',
      plan: makePlan({ ...config, images: [iris] }, git, options({ registries: [] })),
      want: 'IMAGE      VARIANT  PLATFORM  GPU  RUNS-ON        TAGS\nacme/iris  -        -         no   ubuntu-latest  stable\n\n1 job; push to (no registry)\n',
    },
  ])('planToTable: $name', ({ plan: p, want }) => {
    expect(planToTable(p)).toBe(want);
    expect(formatPlan(p, 'table')).toBe(want);
  });
});

describe('makePlan: tag rules that fail for this event', () => {
  it('an enable= expression that is not true/false is a user error naming the image and the rule', () => {
    const bad: ImageConfig = { ...iris, tags: ['type=raw,value=x,enable={{branch}}'] };
    const onBranch = gitContext({ sha: SHA, ref: 'refs/heads/main', eventName: 'push' });
    const err = caught(() => makePlan({ ...config, images: [bad] }, onBranch, options()));
    expect(err).toBeInstanceOf(MlImageError);
    expect(err.message).toBe(
      'tags of acme/iris: enable= of tags entry "type=raw,value=x,enable={{branch}}" gave "main", expected true or false',
    );
  });
});

// Reproducible images (issue 19): one commit, one date — whatever day the plan is made.
describe('reproducible images', () => {
  const commitDate = new Date('2026-11-30T12:34:56.789Z');
  const reproIris: ImageConfig = { ...iris, reproducible: true };
  const plan = (over: Partial<PlanOptions> = {}, image = reproIris) =>
    makePlan({ ...config, images: [image] }, { ...git, commitDate }, options(over)).jobs[0];

  it("take SOURCE_DATE_EPOCH and the created label from the commit's date, in whole seconds", () => {
    const job = plan();
    expect(job.build).toMatchObject({ reproducible: true, sourceDateEpoch: 1_796_042_096 });
    expect(job.labels['org.opencontainers.image.created']).toBe('2026-11-30T12:34:56.000Z');
    // Another day's plan of the same commit: the same dates.
    expect(plan({ date: new Date('2027-01-01T00:00:00Z') })).toEqual(job);
  });

  it("the caller's SOURCE_DATE_EPOCH wins; reproducible: false keeps the build's date", () => {
    const set = plan({ sourceDate: new Date(1_700_000_000_000) });
    expect(set.build.sourceDateEpoch).toBe(1_700_000_000);
    expect(set.labels['org.opencontainers.image.created']).toBe('2023-11-14T22:13:20.000Z');
    const off = plan({}, { ...iris, reproducible: false });
    expect(off.build.reproducible).toBe(false);
    expect(off.build.sourceDateEpoch).toBeUndefined();
    expect(off.labels['org.opencontainers.image.created']).toBe(DATE.toISOString());
  });
});
