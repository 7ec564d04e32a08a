import { describe, expect, it } from '@jest/globals';
import type { BuildJob, Plan } from '../../src/plan/plan.js';
import { megabytes } from '../../src/log/log.js';
import {
  planResult,
  registryOfRef,
  toOutputs,
  whyNotPushed,
  type ImageResult,
  type PipelineResult,
} from '../../src/report/result.js';
import { fenced, summaryMarkdown } from '../../src/report/summary.js';
import type { CheckResult, SmokeResult } from '../../src/smoke/smoke-test.js';
import { cacheConfig } from './helpers.js';

const D1 = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'b'.repeat(64)}`;
const D3 = `sha256:${'c'.repeat(64)}`;
const IID1 = `sha256:${'1'.repeat(64)}`;
const IID2 = `sha256:${'2'.repeat(64)}`;
const MATRIX = '{"include":[{"id":"acme-iris"},{"id":"acme-llm-cpu"}]}';
const PLAN =
  'IMAGE      VARIANT  TAGS\nacme/iris  -        1.2.0 latest\nacme/llm   cpu      1.2.0\n\n2 jobs; push to ghcr.io, 127.0.0.1:5000\n';
const HEADER = [
  '| image | tags | digest | size | build | cached steps | smoke test | pushed |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
];
const PLAN_DETAILS = [
  '<details><summary>Plan</summary>',
  '',
  '```text',
  ...PLAN.trimEnd().split('\n'),
  '```',
  '',
  '</details>',
];

const ok = (name: string, kind: CheckResult['kind'], durationMs: number): CheckResult => ({
  name,
  kind,
  passed: true,
  durationMs,
});
const smoke = (checks: CheckResult[]): SmokeResult => ({ passed: checks.every((c) => c.passed), gpus: false, checks });
const pushedTo = (refs: string[], digests: string[]) => refs.map((ref, i) => ({ ref, digest: digests[i] }));

// Two images in two registries: acme/iris (no variants, smoke-tested) and acme/llm's cpu variant (no smoke test).
const IRIS_PUSH = [
  'ghcr.io/acme/iris:1.2.0',
  'ghcr.io/acme/iris:latest',
  '127.0.0.1:5000/acme/iris:1.2.0',
  '127.0.0.1:5000/acme/iris:latest',
];
const iris: ImageResult = {
  id: 'acme-iris',
  name: 'acme/iris',
  variant: '',
  tags: ['1.2.0', 'latest'],
  labels: { 'org.opencontainers.image.title': 'iris', 'org.opencontainers.image.version': '1.2.0' },
  platform: 'linux/amd64',
  imageId: IID1,
  build: { durationMs: 12_340, steps: { cached: 3, total: 5 }, sizeBytes: 347_400_000 },
  cache: { backend: 'registry', write: true, reason: 'auto: a push registry and buildx docker-container driver' },
  localRefs: ['acme/iris:1.2.0', 'acme/iris:latest'],
  pushRefs: IRIS_PUSH,
  smoke: smoke([ok('imports', 'command', 1_200), ok('ready', 'ready', 3_000), ok('predict', 'http', 420)]),
  pushed: pushedTo(IRIS_PUSH, [D1, D1, D1, D1]),
};
const LLM_PUSH = ['ghcr.io/acme/llm:1.2.0', '127.0.0.1:5000/acme/llm:1.2.0'];
const llm: ImageResult = {
  id: 'acme-llm-cpu',
  name: 'acme/llm',
  variant: 'cpu',
  tags: ['1.2.0'],
  labels: { 'org.opencontainers.image.title': 'llm' },
  imageId: IID2,
  build: { durationMs: 65_060, steps: { cached: 0, total: 7 } },
  localRefs: ['acme/llm:1.2.0'],
  pushRefs: LLM_PUSH,
  pushed: pushedTo(LLM_PUSH, [D2, D3]),
};
const run = (over: Partial<PipelineResult> = {}): PipelineResult => ({
  configFile: '/repo/ml-image.yml',
  matrix: MATRIX,
  version: '1.2.0',
  runId: 'r1',
  builder: 'buildx',
  pushRequested: true,
  plan: PLAN,
  images: [iris, llm],
  ...over,
});

// acme/iris built, but its smoke test failed: two checks with what was expected and what came, one without.
const failedSmoke = smoke([
  {
    name: 'imports',
    kind: 'command',
    passed: false,
    durationMs: 800,
    message: 'output did not match',
    expected: '^ok$',
    actual: "ModuleNotFoundError: No module named 'sklearn'",
  },
  ok('ready', 'ready', 2_000),
  {
    name: 'predict',
    kind: 'http',
    passed: false,
    durationMs: 130,
    message: 'HTTP 500 from POST /predict\nbody follows',
    expected: 'status 200\nbody matches "setosa"',
    actual: 'status 500\n{"error": "KeyError"}',
    log: 'Traceback (most recent call last):\nKeyError: features',
  },
  { name: 'gpu', kind: 'command', passed: false, durationMs: 300, message: 'nvidia-smi: not found' },
]);
const broken: ImageResult = { ...iris, smoke: failedSmoke, pushed: [] };

describe('toOutputs', () => {
  it('a pushed run: every output, primary = first image', () => {
    const out = toOutputs(run());
    const images = {
      'acme-iris': {
        image: 'acme/iris',
        variant: '',
        platform: 'linux/amd64',
        imageid: IID1,
        tags: ['1.2.0', 'latest'],
        references: IRIS_PUSH,
        digests: { 'ghcr.io': D1, '127.0.0.1:5000': D1 },
        pushed: IRIS_PUSH.map((r) => `${r}@${D1}`),
        'not-pushed': null,
        size: 347_400_000,
        'build-seconds': 12.3,
        'build-steps': { cached: 3, total: 5 },
        // The backend and whether it was written; the reason is for the log only.
        cache: { backend: 'registry', write: true },
        'cache-mounts': null,
        proven: null,
        'smoke-test': {
          result: 'passed',
          checks: [
            { kind: 'command', name: 'imports', result: 'passed', seconds: 1.2 },
            { kind: 'ready', name: 'ready', result: 'passed', seconds: 3 },
            { kind: 'http', name: 'predict', result: 'passed', seconds: 0.4 },
          ],
        },
      },
      'acme-llm-cpu': {
        image: 'acme/llm',
        variant: 'cpu',
        platform: null,
        imageid: IID2,
        tags: ['1.2.0'],
        references: LLM_PUSH,
        digests: { 'ghcr.io': D2, '127.0.0.1:5000': D3 },
        pushed: [`ghcr.io/acme/llm:1.2.0@${D2}`, `127.0.0.1:5000/acme/llm:1.2.0@${D3}`],
        'not-pushed': null,
        size: null,
        'build-seconds': 65.1,
        'build-steps': { cached: 0, total: 7 },
        cache: null,
        'cache-mounts': null,
        proven: null,
        'smoke-test': { result: 'skipped', checks: [] },
      },
    };
    expect(JSON.parse(out.images)).toStrictEqual(images);
    expect(out).toStrictEqual({
      tags: [...IRIS_PUSH, ...LLM_PUSH].join('\n'),
      labels: 'org.opencontainers.image.title=iris\norg.opencontainers.image.version=1.2.0',
      version: '1.2.0',
      json: JSON.stringify({
        tags: [...IRIS_PUSH, ...LLM_PUSH],
        'tag-names': ['1.2.0', 'latest'],
        labels: iris.labels,
      }),
      imageid: IID1,
      digest: D1,
      images: JSON.stringify(images),
      matrix: MATRIX,
      'smoke-test': 'passed',
    });
  });

  it('a run that did not push: local refs, no digest, the reason, failed checks in detail', () => {
    const out = toOutputs(
      run({ pushRequested: false, pushSkipped: 'push.when does not include pull-request', images: [broken] }),
    );
    expect(out.tags).toBe('acme/iris:1.2.0\nacme/iris:latest');
    expect(out.json).toBe(
      JSON.stringify({
        tags: ['acme/iris:1.2.0', 'acme/iris:latest'],
        'tag-names': ['1.2.0', 'latest'],
        labels: iris.labels,
      }),
    );
    expect([out.imageid, out.digest]).toEqual([IID1, '']);
    expect(JSON.parse(out.images)).toStrictEqual({
      'acme-iris': {
        image: 'acme/iris',
        variant: '',
        platform: 'linux/amd64',
        imageid: IID1,
        tags: ['1.2.0', 'latest'],
        references: ['acme/iris:1.2.0', 'acme/iris:latest'],
        digests: {},
        pushed: [],
        'not-pushed': 'push.when does not include pull-request',
        size: 347_400_000,
        'build-seconds': 12.3,
        'build-steps': { cached: 3, total: 5 },
        cache: { backend: 'registry', write: true },
        'cache-mounts': null,
        proven: null,
        'smoke-test': {
          result: 'failed',
          checks: [
            {
              kind: 'command',
              name: 'imports',
              result: 'failed',
              seconds: 0.8,
              message: 'output did not match',
              expected: '^ok$',
              actual: "ModuleNotFoundError: No module named 'sklearn'",
            },
            { kind: 'ready', name: 'ready', result: 'passed', seconds: 2 },
            {
              kind: 'http',
              name: 'predict',
              result: 'failed',
              seconds: 0.1,
              message: 'HTTP 500 from POST /predict\nbody follows',
              expected: 'status 200\nbody matches "setosa"',
              actual: 'status 500\n{"error": "KeyError"}',
            },
            {
              kind: 'command',
              name: 'gpu',
              result: 'failed',
              seconds: 0.3,
              message: 'nvidia-smi: not found',
              expected: null,
              actual: null,
            },
          ],
        },
      },
    });
  });

  it('no images at all', () => {
    expect(toOutputs(run({ version: '', images: [] }))).toStrictEqual({
      tags: '',
      labels: '',
      version: '',
      json: '{"tags":[],"tag-names":[],"labels":{}}',
      imageid: '',
      digest: '',
      images: '{}',
      matrix: MATRIX,
      'smoke-test': 'skipped',
    });
  });
});

describe('planResult', () => {
  const job = (over: Partial<BuildJob> = {}): BuildJob => ({
    id: 'acme-iris',
    image: 'acme/iris',
    variant: '',
    platform: 'linux/amd64',
    build: {
      context: '/repo/iris',
      dockerfile: '/repo/iris/Dockerfile',
      reproducible: false,
      buildArgs: {},
      secrets: [],
      cache: { ...cacheConfig(), scope: 'acme-iris' },
    },
    gpu: false,
    runsOn: ['ubuntu-latest'],
    tags: ['1.2.0', 'latest'],
    version: '1.2.0',
    localRefs: ['acme/iris:1.2.0', 'acme/iris:latest'],
    pushRefs: ['ghcr.io/acme/iris:1.2.0', 'ghcr.io/acme/iris:latest'],
    labels: { 'org.opencontainers.image.version': '1.2.0' },
    ...over,
  });
  const cuda = job({
    id: 'acme-llm-cuda12',
    image: 'acme/llm',
    variant: 'cuda12',
    platform: undefined,
    gpu: true,
    runsOn: ['self-hosted', 'gpu'],
    tags: ['1.2.0-cuda12', 'cuda'],
    localRefs: ['acme/llm:1.2.0-cuda12', 'acme/llm:cuda'],
    pushRefs: ['ghcr.io/acme/llm:1.2.0-cuda12', 'ghcr.io/acme/llm:cuda'],
    labels: {},
  });
  const plan: Plan = {
    configFile: '/repo/ml-image.yml',
    root: '/repo',
    registries: ['ghcr.io'],
    push: true,
    immutableTags: false,
    secretBuildArgs: 'warn',
    jobs: [job(), cuda],
  };

  it('every planned image, nothing built or pushed', () => {
    expect(planResult(plan, { runId: 'r7', builder: 'docker' })).toStrictEqual({
      configFile: '/repo/ml-image.yml',
      runId: 'r7',
      builder: 'docker',
      pushRequested: true,
      pushSkipped: undefined,
      plan: [
        'IMAGE      VARIANT  PLATFORM     GPU  RUNS-ON          TAGS',
        'acme/iris  -        linux/amd64  no   ubuntu-latest    1.2.0 latest',
        'acme/llm   cuda12   -            yes  self-hosted,gpu  1.2.0-cuda12 cuda',
        '',
        '2 jobs; push to ghcr.io',
        '',
      ].join('\n'),
      matrix:
        '{"include":[{"id":"acme-iris","image":"acme/iris","variant":"","platform":"linux/amd64","gpu":false,"runs-on":"ubuntu-latest"},' +
        '{"id":"acme-llm-cuda12","image":"acme/llm","variant":"cuda12","platform":"","gpu":true,"runs-on":["self-hosted","gpu"]}]}',
      version: '1.2.0',
      images: [
        {
          id: 'acme-iris',
          name: 'acme/iris',
          variant: '',
          platform: 'linux/amd64',
          tags: ['1.2.0', 'latest'],
          labels: { 'org.opencontainers.image.version': '1.2.0' },
          localRefs: job().localRefs,
          pushRefs: job().pushRefs,
          pushed: [],
        },
        {
          id: 'acme-llm-cuda12',
          name: 'acme/llm',
          variant: 'cuda12',
          platform: undefined,
          tags: cuda.tags,
          labels: {},
          localRefs: cuda.localRefs,
          pushRefs: cuda.pushRefs,
          pushed: [],
        },
      ],
    });
  });

  it('push skipped by push.when; no version from the rules; no jobs', () => {
    const skipped = planResult(
      { ...plan, push: false, jobs: [job({ version: undefined })] },
      { runId: 'r', builder: 'buildx', pushSkipped: 'not on the default branch' },
    );
    expect([skipped.pushRequested, skipped.pushSkipped, skipped.version]).toEqual([
      false,
      'not on the default branch',
      '',
    ]);
    expect(skipped.plan.endsWith('\n\n1 job; no push\n')).toBe(true);
    const empty = planResult({ ...plan, jobs: [] }, { runId: 'r', builder: 'buildx' });
    expect([empty.version, empty.images, empty.matrix]).toEqual(['', [], '{"include":[]}']);
  });
});

describe('whyNotPushed', () => {
  const bare: ImageResult = {
    id: 'acme-iris',
    name: 'acme/iris',
    variant: '',
    tags: ['1'],
    labels: {},
    localRefs: ['acme/iris:1'],
    pushRefs: ['ghcr.io/acme/iris:1'],
    pushed: [],
  };
  const tested = { ...bare, imageId: IID1, smoke: smoke([ok('imports', 'command', 100)]) };
  const failing = { ...tested, smoke: failedSmoke };
  const pushed = { ...tested, pushed: [{ ref: 'ghcr.io/acme/iris:1', digest: D1 }] };
  it.each([
    { name: 'pushed', image: pushed, others: [], push: true, skipped: undefined, want: undefined },
    {
      name: 'push not requested, with the reason push: auto gave',
      image: tested,
      others: [],
      push: false,
      skipped: 'pull requests do not push',
      want: 'pull requests do not push',
    },
    {
      name: 'push not requested, no reason given',
      image: tested,
      others: [],
      push: false,
      skipped: undefined,
      want: 'push not requested',
    },
    {
      name: 'push not requested wins over a smoke failure',
      image: failing,
      others: [],
      push: false,
      skipped: undefined,
      want: 'push not requested',
    },
    {
      name: 'push failed',
      image: { ...tested, pushError: 'denied: permission_denied' },
      others: [],
      push: true,
      skipped: undefined,
      want: 'push failed: denied: permission_denied',
    },
    {
      name: 'push failed after one registry took it',
      image: { ...pushed, pushError: 'unauthorized' },
      others: [],
      push: true,
      skipped: undefined,
      want: 'push failed: unauthorized',
    },
    { name: 'not built', image: bare, others: [], push: true, skipped: undefined, want: 'not built' },
    {
      name: 'its own smoke test failed',
      image: failing,
      others: [tested],
      push: true,
      skipped: undefined,
      want: 'its smoke test failed',
    },
    {
      name: "another image's smoke test failed",
      image: tested,
      others: [failing],
      push: true,
      skipped: undefined,
      want: 'another image failed its smoke test (nothing is pushed unless every one passed)',
    },
    {
      name: 'stopped before its push',
      image: tested,
      others: [bare],
      push: true,
      skipped: undefined,
      want: 'the run stopped before its push',
    },
    {
      name: 'stopped before its push, no smoke test configured',
      image: { ...tested, smoke: undefined },
      others: [],
      push: true,
      skipped: undefined,
      want: 'the run stopped before its push',
    },
  ])('$name', ({ image, others, push, skipped, want }) => {
    expect(whyNotPushed(image, run({ pushRequested: push, pushSkipped: skipped, images: [image, ...others] }))).toBe(
      want,
    );
  });
});

describe('registryOfRef', () => {
  it.each([
    ['ghcr.io/acme/iris:1', 'acme/iris', 'ghcr.io'],
    ['ghcr.io/org/acme/iris:1', 'acme/iris', 'ghcr.io/org'],
    ['127.0.0.1:5000/acme/iris:1.2.0', 'acme/iris', '127.0.0.1:5000'],
    ['localhost:5000/iris:latest', 'iris', 'localhost:5000'],
    ['docker.io/acme/iris:latest', 'acme/iris', 'docker.io'],
    ['ghcr.io/iris/iris:1', 'iris', 'ghcr.io/iris'],
    ['ghcr.io/other/name:1', 'acme/iris', 'ghcr.io'],
  ])('%s of %s → %s', (ref, image, want) => expect(registryOfRef(ref, image)).toBe(want));
});

const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;

describe('summaryMarkdown', () => {
  it('(a) a passed, pushed run: one row per image and variant, the plan folded away', () => {
    const code = (refs: string[]) => refs.map((r) => `\`${r}\``).join('<br>');
    expect(summaryMarkdown(run())).toBe(
      [
        '## ml-image ✅ passed',
        '',
        ...HEADER,
        row([
          '<code>acme/iris</code>',
          '`1.2.0`<br>`latest`',
          '`sha256:aaaaaaaaaaaa…`',
          '347 MB',
          '12.3s',
          '3/5',
          '✅ passed<br>✓ imports 1.2s<br>✓ ready 3.0s<br>✓ predict 0.4s',
          code(IRIS_PUSH),
        ]),
        row([
          '<code>acme/llm</code> (cpu)',
          '`1.2.0`',
          '`sha256:bbbbbbbbbbbb…`<br>`sha256:cccccccccccc…`',
          '—',
          '65.1s',
          '0/7',
          '➖ skipped',
          code(LLM_PUSH),
        ]),
        '',
        ...PLAN_DETAILS,
        '',
      ].join('\n'),
    );
  });

  it('(b) a failed run: one <details> per failed check, expected/actual/log fenced; a bare item when there is nothing to show', () => {
    expect(
      summaryMarkdown(
        run({ images: [broken] }),
        'smoke test of acme/iris failed: 3 of 4 checks failed\nsee the summary',
      ),
    ).toBe(
      [
        '## ml-image ❌ failed',
        '',
        '> smoke test of acme/iris failed: 3 of 4 checks failed',
        '',
        ...HEADER,
        row([
          '<code>acme/iris</code>',
          '`1.2.0`<br>`latest`',
          '—',
          '347 MB',
          '12.3s',
          '3/5',
          '❌ failed<br>✗ imports 0.8s<br>✓ ready 2.0s<br>✗ predict 0.1s<br>✗ gpu 0.3s',
          'not pushed: its smoke test failed',
        ]),
        '',
        ...PLAN_DETAILS,
        '',
        '### Failed checks',
        '',
        '<details><summary><code>acme/iris</code> command <b>imports</b>: output did not match</summary>',
        '',
        '**expected**',
        '',
        '```text',
        '^ok$',
        '```',
        '',
        '**actual**',
        '',
        '```text',
        "ModuleNotFoundError: No module named 'sklearn'",
        '```',
        '',
        '</details>',
        '',
        '<details><summary><code>acme/iris</code> http <b>predict</b>: HTTP 500 from POST /predict</summary>',
        '',
        '**expected**',
        '',
        '```text',
        'status 200',
        'body matches "setosa"',
        '```',
        '',
        '**actual**',
        '',
        '```text',
        'status 500',
        '{"error": "KeyError"}',
        '```',
        '',
        '**container log** (last lines)',
        '',
        '```text',
        'Traceback (most recent call last):',
        'KeyError: features',
        '```',
        '',
        '</details>',
        '',
        '- <code>acme/iris</code> command <b>gpu</b>: nvidia-smi: not found',
        '',
      ].join('\n'),
    );
  });

  it.each([
    {
      name: 'a failure before anything was planned: the header and its first line',
      failure: 'ml-image.yml:3: unknown key "imagez" | did you mean "images"?\nat images',
      want: '## ml-image ❌ failed\n\n> ml-image.yml:3: unknown key "imagez" | did you mean "images"?\n',
    },
    { name: 'no result and no failure: the header alone', failure: undefined, want: '## ml-image ✅ passed\n' },
  ])('(c) $name', ({ failure, want }) => expect(summaryMarkdown(undefined, failure)).toBe(want));

  it('(d) table cells: a pipe is escaped, a newline becomes <br>, an image name is HTML-escaped', () => {
    const odd: ImageResult = {
      ...iris,
      name: 'acme/<iris>',
      variant: 'a&b',
      tags: [],
      build: undefined,
      smoke: smoke([ok('a|b', 'command', 100)]),
      pushed: [],
      pushError: 'unauthorized | denied\nretry with a token',
    };
    expect(summaryMarkdown(run({ images: [odd] }), 'push failed')).toBe(
      [
        '## ml-image ❌ failed',
        '',
        '> push failed',
        '',
        ...HEADER,
        row([
          '<code>acme/&lt;iris&gt;</code> (a&amp;b)',
          '—',
          '—',
          '—',
          '—',
          '—',
          '✅ passed<br>✓ a\\|b 0.1s',
          'not pushed: push failed: unauthorized \\| denied<br>retry with a token',
        ]),
        '',
        ...PLAN_DETAILS,
        '',
      ].join('\n'),
    );
  });

  const weird: ImageResult = {
    ...broken,
    name: 'acme/<iris>',
    smoke: smoke([
      {
        name: '<script>',
        kind: 'http',
        passed: false,
        durationMs: 100,
        message: 'got a | b\nsecond line',
        log: 'start\n```\nthen ```` four',
      },
    ]),
  };

  it('(d) failed checks: names HTML-escaped, first message line only, a fence longer than any backtick run in the log', () => {
    const md = summaryMarkdown(run({ images: [weird] }), 'smoke test failed');
    expect(md.slice(md.indexOf('### Failed checks'))).toBe(
      [
        '### Failed checks',
        '',
        '<details><summary><code>acme/&lt;iris&gt;</code> http <b>&lt;script&gt;</b>: got a | b</summary>',
        '',
        '**container log** (last lines)',
        '',
        '`````text',
        'start',
        '```',
        'then ```` four',
        '`````',
        '',
        '</details>',
        '',
      ].join('\n'),
    );
  });

  it('(d) a check name in the table row is HTML-escaped like everywhere else', () => {
    // A check named "<script>" must not reach the job summary as raw HTML in the table.
    const md = summaryMarkdown(run({ images: [weird] }), 'smoke test failed');
    expect(md.split('\n')[6]).toBe(
      row([
        '<code>acme/&lt;iris&gt;</code>',
        '`1.2.0`<br>`latest`',
        '—',
        '347 MB',
        '12.3s',
        '3/5',
        '❌ failed<br>✗ &lt;script&gt; 0.1s',
        'not pushed: its smoke test failed',
      ]),
    );
  });
});

describe('fenced', () => {
  it.each([
    { name: 'plain text', text: 'plain', want: '```text\nplain\n```' },
    { name: 'empty text', text: '', want: '```text\n\n```' },
    { name: 'single and double backticks keep three', text: 'a `b` ``c``', want: '```text\na `b` ``c``\n```' },
    { name: 'a triple-backtick line needs four', text: '```\nx\n```', want: '````text\n```\nx\n```\n````' },
    {
      name: 'the longest run decides',
      text: 'a ```` b ``````` c ``',
      want: '````````text\na ```` b ``````` c ``\n````````',
    },
  ])('$name', ({ text, want }) => expect(fenced(text)).toBe(want));
});

describe('megabytes', () => {
  it.each([
    [0, '0.0 MB'],
    [1_500_000, '1.5 MB'],
    [9_940_000, '9.9 MB'],
    [9_999_999, '10.0 MB'],
    [10_000_000, '10 MB'],
    [347_400_000, '347 MB'],
    [347_600_000, '348 MB'],
    [1_234_567_890, '1235 MB'],
  ])('%d bytes → %s', (bytes, want) => expect(megabytes(bytes)).toBe(want));
});
