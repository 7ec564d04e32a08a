import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkRegistryOverride, displayPath, durationMs, loadConfig, parseConfig } from '../../src/config/load.js';
import { isInside, repositoryRoot } from '../../src/config/paths.js';
import { DEFAULT_PUSH_WHEN } from '../../src/config/resolve.js';
import { configSchema, TAG_PATTERN, VARIANT_PATTERN } from '../../src/config/schema.js';
import type { Config, ImageConfig, VariantConfig } from '../../src/config/types.js';
import { validate } from '../../src/config/validate.js';
import { suggest } from '../../src/util/suggest.js';
import { ConfigError, MlImageError, type ConfigIssue } from '../../src/errors.js';
import { cacheConfig, caught } from './helpers.js';

// A real repository on disk: `dir` holds .git (so it is the repository root), ml-image.yml, a Dockerfile and
// a `model/` context with Dockerfile, Dockerfile.gpu and Dockerfile.cuda. `outside` is a directory beside
// it, outside the repository, that the symbolic link `dir/escape` points to. Created at module load so the
// case tables below can name paths.
const dir = mkdtempSync(path.join(os.tmpdir(), 'ml-image-config-'));
const outside = mkdtempSync(path.join(os.tmpdir(), 'ml-image-outside-'));
mkdirSync(path.join(dir, '.git'));
mkdirSync(path.join(dir, 'model'));
writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
writeFileSync(path.join(dir, 'model', 'Dockerfile'), 'FROM scratch\n');
writeFileSync(path.join(dir, 'model', 'Dockerfile.gpu'), 'FROM scratch\n');
writeFileSync(path.join(dir, 'model', 'Dockerfile.cuda'), 'FROM scratch\n');
mkdirSync(path.join(dir, 'not-a-file.yml'));
writeFileSync(path.join(outside, 'Dockerfile'), 'FROM scratch\n');
symlinkSync(outside, path.join(dir, 'escape'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

const FILE = path.join(dir, 'ml-image.yml');
const SHOWN = 'ml-image.yml';

const parse = (text: string): Config => parseConfig(text, FILE, dir);

/** The issues of the ConfigError that parsing `text` throws; fails the test when it throws anything else. */
function issuesOf(text: string): readonly ConfigIssue[] {
  try {
    parse(text);
  } catch (err: unknown) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError, but the config was accepted');
}

const issue = (line: number, column: number, keyPath: string, message: string): ConfigIssue => ({
  location: { file: SHOWN, line, column },
  path: keyPath,
  message,
});

const TAG_MESSAGE = 'expected a tag of letters, digits, _ . - (at most 128, not starting with . or -)';
const ENV_MESSAGE = 'expected an environment variable name like HF_TOKEN';
const REPO_MESSAGE = 'expected a repository name like acme/iris-classifier (letters, digits, . _ - and /)';
const SPLIT_HINT = ' (commas split items inside [...]: quote each rule, or write a block list or a "|" string)';
const BACKEND_MESSAGE = 'expected one of auto, registry, gha, local, inline, none';
const PUSH_EVENTS = 'always, default-branch, branch, tag, pull-request, schedule, workflow-dispatch, release';
/** `version: 1` + one image named `a`, with `more` appended under the image (indented 4). */
const img = (...more: string[]): string =>
  ['version: 1', 'images:', '  - name: a', ...more.map((l) => `    ${l}`), ''].join('\n');
/** Like img, with an http smoke test on port 80 and `check` lines under its one check (indented 12). */
const httpCheck = (...check: string[]): string =>
  img(
    'smoke-test:',
    '  http:',
    '    port: 80',
    '    checks:',
    ...check.map((l, i) => (i === 0 ? `      - ${l}` : `        ${l}`)),
  );
/**
 * Like img, with variants `cpu: {}` (line 5) and `gpu` (line 6), and `more` under gpu (indented 8, from
 * line 7 on): a key `k: v` on line 7 has its value at column 11 + k.length.
 */
const variants = (...more: string[]): string => img('variants:', '  cpu: {}', '  gpu:', ...more.map((l) => `    ${l}`));

/** The one variant of an image without variants, with the defaults resolve.ts applies. */
const onlyVariant = (over: Partial<VariantConfig>): VariantConfig => ({
  name: '',
  isDefault: true,
  dockerfile: path.join(dir, 'Dockerfile'),
  target: undefined,
  buildArgs: {},
  labels: {},
  platforms: [],
  gpu: false,
  runsOn: ['ubuntu-latest'],
  smokeTest: undefined,
  tagSuffix: '',
  cache: cacheConfig(),
  ...over,
});

/** An image with the defaults resolve.ts applies; `over` replaces keys. */
const imageConfig = (over: Partial<ImageConfig>): ImageConfig => ({
  index: 0,
  name: 'a',
  context: dir,
  secrets: [],
  reproducible: true,
  tags: [],
  flavor: [],
  variants: [onlyVariant({})],
  ...over,
});

describe('parseConfig: a valid config', () => {
  const FULL = `# every image key, and a few defaults
version: 1
images:
  - name: acme/iris-classifier
    context: model
    dockerfile: Dockerfile.gpu
    target: runtime
    build-args:
      BASE_IMAGE: debian:bookworm
      WORKERS: 4
      DEBUG: false
    labels:
      org.opencontainers.image.vendor: Acme
    platforms: [linux/amd64]
    tags: [latest, "1.0", latest, v1]
    gpu: true
    smoke-test:
      timeout: 90s
      gpu: required
      env:
        OMP_NUM_THREADS: 1
        MODE: test
      commands:
        - name: imports
          run: [python3, -c, "import sklearn; print('ok')"]
          expect-output: ["^ok$", "never"]
          expect-exit-code: 3
          timeout: 30
        - run: [python3, --version]
          timeout: 2m
      http:
        port: 8080
        ready: { path: /health, status: 204, timeout: 500ms }
        checks:
          - name: predict
            method: POST
            path: /predict
            headers: { X-Trace: 1, Accept: application/json }
            json: { features: [5.1, 3.5, 1.4, 0.2] }
            expect-status: 201
            expect-body: '"class": *"setosa"'
          - path: /raw
            method: PUT
            body: "a=1"
  - name: acme/defaults
  - name: acme/http-defaults
    smoke-test:
      commands:
        - run: [echo, hello world]
      http:
        port: 9000
push:
  registries: [ghcr.io/acme, "127.0.0.1:5000", ghcr.io/acme]
`;

  const expected: Config = {
    file: FILE,
    root: dir,
    version: 1,
    images: [
      imageConfig({
        index: 0,
        name: 'acme/iris-classifier',
        context: path.join(dir, 'model'),
        // Tag rules stay as written: metadata-action's engine de-duplicates the tags they give.
        tags: ['latest', '1.0', 'latest', 'v1'],
        variants: [
          onlyVariant({
            dockerfile: path.join(dir, 'model', 'Dockerfile.gpu'),
            target: 'runtime',
            buildArgs: { BASE_IMAGE: 'debian:bookworm', WORKERS: '4', DEBUG: 'false' },
            labels: { 'org.opencontainers.image.vendor': 'Acme' },
            platforms: ['linux/amd64'],
            gpu: true,
            smokeTest: {
              gpuCheck: undefined,
              emulated: undefined,
              files: [],
              metadata: undefined,
              structureTests: [],
              volumes: [],
              services: [],
              compose: undefined,
              timeoutMs: 90_000,
              gpu: 'required',
              env: { OMP_NUM_THREADS: '1', MODE: 'test' },
              commands: [
                {
                  name: 'imports',
                  run: ['python3', '-c', "import sklearn; print('ok')"],
                  expectOutput: ['^ok$', 'never'],
                  excludeOutput: [],
                  expectError: [],
                  excludeError: [],
                  env: {},
                  workdir: undefined,
                  user: undefined,
                  requiresGpu: undefined,
                  expectExitCode: 3,
                  timeoutMs: 30_000,
                  location: { file: 'ml-image.yml', line: 24, column: 11 },
                },
                {
                  name: 'python3 --version',
                  run: ['python3', '--version'],
                  expectOutput: [],
                  excludeOutput: [],
                  expectError: [],
                  excludeError: [],
                  env: {},
                  workdir: undefined,
                  user: undefined,
                  requiresGpu: undefined,
                  expectExitCode: 0,
                  timeoutMs: 120_000,
                  location: { file: 'ml-image.yml', line: 29, column: 11 },
                },
              ],
              http: {
                port: 8080,
                ready: {
                  path: '/health',
                  status: 204,
                  timeoutMs: 500,
                  location: { file: 'ml-image.yml', line: 33, column: 16 },
                },
                checks: [
                  {
                    name: 'predict',
                    method: 'POST',
                    path: '/predict',
                    headers: { 'X-Trace': '1', Accept: 'application/json' },
                    json: { features: [5.1, 3.5, 1.4, 0.2] },
                    body: undefined,
                    expectStatus: 201,
                    expectBody: '"class": *"setosa"',
                    location: { file: 'ml-image.yml', line: 35, column: 13 },
                  },
                  {
                    name: 'PUT /raw',
                    method: 'PUT',
                    path: '/raw',
                    headers: {},
                    body: 'a=1',
                    json: undefined,
                    expectStatus: 200,
                    expectBody: undefined,
                    location: { file: 'ml-image.yml', line: 42, column: 13 },
                  },
                ],
              },
            },
          }),
        ],
      }),
      imageConfig({ index: 1, name: 'acme/defaults' }),
      imageConfig({
        index: 2,
        name: 'acme/http-defaults',
        variants: [
          onlyVariant({
            smokeTest: {
              gpuCheck: undefined,
              emulated: undefined,
              files: [],
              metadata: undefined,
              structureTests: [],
              volumes: [],
              services: [],
              compose: undefined,
              timeoutMs: 300_000,
              gpu: 'auto',
              env: {},
              commands: [
                {
                  name: 'echo hello world',
                  run: ['echo', 'hello world'],
                  expectOutput: [],
                  excludeOutput: [],
                  expectError: [],
                  excludeError: [],
                  env: {},
                  workdir: undefined,
                  user: undefined,
                  requiresGpu: undefined,
                  expectExitCode: 0,
                  timeoutMs: 60_000,
                  location: { file: 'ml-image.yml', line: 49, column: 11 },
                },
              ],
              http: {
                port: 9000,
                ready: {
                  path: '/',
                  status: 200,
                  timeoutMs: 60_000,
                  location: { file: 'ml-image.yml', line: 51, column: 15 },
                },
                checks: [],
              },
            },
          }),
        ],
      }),
    ],
    push: {
      registries: ['ghcr.io/acme', '127.0.0.1:5000'],
      when: ['branch', 'tag', 'schedule', 'workflow-dispatch', 'release'],
      immutableTags: false,
    },
    policy: { secretBuildArgs: 'warn' },
  };

  it('resolves every key, applies the defaults and de-duplicates registries', () => {
    expect(parse(FULL)).toEqual(expected);
  });

  it('loadConfig reads the same file relative to cwd and gives its absolute path', () => {
    writeFileSync(FILE, FULL);
    expect(loadConfig('ml-image.yml', dir)).toEqual(expected);
    // From another directory: the same config; check locations name the file as seen from there.
    const fromRoot = loadConfig(FILE, '/');
    expect(fromRoot.file).toBe(FILE);
    expect(fromRoot.images[0].variants[0].smokeTest!.commands[0].location).toEqual({
      file: FILE.slice(1),
      line: 24,
      column: 11,
    });
  });

  it('an image without smoke-test has none (not an empty one)', () => {
    expect(parse(img()).images[0].variants[0].smokeTest).toBeUndefined();
  });

  it.each([
    { name: 'seconds', value: '90s', ms: 90_000 },
    { name: 'minutes', value: '2m', ms: 120_000 },
    { name: 'milliseconds', value: '500ms', ms: 500 },
    { name: 'hours', value: '1h', ms: 3_600_000 },
    { name: 'fractional seconds', value: '1.5s', ms: 1_500 },
    { name: 'a bare integer is seconds', value: '30', ms: 30_000 },
  ])('smoke-test timeout: $value → $ms ms ($name)', ({ value, ms }) => {
    expect(parse(img('smoke-test:', `  timeout: ${value}`)).images[0].variants[0].smokeTest!.timeoutMs).toBe(ms);
  });

  it.each([
    { name: 'a tag that looks like a version when quoted', tag: '"1.0"', want: '1.0' },
    { name: '128 characters is the limit', tag: 'a'.repeat(128), want: 'a'.repeat(128) },
    { name: 'underscore first, dots and dashes after', tag: '_x.b-c_D', want: '_x.b-c_D' },
  ])('accepts latest-tag: $name', ({ tag, want }) => {
    expect(parse(variants(`latest-tag: ${tag}`)).images[0].variants[1].latestTag).toBe(want);
  });

  it('a Dockerfile path is relative to the context, not to the config file', () => {
    const image = parse(img('context: model', 'dockerfile: Dockerfile.gpu')).images[0];
    expect([image.context, image.variants[0].dockerfile]).toEqual([
      path.join(dir, 'model'),
      path.join(dir, 'model', 'Dockerfile.gpu'),
    ]);
  });

  it('an empty tags list resolves to no rules (the plan then uses the default rules)', () => {
    expect(parse(img('tags: []')).images[0].tags).toEqual([]);
  });

  it('tags and flavor as block strings resolve to their lines, without blanks and comments', () => {
    const image = parse(
      img('tags: |', '  type=sha', '', '  # not a rule', '  type=raw,value=x', 'flavor: |', '  latest=false'),
    ).images[0];
    expect([image.tags, image.flavor]).toEqual([['type=sha', 'type=raw,value=x'], ['latest=false']]);
  });
});

describe('parseConfig: config v1 with variants', () => {
  const V1 = `# yaml-language-server: $schema=../schema/ml-image.schema.json
$schema: ../schema/ml-image.schema.json
version: 1
images:
  - name: acme/llm-server
    context: model
    target: runtime
    build-args:
      PYTHON: 3.10
      TORCH: 2.3.0
    labels:
      team: ml
    platforms: [linux/amd64]
    secrets: [HF_TOKEN, PIP_INDEX_URL, HF_TOKEN]
    tags:
      - type=semver,pattern={{version}}
      - type=ref,event=branch
    flavor:
      - latest=auto
    cache:
      backend: inline
    default-variant: cpu
    smoke-test:
      commands:
        - run: [python, -c, import torch]
    variants:
      cpu:
        build-args:
          TORCH_INDEX: cpu
      cuda12:
        dockerfile: Dockerfile.cuda
        target: cuda-runtime
        gpu: true
        build-args:
          TORCH_INDEX: cu121
          PYTHON: 3.11
        labels:
          accelerator: nvidia
        runs-on: [self-hosted, linux, gpu]
        latest-tag: cuda
        smoke-test:
          gpu: required
push:
  when: [tag, default-branch, tag]
  registries: [GHCR.io/acme]
`;

  const smoke = {
    timeoutMs: 300_000,
    gpu: 'auto' as const,
    env: {},
    commands: [
      {
        name: 'python -c import torch',
        run: ['python', '-c', 'import torch'],
        expectOutput: [],
        excludeOutput: [],
        expectError: [],
        excludeError: [],
        env: {},
        workdir: undefined,
        user: undefined,
        requiresGpu: undefined,
        expectExitCode: 0,
        timeoutMs: 60_000,
        location: { file: 'ml-image.yml', line: 25, column: 11 },
      },
    ],
    http: undefined,
    gpuCheck: undefined,
    emulated: undefined,
    files: [],
    metadata: undefined,
    structureTests: [],
    volumes: [],
    services: [],
    compose: undefined,
  };

  const expected: Config = {
    file: FILE,
    root: dir,
    version: 1,
    images: [
      {
        index: 0,
        name: 'acme/llm-server',
        context: path.join(dir, 'model'),
        secrets: ['HF_TOKEN', 'PIP_INDEX_URL'],
        reproducible: true,
        tags: ['type=semver,pattern={{version}}', 'type=ref,event=branch'],
        flavor: ['latest=auto'],
        variants: [
          {
            name: 'cpu',
            isDefault: true,
            dockerfile: path.join(dir, 'model', 'Dockerfile'),
            target: 'runtime',
            buildArgs: { PYTHON: '3.10', TORCH: '2.3.0', TORCH_INDEX: 'cpu' },
            labels: { team: 'ml' },
            platforms: ['linux/amd64'],
            gpu: false,
            runsOn: ['ubuntu-latest'],
            smokeTest: smoke,
            tagSuffix: '',
            latestTag: undefined,
            // The image's cache section, merged under each variant.
            cache: cacheConfig({ backend: 'inline' }),
          },
          {
            name: 'cuda12',
            isDefault: false,
            dockerfile: path.join(dir, 'model', 'Dockerfile.cuda'),
            target: 'cuda-runtime',
            buildArgs: { PYTHON: '3.11', TORCH: '2.3.0', TORCH_INDEX: 'cu121' },
            labels: { team: 'ml', accelerator: 'nvidia' },
            platforms: ['linux/amd64'],
            gpu: true,
            runsOn: ['self-hosted', 'linux', 'gpu'],
            // Other keys than build-args and labels replace the image's: this smoke test has no commands.
            smokeTest: {
              timeoutMs: 300_000,
              gpu: 'required',
              env: {},
              commands: [],
              http: undefined,
              gpuCheck: undefined,
              emulated: undefined,
              files: [],
              metadata: undefined,
              structureTests: [],
              volumes: [],
              services: [],
              compose: undefined,
            },
            tagSuffix: '-cuda12',
            latestTag: 'cuda',
            cache: cacheConfig({ backend: 'inline' }),
          },
        ],
      },
    ],
    push: { registries: ['ghcr.io/acme'], when: ['tag', 'default-branch'], immutableTags: false },
    policy: { secretBuildArgs: 'warn' },
  };

  it('resolves to the exact Config: variants merged over the image, the default one unsuffixed', () => {
    expect(parse(V1)).toStrictEqual(expected);
  });

  const twoVariants = (...image: string[]): string =>
    [
      'version: 1',
      'images:',
      '  - name: a',
      ...image.map((l) => `    ${l}`),
      '    variants:',
      '      cpu: {}',
      '      cuda12: {}',
      '',
    ].join('\n');
  const pick = (c: Config) =>
    c.images[0].variants.map((v) => ({
      name: v.name,
      isDefault: v.isDefault,
      tagSuffix: v.tagSuffix,
      latestTag: v.latestTag,
    }));

  it.each([
    {
      name: 'the first variant is the default',
      yaml: twoVariants(),
      want: [
        { name: 'cpu', isDefault: true, tagSuffix: '', latestTag: undefined },
        { name: 'cuda12', isDefault: false, tagSuffix: '-cuda12', latestTag: undefined },
      ],
    },
    {
      name: 'default-variant names the second',
      yaml: twoVariants('default-variant: cuda12'),
      want: [
        { name: 'cpu', isDefault: false, tagSuffix: '-cpu', latestTag: undefined },
        { name: 'cuda12', isDefault: true, tagSuffix: '', latestTag: undefined },
      ],
    },
    {
      name: 'tag-suffix and latest-tag of a non-default variant',
      yaml: img('variants:', '  cpu: {}', '  cuda12: { tag-suffix: -gpu, latest-tag: gpu }'),
      want: [
        { name: 'cpu', isDefault: true, tagSuffix: '', latestTag: undefined },
        { name: 'cuda12', isDefault: false, tagSuffix: '-gpu', latestTag: 'gpu' },
      ],
    },
    {
      name: 'tag-suffix and latest-tag are ignored on the default variant',
      yaml: img('variants:', '  cpu: { tag-suffix: -cpu, latest-tag: cpu }', '  cuda12: {}'),
      want: [
        { name: 'cpu', isDefault: true, tagSuffix: '', latestTag: undefined },
        { name: 'cuda12', isDefault: false, tagSuffix: '-cuda12', latestTag: undefined },
      ],
    },
  ])('variant tags: $name', ({ yaml, want }) => {
    expect(pick(parse(yaml))).toEqual(want);
  });

  it.each([
    { name: 'runs-on default', yaml: img(), want: ['ubuntu-latest'] },
    { name: 'runs-on as a string', yaml: img('runs-on: gpu-runner'), want: ['gpu-runner'] },
    { name: 'runs-on as a list', yaml: img('runs-on: [self-hosted, gpu]'), want: ['self-hosted', 'gpu'] },
    {
      name: 'a variant inherits the image runs-on',
      yaml: img('runs-on: big', 'variants:', '  cpu: {}'),
      want: ['big'],
    },
  ])('$name', ({ yaml, want }) => {
    expect(parse(yaml).images[0].variants[0].runsOn).toEqual(want);
  });

  it.each([
    { name: 'default push.when: every event but pull requests', yaml: img(), want: [...DEFAULT_PUSH_WHEN] },
    {
      name: 'push.when as written, de-duplicated',
      yaml: img() + 'push:\n  when: [always, always, release]\n',
      want: ['always', 'release'],
    },
    { name: 'an empty push.when never pushes on auto', yaml: img() + 'push:\n  when: []\n', want: [] },
  ])('$name', ({ yaml, want }) => {
    expect(parse(yaml).push.when).toEqual(want);
  });

  it('DEFAULT_PUSH_WHEN is every event but pull requests (and always)', () => {
    expect(DEFAULT_PUSH_WHEN).toEqual(['branch', 'tag', 'schedule', 'workflow-dispatch', 'release']);
  });

  it.each([
    { name: 'auto by default', yaml: img(), want: 'auto' },
    { name: 'an empty cache mapping', yaml: img('cache: {}'), want: 'auto' },
    { name: 'inline', yaml: img('cache: { backend: inline }'), want: 'inline' },
    { name: 'none', yaml: img('cache: { backend: none }'), want: 'none' },
    { name: 'registry', yaml: img('cache: { backend: registry }'), want: 'registry' },
    { name: 'gha', yaml: img('cache: { backend: gha }'), want: 'gha' },
    { name: 'local', yaml: img('cache: { backend: local }'), want: 'local' },
    {
      name: 'a variant inherits the image backend',
      yaml: img('cache: { backend: none }', 'variants:', '  cpu: {}'),
      want: 'none',
    },
    {
      name: 'a variant replaces the image backend',
      yaml: img('cache: { backend: none }', 'variants:', '  cpu: { cache: { backend: local } }'),
      want: 'local',
    },
  ])('cache backend: $name', ({ yaml, want }) => {
    expect(parse(yaml).images[0].variants[0].cache.backend).toBe(want);
  });

  it('registry hosts are lowercased and then de-duplicated', () => {
    expect(
      parse(img() + 'push:\n  registries: [GHCR.IO/acme, ghcr.io/acme, "LocalHost:5000"]\n').push.registries,
    ).toEqual(['ghcr.io/acme', 'localhost:5000']);
  });

  // Bug (src/config/schema.ts, push.registries pattern '^[A-Za-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)*$'): an
  // upper-case host is accepted and lowercased (resolve.ts lowerRegistry), but an upper-case namespace, as
  // GitHub owners often are (ghcr.io/Acme), is rejected: 'expected a registry host like ghcr.io or
  // 127.0.0.1:5000, got "ghcr.io/Acme"'. Image names are now lowercased rather than rejected, as
  // metadata-action does with its images; the registry namespace should be too. Expected: "ghcr.io/acme".
  it("Docker Hub's other names are folded into docker.io, as the docker CLI does", () => {
    expect(
      parse(
        img() +
          'push:\n  registries: [index.docker.io/acme, registry-1.docker.io/acme, Registry.Hub.Docker.com/Other, docker.io]\n',
      ).push.registries,
    ).toEqual(['docker.io/acme', 'docker.io/other', 'docker.io']);
  });

  it('push.immutable-tags is off unless set', () => {
    expect(parse(img()).push.immutableTags).toBe(false);
    expect(parse(img() + 'push:\n  immutable-tags: true\n').push.immutableTags).toBe(true);
  });

  it('a registry namespace in upper case is lowercased, like image names', () => {
    expect(parse(img() + 'push:\n  registries: [ghcr.io/Acme]\n').push.registries).toEqual(['ghcr.io/acme']);
  });

  it('a variant Dockerfile is relative to the image context', () => {
    const image = parse(img('context: model', 'variants:', '  cpu: {}', '  cuda12: { dockerfile: Dockerfile.cuda }'))
      .images[0];
    expect(image.variants.map((v) => v.dockerfile)).toEqual([
      path.join(dir, 'model', 'Dockerfile'),
      path.join(dir, 'model', 'Dockerfile.cuda'),
    ]);
  });

  it('an uppercase image name is lowercased, not rejected', () => {
    expect(parse('version: 1\nimages:\n  - name: Acme/Iris\n').images[0].name).toBe('acme/iris');
  });

  it('image names that differ only in case are duplicates', () => {
    expect(issuesOf('version: 1\nimages:\n  - name: acme/iris\n  - name: Acme/Iris\n')).toEqual([
      issue(4, 11, 'images[1].name', 'duplicate image name "Acme/Iris" (also images[0])'),
    ]);
  });
});

describe('parseConfig: every problem, located', () => {
  const cases: { name: string; yaml: string; issues: ConfigIssue[] }[] = [
    {
      name: 'YAML syntax error',
      yaml: 'version: 1\nimages: [\n',
      issues: [
        issue(3, 1, '', 'YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'),
      ],
    },
    {
      name: 'duplicate key (the first syntax error is reported)',
      yaml: 'version: 1\nversion: 1\nimages:\n  - name: a\n  - name: b\n    name: c\n',
      issues: [issue(2, 1, '', 'YAML: Map keys must be unique')],
    },
    {
      name: 'tab indentation',
      yaml: 'version: 1\nimages:\n\t- name: a\n',
      issues: [issue(3, 1, '', 'YAML: Tabs are not allowed as indentation')],
    },
    {
      name: 'two YAML documents',
      yaml: img() + '---\nversion: 1\n',
      issues: [issue(4, 1, '', 'YAML: Source contains multiple documents; please use YAML.parseAllDocuments()')],
    },
    { name: 'empty file', yaml: '', issues: [issue(1, 1, '', 'expected a mapping with "version" and "images"')] },
    {
      name: 'only a comment',
      yaml: '# todo\n',
      issues: [issue(1, 1, '', 'expected a mapping with "version" and "images"')],
    },
    {
      name: 'top-level list',
      yaml: '- name: a\n- name: b\n',
      issues: [issue(1, 1, '', 'expected a mapping with "version" and "images"')],
    },
    {
      name: 'top-level scalar',
      yaml: 'hello\n',
      issues: [issue(1, 1, '', 'expected a mapping with "version" and "images"')],
    },
    {
      name: 'missing version',
      yaml: 'images:\n  - name: a\n',
      issues: [issue(1, 1, '', 'missing required key "version"')],
    },
    {
      name: 'version 2',
      yaml: 'version: 2\nimages:\n  - name: a\n',
      issues: [issue(1, 10, 'version', 'expected 1, got the number 2')],
    },
    {
      name: 'version as a string',
      yaml: 'version: "1"\nimages:\n  - name: a\n',
      issues: [issue(1, 10, 'version', 'expected 1, got "1"')],
    },
    { name: 'missing images', yaml: 'version: 1\n', issues: [issue(1, 1, '', 'missing required key "images"')] },
    {
      name: 'images empty',
      yaml: 'version: 1\nimages: []\n',
      issues: [issue(2, 9, 'images', 'must list at least one item')],
    },
    {
      name: 'image without name',
      yaml: 'version: 1\nimages:\n  - context: .\n',
      issues: [issue(3, 5, 'images[0]', 'missing required key "name"')],
    },
    {
      name: 'repository name with a registry port',
      yaml: 'version: 1\nimages:\n  - name: "localhost:5000/iris"\n',
      issues: [issue(3, 11, 'images[0].name', `${REPO_MESSAGE}, got "localhost:5000/iris"`)],
    },
    {
      name: 'repository name ending in a separator',
      yaml: 'version: 1\nimages:\n  - name: acme/iris-\n',
      issues: [issue(3, 11, 'images[0].name', `${REPO_MESSAGE}, got "acme/iris-"`)],
    },
    {
      name: 'unknown top-level key, near miss',
      yaml: 'version: 1\nimagse:\n  - name: a\nimages:\n  - name: a\n',
      issues: [issue(2, 1, 'imagse', 'unknown key "imagse" (did you mean "images"?)')],
    },
    {
      name: 'unknown image key, near miss',
      yaml: img('smoke-tset: {}'),
      issues: [issue(4, 5, 'images[0].smoke-tset', 'unknown key "smoke-tset" (did you mean "smoke-test"?)')],
    },
    {
      name: 'unknown command key, near miss',
      yaml: img('smoke-test:', '  commands:', '    - run: [x]', '      expect-ouput: [a]'),
      issues: [
        issue(
          7,
          11,
          'images[0].smoke-test.commands[0].expect-ouput',
          'unknown key "expect-ouput" (did you mean "expect-output"?)',
        ),
      ],
    },
    {
      name: 'unknown key, nothing close',
      yaml: img('frobnicate: true'),
      issues: [issue(4, 5, 'images[0].frobnicate', 'unknown key "frobnicate"')],
    },
    {
      name: 'port as a string',
      yaml: img('smoke-test:', '  http:', '    port: "8080"'),
      issues: [issue(6, 15, 'images[0].smoke-test.http.port', 'expected an integer, got "8080"')],
    },
    {
      name: 'a number where a string is expected: tag 1.0',
      yaml: img('tags: [1.0]'),
      issues: [
        issue(4, 12, 'images[0].tags[0]', 'expected a string, got the number 1.0 (quote it to make it a string)'),
      ],
    },
    {
      name: 'a boolean where a string is expected: tag true',
      yaml: img('tags: [latest, true]'),
      issues: [issue(4, 20, 'images[0].tags[1]', 'expected a string, got boolean true (quote it to make it a string)')],
    },
    {
      name: 'a null build arg',
      yaml: img('build-args:', '  A:'),
      issues: [issue(5, 9, 'images[0].build-args.A', 'expected a string or a number or a boolean, got nothing (null)')],
    },
    {
      name: 'port above 65535',
      yaml: img('smoke-test:', '  http:', '    port: 70000'),
      issues: [issue(6, 15, 'images[0].smoke-test.http.port', 'must be at most 65535, got 70000')],
    },
    {
      name: 'port 0',
      yaml: img('smoke-test:', '  http:', '    port: 0'),
      issues: [issue(6, 15, 'images[0].smoke-test.http.port', 'must be at least 1, got 0')],
    },
    {
      name: 'http without port',
      yaml: img('smoke-test:', '  http:', '    ready: { path: / }'),
      issues: [issue(6, 9, 'images[0].smoke-test.http', 'missing required key "port"')],
    },
    {
      name: 'expect-exit-code above 255',
      yaml: img('smoke-test:', '  commands:', '    - run: [x]', '      expect-exit-code: 256'),
      issues: [issue(7, 29, 'images[0].smoke-test.commands[0].expect-exit-code', 'must be at most 255, got 256')],
    },
    {
      name: 'empty run',
      yaml: img('smoke-test:', '  commands:', '    - run: []'),
      issues: [issue(6, 16, 'images[0].smoke-test.commands[0].run', 'must list at least one item')],
    },
    {
      name: 'empty expect-output pattern',
      yaml: img('smoke-test:', '  commands:', '    - run: [x]', '      expect-output: [""]'),
      issues: [issue(7, 27, 'images[0].smoke-test.commands[0].expect-output[0]', 'must not be empty')],
    },
    {
      name: 'empty tag rule',
      yaml: img('tags: [""]'),
      issues: [issue(4, 12, 'images[0].tags[0]', 'must not be empty')],
    },
    {
      name: 'duration "10 minutes"',
      yaml: img('smoke-test:', '  timeout: 10 minutes'),
      issues: [
        issue(
          5,
          16,
          'images[0].smoke-test.timeout',
          'expected a positive duration like 30s, 2m or 500ms, got "10 minutes"',
        ),
      ],
    },
    {
      name: 'duration 0 (seconds)',
      yaml: img('smoke-test:', '  timeout: 0'),
      issues: [issue(5, 16, 'images[0].smoke-test.timeout', 'must be at least 1, got 0')],
    },
    {
      name: 'duration as a fraction of seconds',
      yaml: img('smoke-test:', '  timeout: 1.5'),
      issues: [issue(5, 16, 'images[0].smoke-test.timeout', 'expected a string or an integer, got the number 1.5')],
    },
    {
      name: 'bad enum: gpu maybe',
      yaml: img('smoke-test:', '  gpu: maybe'),
      issues: [issue(5, 12, 'images[0].smoke-test.gpu', 'expected one of auto, required, none, got "maybe"')],
    },
    {
      name: 'bad enum: method FETCH',
      yaml: httpCheck('path: /x', 'method: FETCH'),
      issues: [
        issue(
          9,
          21,
          'images[0].smoke-test.http.checks[0].method',
          'expected one of GET, POST, PUT, PATCH, DELETE, HEAD, got "FETCH"',
        ),
      ],
    },
    {
      name: 'bad enum with a near miss: method get',
      yaml: httpCheck('path: /x', 'method: get'),
      issues: [
        issue(
          9,
          21,
          'images[0].smoke-test.http.checks[0].method',
          'expected one of GET, POST, PUT, PATCH, DELETE, HEAD, got "get" (did you mean "GET"?)',
        ),
      ],
    },
    {
      name: 'image gpu not a boolean',
      yaml: img('gpu: "yes please"'),
      issues: [issue(4, 10, 'images[0].gpu', 'expected a boolean, got "yes please"')],
    },
    {
      name: 'platform without os',
      yaml: img('platforms: [amd64]'),
      issues: [issue(4, 17, 'images[0].platforms[0]', 'expected a platform like linux/amd64, got "amd64"')],
    },
    {
      name: 'registry with a scheme',
      yaml: img() + 'push:\n  registries: ["https://ghcr.io"]\n',
      issues: [
        issue(
          5,
          16,
          'push.registries[0]',
          'expected a registry host[:port] like ghcr.io, ghcr.io/acme or 127.0.0.1:5000 (a name with a dot, an IP address or localhost; port 1-65535), got "https://ghcr.io"',
        ),
      ],
    },
    {
      name: 'unknown key under push',
      yaml: img() + 'push:\n  registry: [ghcr.io]\n',
      issues: [issue(5, 3, 'push.registry', 'unknown key "registry" (did you mean "registries"?)')],
    },
    {
      name: 'latest-tag starting with -',
      yaml: variants('latest-tag: "-x"'),
      issues: [issue(7, 21, 'images[0].variants.gpu.latest-tag', `${TAG_MESSAGE}, got "-x"`)],
    },
    {
      name: 'latest-tag starting with .',
      yaml: variants('latest-tag: ".x"'),
      issues: [issue(7, 21, 'images[0].variants.gpu.latest-tag', `${TAG_MESSAGE}, got ".x"`)],
    },
    {
      name: 'latest-tag of 129 characters (shown cut at 57 + ...)',
      yaml: variants(`latest-tag: ${'a'.repeat(129)}`),
      issues: [issue(7, 21, 'images[0].variants.gpu.latest-tag', `${TAG_MESSAGE}, got "${'a'.repeat(57)}..."`)],
    },
    ...['latest; rm -rf /', '$(id)', 'a b', 'x`id`'].map((tag) => ({
      name: `branch-name-like injection attempt in latest-tag: ${tag}`,
      yaml: variants(`latest-tag: "${tag}"`),
      issues: [issue(7, 21, 'images[0].variants.gpu.latest-tag', `${TAG_MESSAGE}, got "${tag}"`)],
    })),
    {
      name: 'check path not starting with /',
      yaml: httpCheck('path: health'),
      issues: [
        issue(8, 19, 'images[0].smoke-test.http.checks[0].path', 'expected a path starting with /, got "health"'),
      ],
    },
    {
      name: 'ready path not starting with / (flow mapping)',
      yaml: img('smoke-test:', '  http:', '    port: 80', '    ready: { path: health }'),
      issues: [issue(7, 24, 'images[0].smoke-test.http.ready.path', 'expected a path starting with /, got "health"')],
    },
    {
      name: 'context dir missing',
      yaml: img('context: nope'),
      issues: [issue(4, 14, 'images[0].context', 'build context not found: nope')],
    },
    {
      name: 'context is a file',
      yaml: img('context: Dockerfile'),
      issues: [issue(4, 14, 'images[0].context', 'build context not found: Dockerfile')],
    },
    {
      name: 'Dockerfile missing (named)',
      yaml: img('context: model', 'dockerfile: Dockerfile.cpu'),
      issues: [issue(5, 17, 'images[0].dockerfile', `Dockerfile not found: ${path.join('model', 'Dockerfile.cpu')}`)],
    },
    {
      name: 'Dockerfile missing (default name, reported at the context)',
      yaml: img('context: not-a-file.yml'),
      issues: [issue(4, 14, 'images[0].context', `Dockerfile not found: ${path.join('not-a-file.yml', 'Dockerfile')}`)],
    },
    {
      name: 'duplicate image names',
      yaml: 'version: 1\nimages:\n  - name: a\n  - name: b\n  - name: a\n',
      issues: [issue(5, 11, 'images[2].name', 'duplicate image name "a" (also images[0])')],
    },
    {
      name: 'a platform listed twice',
      yaml: img('platforms: [linux/amd64, linux/amd64]'),
      issues: [issue(4, 30, 'images[0].platforms[1]', 'platform linux/amd64 is listed twice')],
    },
    {
      name: 'invalid regex in expect-output',
      yaml: img('smoke-test:', '  commands:', '    - run: [x]', '      expect-output: ["ok", "(unclosed"]'),
      issues: [
        issue(
          7,
          33,
          'images[0].smoke-test.commands[0].expect-output[1]',
          'invalid regular expression: Invalid regular expression: /(unclosed/m: Unterminated group',
        ),
      ],
    },
    {
      name: 'invalid regex in expect-body',
      yaml: httpCheck('path: /x', 'expect-body: "[a-"'),
      issues: [
        issue(
          9,
          26,
          'images[0].smoke-test.http.checks[0].expect-body',
          'invalid regular expression: Invalid regular expression: /[a-/m: Unterminated character class',
        ),
      ],
    },
    {
      name: 'json and body both set',
      yaml: httpCheck('path: /x', 'json: {a: 1}', 'body: raw'),
      issues: [issue(10, 19, 'images[0].smoke-test.http.checks[0].body', 'set either "json" or "body", not both')],
    },
    {
      name: 'several shape errors, all reported in file order',
      yaml: `version: 1
images:
  - name: bad-
    secrets: ["-x"]
    gpu: "yes please"
    smoke-test:
      gpu: maybe
      http:
        port: "80"
push:
  registries: ["a b"]
extra: 1
`,
      issues: [
        issue(3, 11, 'images[0].name', `${REPO_MESSAGE}, got "bad-"`),
        issue(4, 15, 'images[0].secrets[0]', 'expected an environment variable name like HF_TOKEN, got "-x"'),
        issue(5, 10, 'images[0].gpu', 'expected a boolean, got "yes please"'),
        issue(7, 12, 'images[0].smoke-test.gpu', 'expected one of auto, required, none, got "maybe"'),
        issue(9, 15, 'images[0].smoke-test.http.port', 'expected an integer, got "80"'),
        issue(
          11,
          16,
          'push.registries[0]',
          'expected a registry host[:port] like ghcr.io, ghcr.io/acme or 127.0.0.1:5000 (a name with a dot, an IP address or localhost; port 1-65535), got "a b"',
        ),
        issue(12, 1, 'extra', 'unknown key "extra"'),
      ],
    },
    {
      name: 'several file-system and regex errors across images, all reported in file order',
      yaml: `version: 1
images:
  - name: a
    context: nope
    smoke-test:
      commands:
        - run: [x]
          expect-output: ["("]
  - name: b
    context: model
    dockerfile: Dockerfile.cpu
  - name: a
    platforms: [linux/amd64, linux/arm64]
`,
      issues: [
        issue(4, 14, 'images[0].context', 'build context not found: nope'),
        issue(
          8,
          27,
          'images[0].smoke-test.commands[0].expect-output[0]',
          'invalid regular expression: Invalid regular expression: /(/m: Unterminated group',
        ),
        issue(11, 17, 'images[1].dockerfile', `Dockerfile not found: ${path.join('model', 'Dockerfile.cpu')}`),
        issue(12, 11, 'images[2].name', 'duplicate image name "a" (also images[0])'),
      ],
    },
  ];

  it.each(cases)('$name', ({ yaml, issues }) => {
    expect(issuesOf(yaml)).toEqual(issues);
  });

  it('the error message lists every issue as file:line:column: path: message', () => {
    const err = caught(() => parse(img('secrets: ["-x"]', 'frobnicate: 1')));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(
      `2 problems in ml-image.yml:\n  ml-image.yml:4:15: images[0].secrets[0]: ${ENV_MESSAGE}, got "-x"\n  ml-image.yml:5:5: images[0].frobnicate: unknown key "frobnicate"`,
    );
  });

  it('a config outside the working directory is named by its absolute path', () => {
    const err = caught(() => parseConfig('version: 2\nimages: [{name: a}]\n', FILE, path.join(dir, 'model')));
    expect(err.message).toBe(`${FILE}:1:10: version: expected 1, got the number 2`);
  });

  // Regression test for a fixed bug (src/config/validate.ts, article(), line 113): the article for 'array' and 'object' is "an", so
  // messages read "expected an list" / "expected an mapping". Expected: "a list" / "a mapping".
  it.each([
    {
      name: 'tags as a number',
      yaml: img('tags: 1'),
      issues: [issue(4, 11, 'images[0].tags', 'expected a list or a string, got the number 1')],
    },
    {
      name: 'build-args as a list',
      yaml: img('build-args: [A=1]'),
      issues: [issue(4, 17, 'images[0].build-args', 'expected a mapping, got a list')],
    },
    {
      name: 'images as a mapping',
      yaml: 'version: 1\nimages:\n  name: a\n',
      issues: [issue(3, 3, 'images', 'expected a list, got a mapping')],
    },
    {
      name: 'images left empty (null)',
      yaml: 'version: 1\nimages:\n',
      issues: [issue(2, 8, 'images', 'expected a list, got nothing (null)')],
    },
  ])('wrong container type: $name', ({ yaml, issues }) => {
    expect(issuesOf(yaml)).toEqual(issues);
  });

  // Regression test for a fixed bug (src/config/schema.ts duration(), line 35): the string form '^[0-9]+(\.[0-9]+)?(ms|s|m|h)$' accepts
  // "0s"/"0ms" (and "0.4ms", which rounds to 0) although the integer form has minimum 1. The resolved
  // timeoutMs is 0, which smoke/smoke-test.ts passes to execa as `timeout: 0`, i.e. NO time limit at all.
  // Now: a zero duration is rejected like `timeout: 0` is.
  it.each([
    {
      name: 'smoke-test timeout 0s',
      yaml: img('smoke-test:', '  timeout: 0s'),
      at: [5, 16],
      keyPath: 'images[0].smoke-test.timeout',
    },
    {
      name: 'command timeout 0ms',
      yaml: img('smoke-test:', '  commands:', '    - run: [x]', '      timeout: 0ms'),
      at: [7, 20],
      keyPath: 'images[0].smoke-test.commands[0].timeout',
    },
  ])('a zero duration is rejected: $name', ({ yaml, at, keyPath }) => {
    expect(issuesOf(yaml).map((i) => [i.location.line, i.location.column, i.path])).toEqual([[...at, keyPath]]);
  });

  // Regression test for a fixed bug (src/config/load.ts parseConfig(), line 83): shape errors throw before resolve() runs, so a file with a
  // bad tag AND a missing context reports only the tag; the header comment promises "Every problem ... is
  // collected and thrown as one ConfigError". Expected: both issues, in file order.
  it('shape errors and missing paths are reported together', () => {
    expect(issuesOf(img('context: nope', 'secrets: ["-x"]'))).toEqual([
      issue(4, 14, 'images[0].context', 'build context not found: nope'),
      issue(5, 15, 'images[0].secrets[0]', `${ENV_MESSAGE}, got "-x"`),
    ]);
  });

  // Regression test for a fixed bug (src/config/load.ts resolve(), lines 105-115): resolve-phase issues come in code order (name, context,
  // dockerfile, platforms, smoke) rather than file order, so `platforms` on line 4 is listed after `context` on
  // line 5. Expected: issues sorted by location.
  it('resolve-phase issues within one image come in file order', () => {
    expect(issuesOf(img('platforms: [linux/amd64, linux/amd64]', 'context: nope'))).toEqual([
      issue(4, 30, 'images[0].platforms[1]', 'platform linux/amd64 is listed twice'),
      issue(5, 14, 'images[0].context', 'build context not found: nope'),
    ]);
  });

  // Regression test for a fixed bug (src/config/load.ts stringMap(), line 193): build-args/labels/env/headers values are stringified from
  // the parsed YAML number, not from the text the user wrote: `PYTHON_VERSION: 3.10` becomes "3.1",
  // `0x10` becomes "16", `1.50` becomes "1.5", `1e3` becomes "1000". Expected: the value as written (or an
  // error asking to quote it); silently building Python 3.1 is wrong.
  it('numeric build-arg values keep the text as written', () => {
    const variant = parse(img('build-args:', '  PYTHON_VERSION: 3.10', '  MASK: 0x10', '  RATE: 1.50', '  N: 1e3'))
      .images[0].variants[0];
    expect(variant.buildArgs).toEqual({ PYTHON_VERSION: '3.10', MASK: '0x10', RATE: '1.50', N: '1e3' });
  });
});

describe('loadConfig', () => {
  it('a missing file is a plain MlImageError naming the file relative to cwd', () => {
    const err = caught(() => loadConfig('missing.yml', dir));
    expect([err.constructor, err.message]).toEqual([MlImageError, 'config file not found: missing.yml']);
  });

  it('issues name the file relative to cwd', () => {
    writeFileSync(path.join(dir, 'model', 'bad.yml'), 'version: 1\nimages: []\n');
    const err = caught(() => loadConfig('model/bad.yml', dir));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues).toEqual([
      {
        location: { file: path.join('model', 'bad.yml'), line: 2, column: 9 },
        path: 'images',
        message: 'must list at least one item',
      },
    ]);
  });

  // Regression test for a fixed bug (src/config/load.ts loadConfig(), line 57): existsSync() is true for a directory, so
  // `--config some/dir` reaches readFileSync and fails with a raw "EISDIR: illegal operation on a directory, read"
  // (reported as "unexpected error: ..."). Expected: an MlImageError naming the path.
  it('a directory given as the config file is an MlImageError', () => {
    const err = caught(() => loadConfig('not-a-file.yml', dir));
    expect(err).toBeInstanceOf(MlImageError);
    expect(err.message).toContain('not-a-file.yml');
  });
});

describe('durationMs', () => {
  it.each([
    { name: 'integer seconds', value: 30, fallback: 1, want: 30_000 },
    { name: 's', value: '90s', fallback: 1, want: 90_000 },
    { name: 'm', value: '2m', fallback: 1, want: 120_000 },
    { name: 'ms', value: '500ms', fallback: 1, want: 500 },
    { name: 'h', value: '2h', fallback: 1, want: 7_200_000 },
    { name: 'fraction rounds to ms', value: '0.0015s', fallback: 1, want: 2 },
    { name: 'fraction of minutes', value: '1.5m', fallback: 1, want: 90_000 },
    { name: 'undefined → fallback', value: undefined, fallback: 60_000, want: 60_000 },
    { name: 'no unit → fallback', value: '30', fallback: 7, want: 7 },
    { name: 'words → fallback', value: '10 minutes', fallback: 7, want: 7 },
    { name: 'unknown unit → fallback', value: '1d', fallback: 7, want: 7 },
    { name: 'boolean → fallback', value: true, fallback: 7, want: 7 },
  ])('$name: $value → $want', ({ value, fallback, want }) => {
    expect(durationMs(value, fallback)).toBe(want);
  });
});

describe('displayPath', () => {
  it.each([
    { name: 'inside cwd', file: '/w/proj/ml-image.yml', cwd: '/w/proj', want: 'ml-image.yml' },
    {
      name: 'nested inside cwd',
      file: '/w/proj/ml/ml-image.yml',
      cwd: '/w/proj',
      want: path.join('ml', 'ml-image.yml'),
    },
    { name: 'parent of cwd', file: '/w/ml-image.yml', cwd: '/w/proj', want: '/w/ml-image.yml' },
    {
      name: 'sibling whose name starts with cwd',
      file: '/w/proj2/ml-image.yml',
      cwd: '/w/proj',
      want: '/w/proj2/ml-image.yml',
    },
    { name: 'cwd itself', file: '/w/proj', cwd: '/w/proj', want: '/w/proj' },
    { name: 'unrelated tree', file: '/etc/ml-image.yml', cwd: '/w/proj', want: '/etc/ml-image.yml' },
  ])('$name', ({ file, cwd, want }) => {
    expect(displayPath(file, cwd)).toBe(want);
  });

  // Regression test for a fixed bug (src/config/load.ts displayPath(), line 52): `rel.startsWith('..')` also matches a file INSIDE cwd
  // whose name begins with two dots, so it is shown by its absolute path. Expected: the relative name
  // (the test should be rel === '..' || rel.startsWith('..' + path.sep)).
  it('a file inside cwd whose name starts with ".."', () => {
    expect(displayPath('/w/proj/..ml-image.yml', '/w/proj')).toBe('..ml-image.yml');
  });
});

describe('suggest', () => {
  it.each([
    {
      name: 'transposition',
      word: 'imagse',
      candidates: ['version', 'images', 'push'],
      want: ' (did you mean "images"?)',
    },
    {
      name: 'one letter off',
      word: 'smoke-tset',
      candidates: ['name', 'smoke-test'],
      want: ' (did you mean "smoke-test"?)',
    },
    { name: 'case only', word: 'get', candidates: ['GET', 'POST'], want: ' (did you mean "GET"?)' },
    {
      name: 'missing letter',
      word: 'expect-ouput',
      candidates: ['expect-output', 'expect-exit-code'],
      want: ' (did you mean "expect-output"?)',
    },
    {
      name: 'closest of several',
      word: 'registy',
      candidates: ['registries', 'registry'],
      want: ' (did you mean "registry"?)',
    },
    { name: 'too far', word: 'frobnicate', candidates: ['name', 'context', 'tags'], want: '' },
    { name: 'distance just over a third of the candidate', word: 'abcxyz', candidates: ['abcdef'], want: '' },
    {
      name: 'distance at a third of the candidate',
      word: 'abcdxy',
      candidates: ['abcdef'],
      want: ' (did you mean "abcdef"?)',
    },
    { name: 'no candidates', word: 'x', candidates: [], want: '' },
  ])('$name: $word', ({ word, candidates, want }) => {
    expect(suggest(word, candidates)).toBe(want);
  });
});

describe('schema and validate', () => {
  it.each([
    { tag: 'latest', ok: true },
    { tag: 'v1.2.3-rc.1_b', ok: true },
    { tag: 'a'.repeat(128), ok: true },
    { tag: 'a'.repeat(129), ok: false },
    { tag: '-x', ok: false },
    { tag: '.x', ok: false },
    { tag: 'a/b', ok: false },
    { tag: 'a:b', ok: false },
    { tag: '', ok: false },
  ])('TAG_PATTERN: $tag → $ok', ({ tag, ok }) => {
    expect(new RegExp(TAG_PATTERN).test(tag)).toBe(ok);
  });

  it('validate works on plain data and returns key paths, not locations', () => {
    expect(validate({ version: 1, images: [{ name: 'a', tags: [1] }], pusj: {} }, configSchema)).toEqual([
      { path: ['images', 0, 'tags', 0], message: 'expected a string, got the number 1 (quote it to make it a string)' },
      { path: ['pusj'], atKey: true, message: 'unknown key "pusj" (did you mean "push"?)' },
    ]);
  });
});

describe('parseConfig: config v1 problems, located', () => {
  const VARIANT_NAME = (name: string) =>
    `variant name "${name}" must be lowercase letters, digits, _ . - (it becomes part of tags)`;
  const cases: { name: string; yaml: string; issues: ConfigIssue[] }[] = [
    {
      name: 'unknown variant key, near miss',
      yaml: variants('buidl-args: {}'),
      issues: [
        issue(7, 9, 'images[0].variants.gpu.buidl-args', 'unknown key "buidl-args" (did you mean "build-args"?)'),
      ],
    },
    {
      name: 'a variant cannot set an image-only key (context)',
      yaml: variants('context: model'),
      issues: [issue(7, 9, 'images[0].variants.gpu.context', 'unknown key "context"')],
    },
    {
      name: 'an image cannot set a variant-only key (tag-suffix)',
      yaml: img('tag-suffix: -x'),
      issues: [issue(4, 5, 'images[0].tag-suffix', 'unknown key "tag-suffix"')],
    },
    {
      name: 'bad variant name: CUDA 12 (reported at the key)',
      yaml: img('variants:', '  CUDA 12: {}'),
      issues: [issue(5, 7, 'images[0].variants.CUDA 12', VARIANT_NAME('CUDA 12'))],
    },
    {
      name: 'bad variant names: uppercase, leading underscore, 42 characters',
      yaml: img('variants:', '  Cuda12: {}', '  _cpu: {}', `  ${'v'.repeat(42)}: {}`, `  ${'w'.repeat(41)}: {}`),
      issues: [
        issue(5, 7, 'images[0].variants.Cuda12', VARIANT_NAME('Cuda12')),
        issue(6, 7, 'images[0].variants._cpu', VARIANT_NAME('_cpu')),
        issue(7, 7, `images[0].variants.${'v'.repeat(42)}`, VARIANT_NAME('v'.repeat(42))),
      ],
    },
    {
      name: 'default-variant naming a missing variant',
      yaml: img('default-variant: gpu', 'variants:', '  cpu: {}', '  cuda12: {}'),
      issues: [issue(4, 22, 'images[0].default-variant', 'no variant named "gpu" (variants: cpu, cuda12)')],
    },
    {
      name: 'default-variant without variants',
      yaml: img('default-variant: cpu'),
      issues: [issue(4, 22, 'images[0].default-variant', 'default-variant is set but the image has no variants')],
    },
    {
      name: 'default-variant not a string',
      yaml: img('default-variant: 1', 'variants:', '  cpu: {}'),
      issues: [
        issue(4, 22, 'images[0].default-variant', 'expected a string, got the number 1 (quote it to make it a string)'),
      ],
    },
    {
      name: 'variants as a list',
      yaml: img('variants: [cpu, gpu]'),
      issues: [issue(4, 15, 'images[0].variants', 'expected a mapping, got a list')],
    },
    {
      name: 'a variant that is not a mapping',
      yaml: img('variants:', '  cpu: true'),
      issues: [issue(5, 12, 'images[0].variants.cpu', 'expected a mapping or nothing, got boolean true')],
    },
    {
      name: 'a variant platform listed twice',
      yaml: variants('platforms: [linux/arm64, linux/arm64]'),
      issues: [issue(7, 34, 'images[0].variants.gpu.platforms[1]', 'platform linux/arm64 is listed twice')],
    },
    {
      name: 'a duplicate image platform inherited by two variants: reported once, at the image',
      yaml: img('platforms: [linux/amd64, linux/amd64]', 'variants:', '  cpu: {}', '  gpu: {}'),
      issues: [issue(4, 30, 'images[0].platforms[1]', 'platform linux/amd64 is listed twice')],
    },
    {
      name: 'variant gpu not a boolean',
      yaml: variants('gpu: yes'),
      issues: [issue(7, 14, 'images[0].variants.gpu.gpu', 'expected a boolean, got "yes"')],
    },
    {
      name: 'variant Dockerfile missing (relative to the context, shown relative to cwd)',
      yaml: variants('dockerfile: Dockerfile.nope'),
      issues: [issue(7, 21, 'images[0].variants.gpu.dockerfile', 'Dockerfile not found: Dockerfile.nope')],
    },
    {
      name: 'variant Dockerfile missing in a context directory',
      yaml: img('context: model', 'variants:', '  cpu: {}', '  gpu: { dockerfile: Dockerfile.rocm }'),
      issues: [
        issue(
          7,
          26,
          'images[0].variants.gpu.dockerfile',
          `Dockerfile not found: ${path.join('model', 'Dockerfile.rocm')}`,
        ),
      ],
    },
    {
      name: 'a missing image Dockerfile inherited by two variants: reported once, at the image',
      yaml: img('dockerfile: nope', 'variants:', '  cpu: {}', '  gpu: {}'),
      issues: [issue(4, 17, 'images[0].dockerfile', 'Dockerfile not found: nope')],
    },
    {
      name: 'context escaping the repository (../../)',
      yaml: img('context: ../../'),
      issues: [
        issue(
          4,
          14,
          'images[0].context',
          `build context ${path.resolve(dir, '../..')} is outside the repository (${dir})`,
        ),
      ],
    },
    {
      name: 'context escaping to a sibling whose name starts like the repository',
      yaml: img(`context: ../${path.basename(dir)}-x`),
      issues: [issue(4, 14, 'images[0].context', `build context ${dir}-x is outside the repository (${dir})`)],
    },
    {
      name: 'Dockerfile escaping the repository via ../',
      yaml: img('dockerfile: ../Dockerfile'),
      issues: [
        issue(
          4,
          17,
          'images[0].dockerfile',
          `Dockerfile ${path.resolve(dir, '..', 'Dockerfile')} is outside the repository (${dir})`,
        ),
      ],
    },
    {
      name: 'variant Dockerfile escaping the repository via ../../ from a context directory',
      yaml: img('context: model', 'variants:', '  cpu: { dockerfile: ../../Dockerfile }'),
      issues: [
        issue(
          6,
          26,
          'images[0].variants.cpu.dockerfile',
          `Dockerfile ${path.resolve(dir, '..', 'Dockerfile')} is outside the repository (${dir})`,
        ),
      ],
    },
    {
      name: 'a symlinked context pointing outside the repository',
      yaml: img('context: escape'),
      issues: [issue(4, 14, 'images[0].context', `build context escape is outside the repository (${dir})`)],
    },
    {
      name: 'a Dockerfile reached through a symlink pointing outside the repository',
      yaml: img('dockerfile: escape/Dockerfile'),
      issues: [
        issue(
          4,
          17,
          'images[0].dockerfile',
          `Dockerfile ${path.join('escape', 'Dockerfile')} is outside the repository (${dir})`,
        ),
      ],
    },
    {
      name: 'secret with a bad environment variable name: hf-token',
      yaml: img('secrets: [hf-token]'),
      issues: [issue(4, 15, 'images[0].secrets[0]', `${ENV_MESSAGE}, got "hf-token"`)],
    },
    {
      name: 'secret with a bad environment variable name: 1ABC',
      yaml: img('secrets: [HF_TOKEN, 1ABC]'),
      issues: [issue(4, 25, 'images[0].secrets[1]', `${ENV_MESSAGE}, got "1ABC"`)],
    },
    {
      name: 'secrets as a string',
      yaml: img('secrets: HF_TOKEN'),
      issues: [issue(4, 14, 'images[0].secrets', 'expected a list, got "HF_TOKEN"')],
    },
    {
      name: 'cache backend s3',
      yaml: img('cache:', '  backend: s3'),
      issues: [issue(5, 16, 'images[0].cache.backend', `${BACKEND_MESSAGE}, got "s3"`)],
    },
    {
      name: 'cache with an unknown key',
      yaml: img('cache: { type: inline }'),
      issues: [issue(4, 14, 'images[0].cache.type', 'unknown key "type"')],
    },
    {
      name: 'cache as a string',
      yaml: img('cache: inline'),
      issues: [issue(4, 12, 'images[0].cache', 'expected a mapping, got "inline"')],
    },
    {
      name: 'push.when nightly',
      yaml: img() + 'push:\n  when: [branch, nightly]\n',
      issues: [issue(5, 18, 'push.when[1]', `expected one of ${PUSH_EVENTS}, got "nightly"`)],
    },
    {
      name: 'push.when with an event name as GitHub spells it',
      yaml: img() + 'push:\n  when: [pull_request]\n',
      issues: [
        issue(
          5,
          10,
          'push.when[0]',
          `expected one of ${PUSH_EVENTS}, got "pull_request" (did you mean "pull-request"?)`,
        ),
      ],
    },
    {
      name: 'push.when as a string',
      yaml: img() + 'push:\n  when: tag\n',
      issues: [issue(5, 9, 'push.when', 'expected a list, got "tag"')],
    },
    {
      name: 'runs-on empty list',
      yaml: img('runs-on: []'),
      issues: [issue(4, 14, 'images[0].runs-on', 'must list at least one item')],
    },
    {
      name: 'runs-on empty string',
      yaml: img('runs-on: ""'),
      issues: [issue(4, 14, 'images[0].runs-on', 'must not be empty')],
    },
    {
      name: 'runs-on a number',
      yaml: img('runs-on: 5'),
      issues: [issue(4, 14, 'images[0].runs-on', 'expected a string or a list, got the number 5')],
    },
    {
      name: 'variant runs-on with an empty label',
      yaml: variants('runs-on: [gpu, ""]'),
      issues: [issue(7, 24, 'images[0].variants.gpu.runs-on[1]', 'must not be empty')],
    },
    {
      name: 'tag-suffix with a space',
      yaml: variants('tag-suffix: "-cuda 12"'),
      issues: [
        issue(
          7,
          21,
          'images[0].variants.gpu.tag-suffix',
          'expected a suffix of letters, digits, _ . -, got "-cuda 12"',
        ),
      ],
    },
    {
      name: 'latest-tag starting with -',
      yaml: variants('latest-tag: -cuda'),
      issues: [issue(7, 21, 'images[0].variants.gpu.latest-tag', `${TAG_MESSAGE}, got "-cuda"`)],
    },
    {
      name: '$schema not a string',
      yaml: '$schema: 1\n' + img(),
      issues: [issue(1, 10, '$schema', 'expected a string, got the number 1 (quote it to make it a string)')],
    },
    {
      name: 'flavor neither a list nor a string',
      yaml: img('flavor: { latest: auto }'),
      issues: [issue(4, 13, 'images[0].flavor', 'expected a list or a string, got a mapping')],
    },
    {
      name: 'empty flavor line',
      yaml: img('flavor: [""]'),
      issues: [issue(4, 14, 'images[0].flavor[0]', 'must not be empty')],
    },
    {
      name: 'tags as a mapping',
      yaml: img('tags:', '  type: semver', '  pattern: "{{version}}"'),
      issues: [issue(5, 7, 'images[0].tags', 'expected a list or a string, got a mapping')],
    },
    {
      name: 'invalid regex in a variant smoke test',
      yaml: variants('smoke-test:', '  commands:', '    - run: [x]', '      expect-output: ["("]'),
      issues: [
        issue(
          10,
          31,
          'images[0].variants.gpu.smoke-test.commands[0].expect-output[0]',
          'invalid regular expression: Invalid regular expression: /(/m: Unterminated group',
        ),
      ],
    },
    {
      name: 'several v1 errors at once, in file order',
      yaml: `$schema: 7
version: 1
images:
  - name: llm
    context: ../../
    secrets: [hf-token]
    default-variant: gpu
    cache: { backend: s3 }
    variants:
      cpu:
        platforms: [linux/amd64, linux/arm64]
        buidl-args: {}
      CUDA 12:
        tag-suffix: "-cuda 12"
        latest-tag: -cuda
        runs-on: []
push:
  when: [nightly]
`,
      issues: [
        issue(1, 10, '$schema', 'expected a string, got the number 7 (quote it to make it a string)'),
        issue(
          5,
          14,
          'images[0].context',
          `build context ${path.resolve(dir, '../..')} is outside the repository (${dir})`,
        ),
        issue(6, 15, 'images[0].secrets[0]', `${ENV_MESSAGE}, got "hf-token"`),
        issue(7, 22, 'images[0].default-variant', 'no variant named "gpu" (variants: cpu, CUDA 12)'),
        issue(8, 23, 'images[0].cache.backend', `${BACKEND_MESSAGE}, got "s3"`),
        issue(12, 9, 'images[0].variants.cpu.buidl-args', 'unknown key "buidl-args" (did you mean "build-args"?)'),
        issue(13, 7, 'images[0].variants.CUDA 12', VARIANT_NAME('CUDA 12')),
        issue(
          14,
          21,
          'images[0].variants.CUDA 12.tag-suffix',
          'expected a suffix of letters, digits, _ . -, got "-cuda 12"',
        ),
        issue(15, 21, 'images[0].variants.CUDA 12.latest-tag', `${TAG_MESSAGE}, got "-cuda"`),
        issue(16, 18, 'images[0].variants.CUDA 12.runs-on', 'must list at least one item'),
        issue(18, 10, 'push.when[0]', `expected one of ${PUSH_EVENTS}, got "nightly"`),
      ],
    },
    {
      name: 'tag rules: each bad rule at its list item',
      yaml: img('tags:', '  - type=semvr', '  - type=ref,event=branch', '  - type=ref,event=brunch', '  - type=semver'),
      issues: [
        issue(5, 9, 'images[0].tags[0]', 'unknown type "semvr" (did you mean "semver"?)'),
        issue(7, 9, 'images[0].tags[2]', 'event= must be branch, tag or pr, got "brunch" (did you mean "branch"?)'),
        issue(8, 9, 'images[0].tags[3]', 'type=semver needs pattern='),
      ],
    },
    {
      name: 'tag rules as a block string: at the string, naming the line',
      yaml: img('tags: |', '  type=sha', '  # a comment', '  type=ref,event=nope'),
      issues: [issue(4, 11, 'images[0].tags', 'type=ref,event=nope: event= must be branch, tag or pr, got "nope"')],
    },
    {
      name: 'a tag rule split by the commas of a flow list: the message says so',
      yaml: img('tags: [type=raw,value=x,prefix=y]'),
      issues: [
        issue(4, 12, 'images[0].tags[0]', `type=raw needs value= (or a bare word)${SPLIT_HINT}`),
        issue(4, 29, 'images[0].tags[2]', `type=raw needs value= (or a bare word)${SPLIT_HINT}`),
      ],
    },
    {
      name: '{{ inside a flow list: the YAML error says how to write it',
      yaml: img('tags: [type=semver,pattern={{version}}]'),
      issues: [
        issue(
          4,
          32,
          '',
          'YAML: Missing , or : between flow sequence items ({{ starts a mapping inside [...]: quote the item, or write the rules as a block list or a "|" string)',
        ),
      ],
    },
  ];

  it.each(cases)('$name', ({ yaml, issues }) => {
    expect(issuesOf(yaml)).toEqual(issues);
  });

  // Bug (src/config/semantic-checks.ts checkRules(), the "commas split items" hint): the hint is added whenever some
  // item starts with an attribute such as latest= or prefix=, which is how EVERY flavor line starts, and it is
  // added for block lists too, which have no [...]. So a plain bad flavor value gets a hint about commas that
  // does not apply. Expected: the flavor message alone.
  it.each([
    { name: 'flow list', yaml: img('flavor: [latest=maybe, prefix=v]'), at: [4, 14] },
    { name: 'block list', yaml: img('flavor:', '  - latest=maybe'), at: [5, 9] },
  ])('a bad flavor line in a $name gets no comma hint', ({ yaml, at }) => {
    expect(issuesOf(yaml)).toEqual([
      issue(at[0], at[1], 'images[0].flavor[0]', 'latest= must be auto, true or false, got "maybe"'),
    ]);
  });

  // Variants whose tags collide (an empty or shared tag-suffix) are found over the whole plan, with both
  // places and the reference they share: test/unit/uniqueness.test.ts.

  // Bug (src/config/schema.ts, 'default-variant'): its pattern has no patternMessage, so the user is shown the
  // raw regular expression ('expected a string matching ^[a-z0-9][a-z0-9_.-]{0,40}$, got "CPU"'), and the
  // value is reported a second time by semantic-checks.ts ('no variant named "CPU"'). Expected: one readable issue.
  it('default-variant with an uppercase name: one readable issue', () => {
    const issues = issuesOf(img('default-variant: CPU', 'variants:', '  cpu: {}'));
    expect(issues.map((i) => [i.location.line, i.location.column, i.path])).toEqual([
      [4, 22, 'images[0].default-variant'],
    ]);
    expect(issues[0].message).not.toContain('^[a-z0-9]');
  });

  it('a Dockerfile outside its context but inside the repository is fine', () => {
    expect(parse(img('context: model', 'dockerfile: ../Dockerfile')).images[0].variants[0].dockerfile).toBe(
      path.join(dir, 'Dockerfile'),
    );
  });

  it('a variant with its own platform does not inherit the image problem of two', () => {
    expect(
      parse(img('platforms: [linux/amd64, linux/arm64]', 'variants:', '  cpu: { platforms: [linux/amd64] }')).images[0]
        .variants[0].platforms,
    ).toEqual(['linux/amd64']);
  });
});

describe('the repository root', () => {
  const worktree = mkdtempSync(path.join(os.tmpdir(), 'ml-image-worktree-'));
  writeFileSync(path.join(worktree, '.git'), 'gitdir: /elsewhere/.git/worktrees/x\n');
  mkdirSync(path.join(worktree, 'sub'));
  afterAll(() => rmSync(worktree, { recursive: true, force: true }));

  it.each([
    { name: 'the directory holding .git', from: dir, want: dir },
    { name: 'from a subdirectory', from: path.join(dir, 'model'), want: dir },
    { name: 'a worktree (.git is a file)', from: path.join(worktree, 'sub'), want: worktree },
    { name: 'no .git above: the directory itself', from: outside, want: outside },
  ])('repositoryRoot: $name', ({ from, want }) => {
    expect(repositoryRoot(from)).toBe(want);
  });

  it.each([
    { name: 'the root itself', p: dir, want: true },
    { name: 'below the root', p: path.join(dir, 'model', 'Dockerfile'), want: true },
    { name: 'not existing yet, below the root', p: path.join(dir, 'new', 'x'), want: true },
    { name: 'the parent', p: path.dirname(dir), want: false },
    { name: 'a sibling whose name starts like the root', p: `${dir}-x`, want: false },
    { name: 'a symbolic link to outside', p: path.join(dir, 'escape'), want: false },
    { name: 'a file through a symbolic link to outside', p: path.join(dir, 'escape', 'Dockerfile'), want: false },
  ])('isInside: $name', ({ p, want }) => {
    expect(isInside(dir, p)).toBe(want);
  });

  it('a config in a subdirectory may use the repository above it', () => {
    const config = parseConfig(img('context: ..'), path.join(dir, 'model', 'ml-image.yml'), dir);
    expect([config.root, config.images[0].context]).toEqual([dir, dir]);
  });

  it('options.root replaces the .git lookup', () => {
    const root = path.join(dir, 'model');
    expect(caught(() => parseConfig(img(), FILE, dir, { root })).message).toBe(
      `ml-image.yml:3:5: images[0].context: build context ${dir} is outside the repository (model)`,
    );
    expect(parseConfig(img('context: model'), FILE, dir, { root }).root).toBe(root);
  });

  it('without .git above the config, its own directory is the root', () => {
    const file = path.join(outside, 'ml-image.yml');
    const err = caught(() => parseConfig(img('context: ..'), file, dir));
    expect(err.message).toBe(
      `${file}:4:14: images[0].context: build context ${path.dirname(outside)} is outside the repository (${outside})`,
    );
  });
});

describe('checkRegistryOverride', () => {
  it('accepts registries the file would accept', () => {
    expect(() => checkRegistryOverride(['ghcr.io/acme', '127.0.0.1:5000'], '--registry')).not.toThrow();
  });

  it('rejects the first bad one with the source named', () => {
    const err = caught(() => checkRegistryOverride(['ghcr.io', 'https://quay.io', 'a b'], '--registry'));
    expect([err.constructor, err.message]).toEqual([
      MlImageError,
      '--registry: expected a registry host[:port] like ghcr.io, ghcr.io/acme or 127.0.0.1:5000 (a name with a dot, an IP address or localhost; port 1-65535), got "https://quay.io"',
    ]);
  });
});

describe('schema patterns', () => {
  it.each([
    { name: 'cpu', ok: true },
    { name: 'cuda12.1', ok: true },
    { name: 'rocm_6-0', ok: true },
    { name: 'v'.repeat(41), ok: true },
    { name: 'v'.repeat(42), ok: false },
    { name: 'CUDA', ok: false },
    { name: '-cpu', ok: false },
    { name: 'a b', ok: false },
    { name: '', ok: false },
  ])('VARIANT_PATTERN: "$name" → $ok', ({ name, ok }) => {
    expect(new RegExp(VARIANT_PATTERN).test(name)).toBe(ok);
  });
});
