import { afterAll, afterEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { shouldPush, type PushInput } from '../../src/action/inputs.js';
import { parseCli, type CliCommand } from '../../src/cli/args.js';
import type { Config, ImageConfig } from '../../src/config/types.js';
import { UsageError } from '../../src/errors.js';
import { githubContext, repositoryFromRemote, type GitContext } from '../../src/meta/context.js';
import { createdAt, imageLabels } from '../../src/meta/labels.js';
import { jobId, makePlan, registryOf, type Plan } from '../../src/plan/plan.js';
import { MemoryLogger, SecretMasker, type Logger } from '../../src/report/log.js';
import { summaryMarkdown, toOutputs, type ImageResult, type PipelineResult } from '../../src/report/result.js';
import { caught } from './helpers.js';


const D1 = 'sha256:' + '1'.repeat(64);
const D2 = 'sha256:' + '2'.repeat(64);

const imageResult = (over: Partial<ImageResult> = {}): ImageResult => ({
  name: 'acme/iris',
  jobId: 'acme-iris',
  localRefs: ['acme/iris:latest', 'acme/iris:1.0'],
  pushRefs: ['ghcr.io/acme/iris:latest', 'ghcr.io/acme/iris:1.0'],
  pushed: [],
  ...over,
});

const pipeline = (over: Partial<PipelineResult> = {}): PipelineResult => ({
  configFile: '/repo/ml-image.yml',
  runId: 'r1',
  builder: 'buildx',
  pushRequested: true,
  images: [],
  ...over,
});

const passedSmoke = { passed: true, gpus: false, checks: [{ name: 'imports', kind: 'command' as const, passed: true, durationMs: 12 }] };
const failedSmoke = {
  passed: false,
  gpus: true,
  checks: [
    { name: 'imports', kind: 'command' as const, passed: false, durationMs: 40, message: 'exit code 1 (expected 0)\n    | Traceback' },
    { name: 'ready', kind: 'ready' as const, passed: true, durationMs: 900 },
    { name: 'predict', kind: 'http' as const, passed: false, durationMs: 30, message: 'status 500 (expected 200)' },
    { name: 'silent', kind: 'http' as const, passed: false, durationMs: 30 },
  ],
};

describe('toOutputs', () => {
  it('pushed: tags are the pushed references, digest the first push', () => {
    const result = pipeline({
      images: [
        imageResult({
          platform: 'linux/amd64',
          imageId: 'sha256:iid1',
          buildMs: 1200,
          smoke: passedSmoke,
          pushed: [
            { ref: 'ghcr.io/acme/iris:latest', digest: D1 },
            { ref: 'ghcr.io/acme/iris:1.0', digest: D1 },
          ],
        }),
        imageResult({
          name: 'acme/bert',
          jobId: 'acme-bert',
          imageId: 'sha256:iid2',
          localRefs: ['acme/bert:latest'],
          pushRefs: ['ghcr.io/acme/bert:latest'],
          pushed: [{ ref: 'ghcr.io/acme/bert:latest', digest: D2 }],
        }),
      ],
    });
    const out = toOutputs(result);
    expect(out.tags).toBe('ghcr.io/acme/iris:latest\nghcr.io/acme/iris:1.0\nghcr.io/acme/bert:latest');
    expect(out.digest).toBe(D1);
    expect(JSON.parse(out.metadata)).toEqual({
      config: '/repo/ml-image.yml',
      builder: 'buildx',
      pushed: true,
      images: [
        {
          name: 'acme/iris',
          platform: 'linux/amd64',
          imageId: 'sha256:iid1',
          tags: ['latest', '1.0'],
          refs: ['ghcr.io/acme/iris:latest', 'ghcr.io/acme/iris:1.0'],
          digest: D1,
          smokeTest: { passed: true, gpus: false, checks: [{ name: 'imports', kind: 'command', passed: true, durationMs: 12 }] },
        },
        { name: 'acme/bert', platform: null, imageId: 'sha256:iid2', tags: ['latest'], refs: ['ghcr.io/acme/bert:latest'], digest: D2, smokeTest: null },
      ],
    });
  });

  it('not pushed: tags are the local references, digest empty', () => {
    const out = toOutputs(pipeline({ pushRequested: false, builder: 'buildkit', images: [imageResult({ imageId: 'sha256:iid1' })] }));
    expect(out).toEqual({
      tags: 'acme/iris:latest\nacme/iris:1.0',
      digest: '',
      metadata: JSON.stringify({
        config: '/repo/ml-image.yml',
        builder: 'buildkit',
        pushed: false,
        images: [
          {
            name: 'acme/iris',
            platform: null,
            imageId: 'sha256:iid1',
            tags: ['latest', '1.0'],
            refs: ['ghcr.io/acme/iris:latest', 'ghcr.io/acme/iris:1.0'],
            digest: null,
            smokeTest: null,
          },
        ],
      }),
    });
  });

  it.each([
    { name: 'push requested, image has push refs', pushRequested: true, pushRefs: ['r/acme/iris:latest'], tags: 'r/acme/iris:latest' },
    { name: 'push requested, image has no push refs', pushRequested: true, pushRefs: [], tags: 'acme/iris:latest' },
    { name: 'push not requested', pushRequested: false, pushRefs: ['r/acme/iris:latest'], tags: 'acme/iris:latest' },
  ])('tags: $name', ({ pushRequested, pushRefs, tags }) => {
    expect(toOutputs(pipeline({ pushRequested, images: [imageResult({ localRefs: ['acme/iris:latest'], pushRefs })] })).tags).toBe(tags);
  });

  it('no images at all', () => {
    expect(toOutputs(pipeline({ images: [] }))).toEqual({ tags: '', digest: '', metadata: '{"config":"/repo/ml-image.yml","builder":"buildx","pushed":false,"images":[]}' });
  });
});

describe('summaryMarkdown', () => {
  it('passed and pushed', () => {
    const result = pipeline({
      images: [
        imageResult({ smoke: passedSmoke, pushed: [{ ref: 'ghcr.io/acme/iris:latest', digest: D1 }, { ref: 'ghcr.io/acme/iris:1.0', digest: D1 }] }),
        imageResult({ name: 'acme/bert', pushed: [{ ref: 'ghcr.io/acme/bert:latest', digest: D2 }] }),
      ],
    });
    expect(summaryMarkdown(result)).toBe(
      [
        '## ml-image ✅ passed',
        '',
        '| image | smoke test | pushed |',
        '| --- | --- | --- |',
        '| `acme/iris` | 1/1 passed | `ghcr.io/acme/iris:latest`<br>`ghcr.io/acme/iris:1.0` |',
        '| `acme/bert` | not run | `ghcr.io/acme/bert:latest` |',
        '',
      ].join('\n'),
    );
  });

  it('passed, push not requested', () => {
    expect(summaryMarkdown(pipeline({ pushRequested: false, images: [imageResult({ smoke: passedSmoke })] }))).toBe(
      '## ml-image ✅ passed\n\n| image | smoke test | pushed |\n| --- | --- | --- |\n| `acme/iris` | 1/1 passed | not requested |\n',
    );
  });

  it('failed: first line of the reason, nothing pushed, every failed check listed with the first line of its message', () => {
    const result = pipeline({ images: [imageResult({ smoke: failedSmoke }), imageResult({ name: 'acme/bert', smoke: passedSmoke })] });
    expect(summaryMarkdown(result, 'smoke test failed for acme/iris: command "imports": exit code 1 (expected 0) (and 1 more); nothing was pushed\ndetails')).toBe(
      [
        '## ml-image ❌ failed',
        '',
        '> smoke test failed for acme/iris: command "imports": exit code 1 (expected 0) (and 1 more); nothing was pushed',
        '',
        '| image | smoke test | pushed |',
        '| --- | --- | --- |',
        '| `acme/iris` | 1/4 passed | nothing |',
        '| `acme/bert` | 1/1 passed | nothing |',
        '',
        '### Failed checks',
        '',
        '- `acme/iris` command **imports**: exit code 1 (expected 0)',
        '- `acme/iris` http **predict**: status 500 (expected 200)',
        '- `acme/iris` http **silent**: ',
        '',
      ].join('\n'),
    );
  });

  it('failed before any image was built', () => {
    expect(summaryMarkdown(pipeline({ pushRequested: false }), 'no docker client found on PATH')).toBe(
      '## ml-image ❌ failed\n\n> no docker client found on PATH\n\n| image | smoke test | pushed |\n| --- | --- | --- |\n',
    );
  });
});

describe('SecretMasker', () => {
  it.each([
    { name: 'every occurrence', secrets: ['s3cret'], text: 's3cret, again s3cret.', want: '***, again ***.' },
    { name: 'longest first', secrets: ['abc', 'abcdef'], text: 'abcdef abc', want: '*** ***' },
    { name: 'longest first, registered in the other order', secrets: ['abcdef', 'abc'], text: 'abc abcdef', want: '*** ***' },
    { name: 'shorter than 3 is ignored', secrets: ['ab', 'x'], text: 'ab x abx', want: 'ab x abx' },
    { name: 'exactly 3 is masked', secrets: ['abc'], text: 'xabcx', want: 'x***x' },
    { name: 'empty value is ignored', secrets: [''], text: 'keep', want: 'keep' },
    { name: 'regex characters are literal', secrets: ['p.ss$(x)'], text: 'p.ss$(x) pass$(x)', want: '*** pass$(x)' },
    { name: 'a value spanning lines', secrets: ['line1\nline2'], text: 'a line1\nline2 b', want: 'a *** b' },
    { name: 'nothing registered', secrets: [], text: 'plain', want: 'plain' },
  ])('$name', ({ secrets, text, want }) => {
    const masker = new SecretMasker();
    for (const s of secrets) masker.add(s);
    expect(masker.mask(text)).toBe(want);
  });
});

describe('MemoryLogger', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('masks secrets in every kind of line, groups indent, and locations prefix warnings and errors', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const masker = new SecretMasker();
    masker.add('pre-registered');
    const memory = new MemoryLogger(masker);
    const log: Logger = memory;
    log.addSecret('tok-123');
    log.addSecret('no');
    log.info('login with tok-123 and pre-registered');
    await log.group('Push', async () => {
      log.warn('retrying tok-123', { file: 'ml-image.yml', line: 4, column: 7 });
      log.error('failed\nsecond line tok-123', { file: 'ml-image.yml' });
      jest.setSystemTime(1_002_500);
    });
    log.debug('no tok-123');
    expect(memory.lines).toEqual([
      'login with *** and ***',
      '▶ Push',
      '  warning: ml-image.yml:4: retrying ***',
      '  error: ml-image.yml: failed',
      '  error: second line ***',
      'debug: Push took 2.5s',
      'debug: no ***',
    ]);
  });

  it('a group that throws still closes its indentation', async () => {
    jest.useFakeTimers({ now: 0 });
    const log = new MemoryLogger();
    await expect(log.group('Build', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    log.info('after');
    expect(log.lines).toEqual(['▶ Build', 'debug: Build took 0.0s', 'after']);
  });
});

describe('createdAt', () => {
  const now = () => new Date('2024-05-01T12:00:00.000Z');
  it.each([
    { name: 'SOURCE_DATE_EPOCH', epoch: '1700000000', want: '2023-11-14T22:13:20.000Z' },
    { name: 'epoch 0', epoch: '0', want: '1970-01-01T00:00:00.000Z' },
    { name: 'unset', epoch: undefined, want: '2024-05-01T12:00:00.000Z' },
    { name: 'empty', epoch: '', want: '2024-05-01T12:00:00.000Z' },
    { name: 'not a number', epoch: 'yesterday', want: '2024-05-01T12:00:00.000Z' },
    { name: 'negative', epoch: '-1', want: '2024-05-01T12:00:00.000Z' },
    { name: 'fractional', epoch: '1700000000.5', want: '2024-05-01T12:00:00.000Z' },
    { name: 'padded', epoch: ' 1700000000', want: '2024-05-01T12:00:00.000Z' },
  ])('$name', ({ epoch, want }) => {
    expect(createdAt({ SOURCE_DATE_EPOCH: epoch }, now)).toBe(want);
  });

  // Regression test for a fixed bug (src/meta/labels.ts createdAt(), line 11): a digits-only SOURCE_DATE_EPOCH beyond Date's range
  // (e.g. "99999999999999", ~ year 3.17 million) passes the /^[0-9]+$/ test and `new Date(...).toISOString()`
  // throws "RangeError: Invalid time value", failing the whole run as an "unexpected error".
  // Now: ignored like any other invalid value (the current time is used).
  it('an out-of-range SOURCE_DATE_EPOCH is ignored', () => {
    expect(createdAt({ SOURCE_DATE_EPOCH: '99999999999999' }, now)).toBe('2024-05-01T12:00:00.000Z');
  });
});

const image = (over: Partial<ImageConfig> = {}): ImageConfig => ({
  index: 0,
  name: 'acme/iris-classifier',
  context: '/repo/model',
  dockerfile: '/repo/model/Dockerfile',
  buildArgs: {},
  labels: {},
  platforms: [],
  tags: ['1.0', 'latest'],
  gpu: false,
  ...over,
});

const prContext: GitContext = {
  sha: 'merge0000',
  ref: 'refs/pull/7/merge',
  eventName: 'pull_request',
  repository: 'acme/ml',
  serverUrl: 'https://github.com',
  defaultBranch: 'main',
  prHeadSha: 'head1111',
};
const CREATED = '2024-05-01T12:00:00.000Z';

describe('imageLabels', () => {
  it.each([
    {
      name: 'pull request: the head commit is the revision',
      image: image({ gpu: true }),
      ctx: prContext,
      want: {
        'org.opencontainers.image.title': 'iris-classifier',
        'org.opencontainers.image.created': CREATED,
        'org.opencontainers.image.version': '1.0',
        'org.opencontainers.image.revision': 'head1111',
        'org.opencontainers.image.source': 'https://github.com/acme/ml',
        'org.opencontainers.image.url': 'https://github.com/acme/ml',
        'io.github.ml-image.gpu': 'true',
      },
    },
    {
      name: 'push on GHES: the sha and the server URL',
      image: image({ name: 'iris' }),
      ctx: { sha: 'abc', ref: 'refs/heads/main', eventName: 'push', repository: 'acme/ml', serverUrl: 'https://ghe.example.com' },
      want: {
        'org.opencontainers.image.title': 'iris',
        'org.opencontainers.image.created': CREATED,
        'org.opencontainers.image.version': '1.0',
        'org.opencontainers.image.revision': 'abc',
        'org.opencontainers.image.source': 'https://ghe.example.com/acme/ml',
        'org.opencontainers.image.url': 'https://ghe.example.com/acme/ml',
        'io.github.ml-image.gpu': 'false',
      },
    },
    {
      name: 'outside git: no revision, no source',
      image: image(),
      ctx: { sha: '', ref: '', eventName: 'local', serverUrl: 'https://github.com' },
      want: {
        'org.opencontainers.image.title': 'iris-classifier',
        'org.opencontainers.image.created': CREATED,
        'org.opencontainers.image.version': '1.0',
        'io.github.ml-image.gpu': 'false',
      },
    },
    {
      name: 'user labels override generated ones',
      image: image({ labels: { 'org.opencontainers.image.title': 'Iris', 'io.github.ml-image.gpu': 'maybe', team: 'ml' } }),
      ctx: { sha: 'abc', ref: '', eventName: 'push', serverUrl: 'https://github.com' },
      want: {
        'org.opencontainers.image.title': 'Iris',
        'org.opencontainers.image.created': CREATED,
        'org.opencontainers.image.version': '1.0',
        'org.opencontainers.image.revision': 'abc',
        'io.github.ml-image.gpu': 'maybe',
        team: 'ml',
      },
    },
  ])('$name', ({ image: img, ctx, want }) => {
    expect(imageLabels(img, ctx, CREATED)).toEqual(want);
  });
});

describe('githubContext', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ml-image-event-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const event = (name: string, content: string): string => {
    const file = path.join(tmp, name);
    writeFileSync(file, content);
    return file;
  };
  const pushEvent = event('push.json', JSON.stringify({ ref: 'refs/heads/main', after: 'abc123', repository: { full_name: 'acme/ml', default_branch: 'main' } }));
  const prEvent = event(
    'pr.json',
    JSON.stringify({ number: 7, pull_request: { head: { sha: 'head456', ref: 'feature' }, base: { sha: 'base789' } }, repository: { default_branch: 'trunk' } }),
  );
  const badJson = event('bad.json', '{"repository": ');
  const listJson = event('list.json', '[1, 2]');
  const prWithoutHead = event('pr-nohead.json', JSON.stringify({ pull_request: { head: 'feature' }, repository: 'acme/ml' }));

  it.each([
    {
      name: 'push',
      env: { GITHUB_SHA: 'abc123', GITHUB_REF: 'refs/heads/main', GITHUB_EVENT_NAME: 'push', GITHUB_REPOSITORY: 'acme/ml', GITHUB_SERVER_URL: 'https://ghe.example.com', GITHUB_EVENT_PATH: pushEvent },
      want: { sha: 'abc123', ref: 'refs/heads/main', eventName: 'push', repository: 'acme/ml', serverUrl: 'https://ghe.example.com', defaultBranch: 'main' },
    },
    {
      name: 'pull_request: head sha from the event',
      env: { GITHUB_SHA: 'merge000', GITHUB_REF: 'refs/pull/7/merge', GITHUB_EVENT_NAME: 'pull_request', GITHUB_REPOSITORY: 'acme/ml', GITHUB_EVENT_PATH: prEvent },
      want: { sha: 'merge000', ref: 'refs/pull/7/merge', eventName: 'pull_request', repository: 'acme/ml', serverUrl: 'https://github.com', defaultBranch: 'trunk', prHeadSha: 'head456' },
    },
    {
      name: 'pull_request with odd shapes',
      env: { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: prWithoutHead },
      want: { sha: '', ref: '', eventName: 'pull_request', serverUrl: 'https://github.com' },
    },
    { name: 'event file missing', env: { GITHUB_EVENT_PATH: path.join(tmp, 'nope.json') }, want: { sha: '', ref: '', eventName: '', serverUrl: 'https://github.com' } },
    { name: 'event file not JSON', env: { GITHUB_EVENT_PATH: badJson }, want: { sha: '', ref: '', eventName: '', serverUrl: 'https://github.com' } },
    { name: 'event file a JSON list', env: { GITHUB_EVENT_PATH: listJson }, want: { sha: '', ref: '', eventName: '', serverUrl: 'https://github.com' } },
    { name: 'no environment', env: {}, want: { sha: '', ref: '', eventName: '', serverUrl: 'https://github.com' } },
  ])('$name', ({ env, want }) => {
    expect(githubContext(env)).toStrictEqual({ repository: undefined, defaultBranch: undefined, prHeadSha: undefined, ...want });
  });
});

describe('repositoryFromRemote', () => {
  it.each([
    { url: 'https://github.com/acme/iris.git', want: 'acme/iris' },
    { url: 'https://github.com/acme/iris', want: 'acme/iris' },
    { url: 'https://github.com/acme/iris/', want: 'acme/iris' },
    { url: 'https://x-access-token:tok@github.com/acme/iris.git', want: 'acme/iris' },
    { url: 'git@github.com:acme/iris.git', want: 'acme/iris' },
    { url: 'git@github.com:acme/my.model.git', want: 'acme/my.model' },
    { url: 'ssh://git@github.com/acme/iris.git', want: 'acme/iris' },
    { url: 'https://gitlab.com/acme/iris.git', want: undefined },
    { url: 'https://github.com/acme', want: undefined },
    { url: 'https://github.com/acme/iris/tree/main', want: undefined },
    { url: '', want: undefined },
  ])('$url → $want', ({ url, want }) => {
    expect(repositoryFromRemote(url)).toBe(want);
  });

  // Regression test for a fixed bug (src/meta/context.ts repositoryFromRemote(), line 68): /github\.com[:/].../ is not anchored to the
  // host, so any host ENDING in "github.com" matches: a remote on https://notgithub.com/acme/iris gives
  // "acme/iris", and the image is labelled with source https://github.com/acme/iris (someone else's repo).
  // Now: only the host github.com (after "//", "@" or at the start).
  it('a host that merely ends in github.com is not GitHub', () => {
    expect(repositoryFromRemote('https://notgithub.com/acme/iris.git')).toBeUndefined();
  });
});

describe('makePlan', () => {
  const iris = image({ platforms: ['linux/amd64'], tags: ['latest', '1.0'] });
  const bert = image({ index: 1, name: 'acme/bert_v2', tags: ['latest'], gpu: true });
  const config: Config = { file: '/repo/ml-image.yml', version: 1, images: [iris, bert], push: { registries: ['ghcr.io/acme', '127.0.0.1:5000'] } };
  const ctx: GitContext = { sha: 'abc', ref: 'refs/heads/main', eventName: 'push', serverUrl: 'https://github.com' };
  const labels = (title: string, version: string, gpu: boolean) => ({
    'org.opencontainers.image.title': title,
    'org.opencontainers.image.created': CREATED,
    'org.opencontainers.image.version': version,
    'org.opencontainers.image.revision': 'abc',
    'io.github.ml-image.gpu': String(gpu),
  });

  it('one push reference per registry × tag, registry-major', () => {
    const want: Plan = {
      configFile: '/repo/ml-image.yml',
      registries: ['ghcr.io/acme', '127.0.0.1:5000'],
      push: true,
      jobs: [
        {
          id: 'acme-iris-classifier',
          image: iris,
          platform: 'linux/amd64',
          localRefs: ['acme/iris-classifier:latest', 'acme/iris-classifier:1.0'],
          pushRefs: [
            'ghcr.io/acme/acme/iris-classifier:latest',
            'ghcr.io/acme/acme/iris-classifier:1.0',
            '127.0.0.1:5000/acme/iris-classifier:latest',
            '127.0.0.1:5000/acme/iris-classifier:1.0',
          ],
          labels: labels('iris-classifier', 'latest', false),
        },
        {
          id: 'acme-bert-v2',
          image: bert,
          platform: undefined,
          localRefs: ['acme/bert_v2:latest'],
          pushRefs: ['ghcr.io/acme/acme/bert_v2:latest', '127.0.0.1:5000/acme/bert_v2:latest'],
          labels: labels('bert_v2', 'latest', true),
        },
      ],
    };
    expect(makePlan(config, ctx, { push: true, created: CREATED })).toStrictEqual(want);
  });

  it.each([
    { name: '--registry replaces push.registries', registries: ['quay.io'], push: true, want: [['quay.io/acme/iris-classifier:latest', 'quay.io/acme/iris-classifier:1.0'], ['quay.io/acme/bert_v2:latest']] },
    {
      name: 'repeated --registry, in order',
      registries: ['quay.io', 'ghcr.io'],
      push: true,
      want: [
        ['quay.io/acme/iris-classifier:latest', 'quay.io/acme/iris-classifier:1.0', 'ghcr.io/acme/iris-classifier:latest', 'ghcr.io/acme/iris-classifier:1.0'],
        ['quay.io/acme/bert_v2:latest', 'ghcr.io/acme/bert_v2:latest'],
      ],
    },
    { name: 'an empty override means no registry', registries: [], push: false, want: [[], []] },
  ])('$name', ({ registries, push, want }) => {
    const plan = makePlan(config, ctx, { push, registries, created: CREATED });
    expect([plan.registries, plan.push, plan.jobs.map((j) => j.pushRefs)]).toEqual([registries, push, want]);
  });

  it.each([
    { name: 'acme/iris-classifier', id: 'acme-iris-classifier' },
    { name: 'a__b.c/d', id: 'a-b-c-d' },
    { name: 'iris', id: 'iris' },
  ])('jobId($name) = $id', ({ name, id }) => {
    expect(jobId(name)).toBe(id);
  });

  it.each([
    { ref: 'ghcr.io/acme/iris:latest', host: 'ghcr.io' },
    { ref: '127.0.0.1:5000/acme/iris:1.0', host: '127.0.0.1:5000' },
  ])('registryOf($ref) = $host', ({ ref, host }) => {
    expect(registryOf(ref)).toBe(host);
  });
});

describe('shouldPush', () => {
  it.each([
    { push: 'auto', event: 'push', want: true },
    { push: 'auto', event: 'workflow_dispatch', want: true },
    { push: 'auto', event: 'release', want: true },
    { push: 'auto', event: 'pull_request', want: false },
    { push: 'auto', event: 'pull_request_target', want: false },
    { push: 'auto', event: undefined, want: true },
    { push: 'true', event: 'pull_request', want: true },
    { push: 'true', event: 'push', want: true },
    { push: 'false', event: 'push', want: false },
    { push: 'false', event: 'pull_request', want: false },
  ] as { push: PushInput; event: string | undefined; want: boolean }[])('push: $push on $event → $want', ({ push, event, want }) => {
    expect(shouldPush(push, event)).toBe(want);
  });
});

describe('parseCli', () => {
  const build = (over: Partial<Extract<CliCommand, { command: 'build' }>> = {}): CliCommand => ({
    command: 'build',
    config: 'ml-image.yml',
    push: false,
    passwordStdin: false,
    verbose: false,
    ...over,
  });

  it.each([
    { name: 'no arguments', argv: [], want: { command: 'help' } as CliCommand },
    { name: 'help', argv: ['help'], want: { command: 'help' } as CliCommand },
    { name: 'help ignores further arguments', argv: ['help', 'build'], want: { command: 'help' } as CliCommand },
    { name: '--help with a command', argv: ['build', '--help'], want: { command: 'help' } as CliCommand },
    { name: '-h', argv: ['-h'], want: { command: 'help' } as CliCommand },
    { name: 'validate, default config', argv: ['validate'], want: { command: 'validate', config: 'ml-image.yml' } as CliCommand },
    { name: 'validate -c', argv: ['validate', '-c', 'x.yml'], want: { command: 'validate', config: 'x.yml' } as CliCommand },
    { name: 'build defaults', argv: ['build'], want: build() },
    { name: 'options before the command', argv: ['--config', 'a.yml', 'build'], want: build({ config: 'a.yml' }) },
    {
      name: 'every flag',
      argv: [
        'build', '--config=ml/a.yml', '--push', '--registry', 'ghcr.io/acme', '--username', 'octo', '--password-stdin',
        '--docker', '/usr/bin/docker', '--builder', 'buildkit', '--metadata-file', 'meta.json', '-v',
      ],
      want: build({
        config: 'ml/a.yml',
        push: true,
        registries: ['ghcr.io/acme'],
        username: 'octo',
        passwordStdin: true,
        docker: '/usr/bin/docker',
        builder: 'buildkit',
        metadataFile: 'meta.json',
        verbose: true,
      }),
    },
    { name: 'repeated --registry', argv: ['build', '--registry', 'a.io', '--registry=b.io:5000'], want: build({ registries: ['a.io', 'b.io:5000'] }) },
    { name: '--builder buildx', argv: ['build', '--builder', 'buildx'], want: build({ builder: 'buildx' }) },
    { name: '--username without --password-stdin', argv: ['build', '--username', 'octo'], want: build({ username: 'octo' }) },
  ])('$name', ({ argv, want }) => {
    expect(parseCli(argv)).toEqual(want);
  });

  it.each([
    { name: 'bad --builder', argv: ['build', '--builder', 'docker'], message: '--builder must be buildx or buildkit, got "docker"' },
    { name: '--password-stdin without --username', argv: ['build', '--password-stdin'], message: '--password-stdin needs --username' },
    { name: '--password-stdin with an empty --username', argv: ['build', '--password-stdin', '--username', ''], message: '--password-stdin needs --username' },
    { name: 'unknown command', argv: ['deploy'], message: 'unknown command "deploy" (expected build, validate or help)' },
    { name: 'extra argument after build', argv: ['build', 'now'], message: 'unexpected argument "now"' },
    { name: 'extra argument after validate', argv: ['validate', 'x.yml'], message: 'unexpected argument "x.yml"' },
    { name: 'a dash argument after --', argv: ['build', '--', '--push'], message: 'unexpected argument "--push"' },
    // The next three messages come from node:util parseArgs; only their stable first sentence is asserted.
    // Under Jest's VM modules, node's TypeError is from another realm, so `err instanceof Error` in args.ts is
    // false and String(err) adds the "TypeError [CODE]: " prefix; in a plain `node` run the prefix is absent.
    { name: 'unknown flag', argv: ['build', '--frob'], message: /^(TypeError \[ERR_PARSE_ARGS_UNKNOWN_OPTION\]: )?Unknown option '--frob'\. / },
    { name: 'missing option value', argv: ['build', '-c'], message: /^(TypeError \[ERR_PARSE_ARGS_INVALID_OPTION_VALUE\]: )?Option '-c, --config <value>' argument missing$/ },
    { name: 'value for a boolean flag', argv: ['build', '--push=true'], message: /^(TypeError \[ERR_PARSE_ARGS_INVALID_OPTION_VALUE\]: )?Option '--push' does not take an argument$/ },
  ])('usage error: $name', ({ argv, message }) => {
    const err = caught(() => parseCli(argv));
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    if (typeof message === 'string') expect(err.message).toBe(message);
    else expect(err.message).toMatch(message);
  });
});
