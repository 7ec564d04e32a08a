import { afterAll, afterEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCli, type CliCommand } from '../../src/cli/args.js';
import { UsageError } from '../../src/errors.js';
import { githubContext, repositoryFromRemote, type GitContext } from '../../src/meta/context.js';
import { buildDate, imageLabels, type LabelInput } from '../../src/meta/labels.js';
import { ConsoleLogger, MemoryLogger, SecretMasker, type Logger } from '../../src/log/log.js';
import { caught, gitContext, variantConfig } from './helpers.js';

describe('SecretMasker', () => {
  it.each([
    { name: 'every occurrence', secrets: ['s3cret'], text: 's3cret, again s3cret.', want: '***, again ***.' },
    { name: 'longest first', secrets: ['abc', 'abcdef'], text: 'abcdef abc', want: '*** ***' },
    {
      name: 'longest first, registered in the other order',
      secrets: ['abcdef', 'abc'],
      text: 'abc abcdef',
      want: '*** ***',
    },
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

describe('ConsoleLogger without -v', () => {
  it('shows the lines a step reports itself, not its command output, and no group headers', async () => {
    const lines: string[] = [];
    const log = new ConsoleLogger({ write: (l) => lines.push(l) });
    await log.group('Build acme/iris', async () => {
      log.output('#5 [2/3] RUN pip install');
      log.info('built acme/iris in 12.0s');
    });
    expect(lines).toEqual(['built acme/iris in 12.0s']);
  });

  it('a failed step prints its last 50 output lines, masked, then the error goes on', async () => {
    const lines: string[] = [];
    const log = new ConsoleLogger({ write: (l) => lines.push(l) });
    log.addSecret('tok-123');
    const body = async () => {
      for (let i = 1; i <= 60; i++) log.output(`line ${i} tok-123`);
      throw new Error('build failed');
    };
    await expect(log.group('Build acme/iris', body)).rejects.toThrow('build failed');
    expect(lines[0]).toMatch(/^✗ Build acme\/iris failed after \d+\.\ds; its last 50 lines of output:$/);
    expect(lines.slice(1)).toEqual(Array.from({ length: 50 }, (_, i) => `  | line ${i + 11} ***`));
  });

  it('a nested step keeps its own tail; the outer one gets its own back', async () => {
    const lines: string[] = [];
    const log = new ConsoleLogger({ write: (l) => lines.push(l) });
    const run = log.group('Push', async () => {
      log.output('outer 1');
      await log.group('inner', async () => log.output('inner 1'));
      throw new Error('push failed');
    });
    await expect(run).rejects.toThrow('push failed');
    expect(lines.slice(1)).toEqual(['  | outer 1']);
  });

  it('with -v every output line is shown inside its ▶ step', async () => {
    const log = new MemoryLogger();
    await log.group('Build', async () => log.output('#1 DONE'));
    expect(log.lines.slice(0, 2)).toEqual(['▶ Build', '  #1 DONE']);
  });
});

describe('buildDate as the created label', () => {
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
    expect(buildDate({ SOURCE_DATE_EPOCH: epoch }, now).toISOString()).toBe(want);
  });

  // Regression test for a fixed bug (src/meta/labels.ts, then createdAt()): a digits-only SOURCE_DATE_EPOCH beyond Date's range
  // (e.g. "99999999999999", ~ year 3.17 million) passes the /^[0-9]+$/ test and `new Date(...).toISOString()`
  // throws "RangeError: Invalid time value", failing the whole run as an "unexpected error".
  // Now: ignored like any other invalid value (the current time is used).
  it('an out-of-range SOURCE_DATE_EPOCH is ignored', () => {
    expect(buildDate({ SOURCE_DATE_EPOCH: '99999999999999' }, now).toISOString()).toBe('2024-05-01T12:00:00.000Z');
  });
});

describe('buildDate', () => {
  const now = () => new Date('2024-05-01T12:00:00.000Z');
  it.each([
    { name: 'SOURCE_DATE_EPOCH', epoch: '1700000000', want: 1_700_000_000_000 },
    { name: 'unset: now', epoch: undefined, want: Date.parse('2024-05-01T12:00:00.000Z') },
    { name: 'out of range: now', epoch: '99999999999999', want: Date.parse('2024-05-01T12:00:00.000Z') },
  ])('$name', ({ epoch, want }) => {
    expect(buildDate({ SOURCE_DATE_EPOCH: epoch }, now).getTime()).toBe(want);
  });
});

const prContext = gitContext({
  sha: 'merge0000',
  ref: 'refs/pull/7/merge',
  eventName: 'pull_request',
  repository: 'acme/ml',
  defaultBranch: 'main',
  prHeadSha: 'head1111',
});
const CREATED = '2024-05-01T12:00:00.000Z';

describe('imageLabels', () => {
  const input = (over: Partial<LabelInput> = {}): LabelInput => ({
    image: 'acme/iris-classifier',
    variant: variantConfig(),
    version: '1.0',
    ctx: gitContext({ repository: 'acme/ml' }),
    created: CREATED,
    ...over,
  });
  const common = {
    'org.opencontainers.image.title': 'iris-classifier',
    'org.opencontainers.image.created': CREATED,
    'org.opencontainers.image.version': '1.0',
  };
  const source = (url: string) => ({ 'org.opencontainers.image.source': url, 'org.opencontainers.image.url': url });

  it.each([
    {
      name: 'pull request: the merge commit is the revision, as in metadata-action',
      input: input({ variant: variantConfig({ gpu: true }), ctx: prContext }),
      want: {
        ...common,
        ...source('https://github.com/acme/ml'),
        'org.opencontainers.image.revision': 'merge0000',
        'io.github.ml-image.gpu': 'true',
      },
    },
    {
      name: 'pull request with DOCKER_METADATA_PR_HEAD_SHA: the head commit is the revision',
      input: input({ ctx: { ...prContext, usePrHeadSha: true } }),
      want: {
        ...common,
        ...source('https://github.com/acme/ml'),
        'org.opencontainers.image.revision': 'head1111',
        'io.github.ml-image.gpu': 'false',
      },
    },
    {
      name: 'DOCKER_METADATA_PR_HEAD_SHA outside a pull request: the sha',
      input: input({ ctx: gitContext({ sha: 'abc', usePrHeadSha: true }) }),
      want: { ...common, 'org.opencontainers.image.revision': 'abc', 'io.github.ml-image.gpu': 'false' },
    },
    {
      name: 'push on GHES: the sha and the server URL',
      input: input({
        image: 'iris',
        ctx: gitContext({ sha: 'abc', repository: 'acme/ml', serverUrl: 'https://ghe.example.com' }),
      }),
      want: {
        ...common,
        'org.opencontainers.image.title': 'iris',
        ...source('https://ghe.example.com/acme/ml'),
        'org.opencontainers.image.revision': 'abc',
        'io.github.ml-image.gpu': 'false',
      },
    },
    {
      name: "the event's repository: description, html_url and license",
      input: input({
        ctx: gitContext({
          repository: 'acme/ml',
          repo: { description: 'Iris classifier', htmlUrl: 'https://github.com/Acme/ML', license: 'MIT' },
        }),
      }),
      want: {
        ...common,
        'org.opencontainers.image.description': 'Iris classifier',
        ...source('https://github.com/Acme/ML'),
        'org.opencontainers.image.revision': 'abc',
        'org.opencontainers.image.licenses': 'MIT',
        'io.github.ml-image.gpu': 'false',
      },
    },
    {
      name: 'an empty description is left out',
      input: input({ ctx: gitContext({ repo: { description: '' } }) }),
      want: { ...common, 'org.opencontainers.image.revision': 'abc', 'io.github.ml-image.gpu': 'false' },
    },
    {
      name: 'outside git: no revision, no source',
      input: input({ ctx: gitContext({ sha: '', ref: '', eventName: 'local' }) }),
      want: { ...common, 'io.github.ml-image.gpu': 'false' },
    },
    {
      name: 'no version: no version label',
      input: input({ version: undefined }),
      want: {
        'org.opencontainers.image.title': 'iris-classifier',
        'org.opencontainers.image.created': CREATED,
        ...source('https://github.com/acme/ml'),
        'org.opencontainers.image.revision': 'abc',
        'io.github.ml-image.gpu': 'false',
      },
    },
    {
      name: 'a variant on a CUDA base: variant, base name, CUDA version, and gpu from the base',
      input: input({
        variant: variantConfig({ name: 'cuda12', isDefault: false, tagSuffix: '-cuda12' }),
        baseImage: 'nvidia/cuda:12.4.1-runtime-ubuntu22.04',
      }),
      want: {
        ...common,
        ...source('https://github.com/acme/ml'),
        'org.opencontainers.image.revision': 'abc',
        'org.opencontainers.image.base.name': 'nvidia/cuda:12.4.1-runtime-ubuntu22.04',
        'io.github.ml-image.variant': 'cuda12',
        'io.github.ml-image.gpu': 'true',
        'io.github.ml-image.cuda': '12.4.1',
      },
    },
    {
      name: 'a base without CUDA',
      input: input({ variant: variantConfig({ name: 'cpu' }), baseImage: 'python:3.12-slim' }),
      want: {
        ...common,
        ...source('https://github.com/acme/ml'),
        'org.opencontainers.image.revision': 'abc',
        'org.opencontainers.image.base.name': 'python:3.12-slim',
        'io.github.ml-image.variant': 'cpu',
        'io.github.ml-image.gpu': 'false',
      },
    },
    {
      name: 'user labels override generated ones',
      input: input({
        variant: variantConfig({
          labels: { 'org.opencontainers.image.title': 'Iris', 'io.github.ml-image.gpu': 'maybe', team: 'ml' },
        }),
        ctx: gitContext({ sha: 'abc', ref: '' }),
      }),
      want: {
        'org.opencontainers.image.title': 'Iris',
        'org.opencontainers.image.created': CREATED,
        'org.opencontainers.image.version': '1.0',
        'org.opencontainers.image.revision': 'abc',
        'io.github.ml-image.gpu': 'maybe',
        team: 'ml',
      },
    },
  ])('$name', ({ input: i, want }) => {
    expect(imageLabels(i)).toStrictEqual(want);
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
  const pushEvent = event(
    'push.json',
    JSON.stringify({
      ref: 'refs/heads/main',
      after: 'abc123',
      repository: { full_name: 'acme/ml', default_branch: 'main' },
    }),
  );
  const richPush = event(
    'rich.json',
    JSON.stringify({
      repository: {
        default_branch: 'main',
        description: 'Iris',
        html_url: 'https://github.com/acme/ml',
        license: { spdx_id: 'Apache-2.0' },
      },
      head_commit: { timestamp: '2024-04-30T10:00:00+02:00' },
    }),
  );
  const noAssertion = event(
    'noassertion.json',
    JSON.stringify({ repository: { license: { spdx_id: 'NOASSERTION' }, description: '' } }),
  );
  const prEvent = event(
    'pr.json',
    JSON.stringify({
      number: 7,
      pull_request: { head: { sha: 'head456', ref: 'feature' }, base: { sha: 'base789' } },
      repository: { default_branch: 'trunk' },
    }),
  );
  const badJson = event('bad.json', '{"repository": ');
  const listJson = event('list.json', '[1, 2]');
  const prWithoutHead = event(
    'pr-nohead.json',
    JSON.stringify({ pull_request: { head: 'feature' }, repository: 'acme/ml' }),
  );
  const badTimestamp = event('bad-timestamp.json', JSON.stringify({ head_commit: { timestamp: 'yesterday' } }));

  const nothing: GitContext = {
    sha: '',
    ref: '',
    eventName: '',
    repository: undefined,
    serverUrl: 'https://github.com',
    defaultBranch: undefined,
    prHeadSha: undefined,
    baseRef: undefined,
    commitDate: undefined,
    repo: { description: undefined, htmlUrl: undefined, license: undefined },
    usePrHeadSha: false,
  };

  it.each([
    {
      name: 'push',
      env: {
        GITHUB_SHA: 'abc123',
        GITHUB_REF: 'refs/heads/main',
        GITHUB_EVENT_NAME: 'push',
        GITHUB_REPOSITORY: 'acme/ml',
        GITHUB_SERVER_URL: 'https://ghe.example.com',
        GITHUB_EVENT_PATH: pushEvent,
      },
      want: {
        sha: 'abc123',
        ref: 'refs/heads/main',
        eventName: 'push',
        repository: 'acme/ml',
        serverUrl: 'https://ghe.example.com',
        defaultBranch: 'main',
      },
    },
    {
      name: 'repository details and the pushed commit time from the event',
      env: { GITHUB_EVENT_PATH: richPush },
      want: {
        defaultBranch: 'main',
        repo: { description: 'Iris', htmlUrl: 'https://github.com/acme/ml', license: 'Apache-2.0' },
        commitDate: new Date('2024-04-30T08:00:00.000Z'),
      },
    },
    { name: 'NOASSERTION is no license, an empty description none', env: { GITHUB_EVENT_PATH: noAssertion }, want: {} },
    {
      name: 'pull_request: head sha from the event, base ref from the environment',
      env: {
        GITHUB_SHA: 'merge000',
        GITHUB_REF: 'refs/pull/7/merge',
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_REPOSITORY: 'acme/ml',
        GITHUB_BASE_REF: 'trunk',
        GITHUB_EVENT_PATH: prEvent,
      },
      want: {
        sha: 'merge000',
        ref: 'refs/pull/7/merge',
        eventName: 'pull_request',
        repository: 'acme/ml',
        defaultBranch: 'trunk',
        prHeadSha: 'head456',
        baseRef: 'trunk',
      },
    },
    { name: 'an empty GITHUB_BASE_REF (not a pull request) is none', env: { GITHUB_BASE_REF: '' }, want: {} },
    {
      name: 'DOCKER_METADATA_PR_HEAD_SHA=true',
      env: { DOCKER_METADATA_PR_HEAD_SHA: 'true' },
      want: { usePrHeadSha: true },
    },
    {
      name: 'DOCKER_METADATA_PR_HEAD_SHA=TRUE',
      env: { DOCKER_METADATA_PR_HEAD_SHA: 'TRUE' },
      want: { usePrHeadSha: true },
    },
    { name: 'DOCKER_METADATA_PR_HEAD_SHA=1', env: { DOCKER_METADATA_PR_HEAD_SHA: '1' }, want: { usePrHeadSha: true } },
    { name: 'DOCKER_METADATA_PR_HEAD_SHA=yes', env: { DOCKER_METADATA_PR_HEAD_SHA: 'yes' }, want: {} },
    { name: 'DOCKER_METADATA_PR_HEAD_SHA=false', env: { DOCKER_METADATA_PR_HEAD_SHA: 'false' }, want: {} },
    {
      name: 'pull_request with odd shapes',
      env: { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: prWithoutHead },
      want: { eventName: 'pull_request' },
    },
    { name: 'event file missing', env: { GITHUB_EVENT_PATH: path.join(tmp, 'nope.json') }, want: {} },
    { name: 'event file not JSON', env: { GITHUB_EVENT_PATH: badJson }, want: {} },
    { name: 'event file a JSON list', env: { GITHUB_EVENT_PATH: listJson }, want: {} },
    { name: 'no environment', env: {}, want: {} },
  ])('$name', ({ env, want }) => {
    expect(githubContext(env)).toStrictEqual({ ...nothing, ...want });
  });

  it('a commit date from git wins over the event', () => {
    const date = new Date('2024-01-01T00:00:00.000Z');
    expect(githubContext({ GITHUB_EVENT_PATH: richPush }, date).commitDate).toBe(date);
  });

  // Bug (src/meta/context.ts githubContext(), commitDate): an unparseable head_commit.timestamp becomes an
  // Invalid Date instead of no date, and {{commit_date}} then renders NaN (a tag like "0NaN-NaN-NaN"). Expected: undefined,
  // so the build date is used as for events without a head commit.
  it('an unparseable head_commit timestamp is no commit date', () => {
    expect(githubContext({ GITHUB_EVENT_PATH: badTimestamp }).commitDate).toBeUndefined();
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

describe('parseCli', () => {
  const build = (over: Partial<Extract<CliCommand, { command: 'build' }>> = {}): CliCommand => ({
    command: 'build',
    config: 'ml-image.yml',
    filters: {},
    push: false,
    passwordStdin: false,
    reports: {},
    retest: false,
    verbose: false,
    ...over,
  });
  const plan = (over: Partial<Extract<CliCommand, { command: 'plan' }>> = {}): CliCommand => ({
    command: 'plan',
    config: 'ml-image.yml',
    format: 'table',
    push: false,
    filters: {},
    ...over,
  });

  it.each([
    { name: 'no arguments', argv: [], want: { command: 'help' } },
    { name: 'help', argv: ['help'], want: { command: 'help' } },
    { name: 'help ignores further arguments', argv: ['help', 'build'], want: { command: 'help' } },
    { name: '--help with a command', argv: ['build', '--help'], want: { command: 'help' } },
    { name: '-h', argv: ['-h'], want: { command: 'help' } },
    {
      name: 'validate, default config',
      argv: ['validate'],
      want: { command: 'validate', config: 'ml-image.yml' },
    },
    {
      name: 'validate -c',
      argv: ['validate', '-c', 'x.yml'],
      want: { command: 'validate', config: 'x.yml' },
    },
    { name: 'schema', argv: ['schema'], want: { command: 'schema' } },
    {
      name: 'verify by digest, JSON to a file',
      argv: ['verify', 'r.io/a/b@sha256:' + '1'.repeat(64), '--json', 'v.json'],
      want: { command: 'verify', image: 'r.io/a/b@sha256:' + '1'.repeat(64), json: 'v.json' },
    },
    { name: 'build defaults', argv: ['build'], want: build() },
    { name: 'options before the command', argv: ['--config', 'a.yml', 'build'], want: build({ config: 'a.yml' }) },
    {
      name: 'every flag',
      argv: [
        'build',
        '--config=ml/a.yml',
        '--push',
        '--registry',
        'ghcr.io/acme',
        '--username',
        'octo',
        '--password-stdin',
        '--docker',
        '/usr/bin/docker',
        '--build-engine',
        'buildkit',
        '--images-file',
        'images.json',
        '-v',
        '--image',
        'acme/iris',
        '--variant',
        'cpu',
        '--builder',
        'gpu-builder',
        '--cache-backend',
        'local',
        '--min-free-space',
        '20GB',
      ],
      want: build({
        config: 'ml/a.yml',
        filters: { images: ['acme/iris'], variants: ['cpu'] },
        push: true,
        registries: ['ghcr.io/acme'],
        username: 'octo',
        passwordStdin: true,
        docker: '/usr/bin/docker',
        builder: 'buildkit',
        buildxBuilder: 'gpu-builder',
        cacheBackend: 'local',
        minFreeBytes: 20_000_000_000,
        imagesFile: 'images.json',
        verbose: true,
      }),
    },
    {
      name: 'repeated --registry',
      argv: ['build', '--registry', 'a.io', '--registry=b.io:5000'],
      want: build({ registries: ['a.io', 'b.io:5000'] }),
    },
    {
      name: 'repeated --image and --variant',
      argv: ['build', '--image', 'a', '--variant', 'cpu', '--image=b', '--variant=cuda12'],
      want: build({ filters: { images: ['a', 'b'], variants: ['cpu', 'cuda12'] } }),
    },
    { name: '--build-engine buildx', argv: ['build', '--build-engine', 'buildx'], want: build({ builder: 'buildx' }) },
    { name: '--build-engine auto is the default', argv: ['build', '--build-engine=auto'], want: build() },
    {
      name: '--builder names a buildx builder instance',
      argv: ['build', '--builder', 'mybuilder'],
      want: build({ buildxBuilder: 'mybuilder' }),
    },
    {
      name: '--builder with --build-engine buildx',
      argv: ['build', '--build-engine', 'buildx', '--builder=ci'],
      want: build({ builder: 'buildx', buildxBuilder: 'ci' }),
    },
    { name: '--cache-backend none', argv: ['build', '--cache-backend', 'none'], want: build({ cacheBackend: 'none' }) },
    {
      name: '--min-free-space in binary units',
      argv: ['build', '--min-free-space=1.5GiB'],
      want: build({ minFreeBytes: 1_610_612_736 }),
    },
    {
      name: '--username without --password-stdin',
      argv: ['build', '--username', 'octo'],
      want: build({ username: 'octo' }),
    },
    { name: 'plan defaults: a table', argv: ['plan'], want: plan() },
    { name: 'plan --format json', argv: ['plan', '--format', 'json'], want: plan({ format: 'json' }) },
    {
      name: 'plan --format=matrix with filters, push and registries',
      argv: [
        'plan',
        '-c',
        'ml/x.yml',
        '--format=matrix',
        '--push',
        '--registry',
        'ghcr.io',
        '--image',
        'acme/iris',
        '--variant',
        'cuda12',
      ],
      want: plan({
        config: 'ml/x.yml',
        format: 'matrix',
        push: true,
        registries: ['ghcr.io'],
        filters: { images: ['acme/iris'], variants: ['cuda12'] },
      }),
    },
  ])('$name', ({ argv, want }) => {
    expect(parseCli(argv)).toEqual(want);
  });

  it.each([
    {
      name: 'bad --build-engine',
      argv: ['build', '--build-engine', 'docker'],
      message: '--build-engine must be auto, buildx or buildkit, got "docker"',
    },
    {
      name: '--builder buildkit (an engine)',
      argv: ['build', '--builder', 'buildkit'],
      message:
        '--builder names a buildx builder instance (as in docker buildx build); to choose buildkit, use --build-engine buildkit',
    },
    {
      name: '--builder buildx (an engine)',
      argv: ['build', '--builder=buildx'],
      message:
        '--builder names a buildx builder instance (as in docker buildx build); to choose buildx, use --build-engine buildx',
    },
    {
      name: 'bad --cache-backend',
      argv: ['build', '--cache-backend', 's3'],
      message: '--cache-backend must be one of auto, registry, gha, local, inline, none, got "s3"',
    },
    {
      name: 'bad --min-free-space',
      argv: ['build', '--min-free-space', '20G'],
      message: '--min-free-space must be a size like 20GB, got "20G"',
    },
    {
      name: 'the old --metadata-file',
      argv: ['build', '--metadata-file', 'm.json'],
      message: '--metadata-file is now --images-file (buildx uses --metadata-file for its build metadata)',
    },
    {
      name: '--password-stdin without --username',
      argv: ['build', '--password-stdin'],
      message: '--password-stdin needs --username',
    },
    {
      name: '--password-stdin with an empty --username',
      argv: ['build', '--password-stdin', '--username', ''],
      message: '--password-stdin needs --username',
    },
    {
      name: 'unknown command',
      argv: ['deploy'],
      message: 'unknown command "deploy" (expected build, test, merge, plan, verify, validate, schema or help)',
    },
    {
      name: 'verify without an image',
      argv: ['verify'],
      message: 'verify needs an image by digest, e.g. ml-image verify ghcr.io/acme/iris@sha256:…',
    },
    { name: 'extra argument after build', argv: ['build', 'now'], message: 'unexpected argument "now"' },
    { name: 'extra argument after validate', argv: ['validate', 'x.yml'], message: 'unexpected argument "x.yml"' },
    { name: 'extra argument after plan', argv: ['plan', 'json'], message: 'unexpected argument "json"' },
    { name: 'a dash argument after --', argv: ['build', '--', '--push'], message: 'unexpected argument "--push"' },
    {
      name: 'bad --format',
      argv: ['plan', '--format', 'yaml'],
      message: '--format must be table, json or matrix, got "yaml"',
    },
    { name: '--format with build', argv: ['build', '--format', 'json'], message: '--format goes with plan' },
    { name: '--format with validate', argv: ['validate', '--format=table'], message: '--format goes with plan' },
    // The next three messages come from node:util parseArgs; only their stable first sentence is asserted.
    // Under Jest's VM modules, node's TypeError is from another realm, so `err instanceof Error` in args.ts is
    // false and String(err) adds the "TypeError [CODE]: " prefix; in a plain `node` run the prefix is absent.
    {
      name: 'unknown flag',
      argv: ['build', '--frob'],
      message: /^(TypeError \[ERR_PARSE_ARGS_UNKNOWN_OPTION\]: )?Unknown option '--frob'\. /,
    },
    {
      name: 'missing option value',
      argv: ['build', '-c'],
      message: /^(TypeError \[ERR_PARSE_ARGS_INVALID_OPTION_VALUE\]: )?Option '-c, --config <value>' argument missing$/,
    },
    {
      name: 'value for a boolean flag',
      argv: ['build', '--push=true'],
      message: /^(TypeError \[ERR_PARSE_ARGS_INVALID_OPTION_VALUE\]: )?Option '--push' does not take an argument$/,
    },
  ])('usage error: $name', ({ argv, message }) => {
    const err = caught(() => parseCli(argv));
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    if (typeof message === 'string') expect(err.message).toBe(message);
    else expect(err.message).toMatch(message);
  });
});
