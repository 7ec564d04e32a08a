import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { displayPath, durationMs, loadConfig, parseConfig } from '../../src/config/load.js';
import { configSchema, TAG_PATTERN } from '../../src/config/schema.js';
import type { Config } from '../../src/config/types.js';
import { suggest, validate } from '../../src/config/validate.js';
import { ConfigError, MlImageError, type ConfigIssue } from '../../src/errors.js';
import { caught } from './helpers.js';

// A real project on disk: ml-image.yml sits in `dir`, next to a Dockerfile and a `model/` context that has
// Dockerfile and Dockerfile.gpu. Created at module load so the case tables below can name absolute paths.
const dir = mkdtempSync(path.join(os.tmpdir(), 'ml-image-config-'));
mkdirSync(path.join(dir, 'model'));
writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
writeFileSync(path.join(dir, 'model', 'Dockerfile'), 'FROM scratch\n');
writeFileSync(path.join(dir, 'model', 'Dockerfile.gpu'), 'FROM scratch\n');
mkdirSync(path.join(dir, 'not-a-file.yml'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
const ONE_PLATFORM = 'one platform per image for now: each platform is built, loaded and smoke-tested on its own runner';
/** `version: 1` + one image named `a`, with `more` appended under the image (indented 4). */
const img = (...more: string[]): string => ['version: 1', 'images:', '  - name: a', ...more.map((l) => `    ${l}`), ''].join('\n');
/** Like img, with an http smoke test on port 80 and `check` lines under its one check (indented 12). */
const httpCheck = (...check: string[]): string =>
  img('smoke-test:', '  http:', '    port: 80', '    checks:', ...check.map((l, i) => (i === 0 ? `      - ${l}` : `        ${l}`)));

describe('parseConfig: a valid config', () => {
  const FULL = `# every key, and a few defaults
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
    version: 1,
    images: [
      {
        index: 0,
        name: 'acme/iris-classifier',
        context: path.join(dir, 'model'),
        dockerfile: path.join(dir, 'model', 'Dockerfile.gpu'),
        target: 'runtime',
        buildArgs: { BASE_IMAGE: 'debian:bookworm', WORKERS: '4', DEBUG: 'false' },
        labels: { 'org.opencontainers.image.vendor': 'Acme' },
        platforms: ['linux/amd64'],
        tags: ['latest', '1.0', 'v1'],
        gpu: true,
        smokeTest: {
          timeoutMs: 90_000,
          gpu: 'required',
          env: { OMP_NUM_THREADS: '1', MODE: 'test' },
          commands: [
            { name: 'imports', run: ['python3', '-c', "import sklearn; print('ok')"], expectOutput: ['^ok$', 'never'], expectExitCode: 3, timeoutMs: 30_000 },
            { name: 'python3 --version', run: ['python3', '--version'], expectOutput: [], expectExitCode: 0, timeoutMs: 120_000 },
          ],
          http: {
            port: 8080,
            ready: { path: '/health', status: 204, timeoutMs: 500 },
            checks: [
              {
                name: 'predict',
                method: 'POST',
                path: '/predict',
                headers: { 'X-Trace': '1', Accept: 'application/json' },
                json: { features: [5.1, 3.5, 1.4, 0.2] },
                expectStatus: 201,
                expectBody: '"class": *"setosa"',
              },
              { name: 'PUT /raw', method: 'PUT', path: '/raw', headers: {}, body: 'a=1', expectStatus: 200 },
            ],
          },
        },
      },
      {
        index: 1,
        name: 'acme/defaults',
        context: dir,
        dockerfile: path.join(dir, 'Dockerfile'),
        buildArgs: {},
        labels: {},
        platforms: [],
        tags: ['latest'],
        gpu: false,
      },
      {
        index: 2,
        name: 'acme/http-defaults',
        context: dir,
        dockerfile: path.join(dir, 'Dockerfile'),
        buildArgs: {},
        labels: {},
        platforms: [],
        tags: ['latest'],
        gpu: false,
        smokeTest: {
          timeoutMs: 300_000,
          gpu: 'auto',
          env: {},
          commands: [{ name: 'echo hello world', run: ['echo', 'hello world'], expectOutput: [], expectExitCode: 0, timeoutMs: 60_000 }],
          http: { port: 9000, ready: { path: '/', status: 200, timeoutMs: 60_000 }, checks: [] },
        },
      },
    ],
    push: { registries: ['ghcr.io/acme', '127.0.0.1:5000'] },
  };

  it('resolves every key, applies the defaults and de-duplicates tags and registries', () => {
    expect(parse(FULL)).toEqual(expected);
  });

  it('loadConfig reads the same file relative to cwd and gives its absolute path', () => {
    writeFileSync(FILE, FULL);
    expect(loadConfig('ml-image.yml', dir)).toEqual(expected);
    expect(loadConfig(FILE, '/')).toEqual(expected);
  });

  it('an image without smoke-test has none (not an empty one)', () => {
    expect(parse(img()).images[0]!.smokeTest).toBeUndefined();
  });

  it.each([
    { name: 'seconds', value: '90s', ms: 90_000 },
    { name: 'minutes', value: '2m', ms: 120_000 },
    { name: 'milliseconds', value: '500ms', ms: 500 },
    { name: 'hours', value: '1h', ms: 3_600_000 },
    { name: 'fractional seconds', value: '1.5s', ms: 1_500 },
    { name: 'a bare integer is seconds', value: '30', ms: 30_000 },
  ])('smoke-test timeout: $value → $ms ms ($name)', ({ value, ms }) => {
    expect(parse(img('smoke-test:', `  timeout: ${value}`)).images[0]!.smokeTest!.timeoutMs).toBe(ms);
  });

  it.each([
    { name: 'a tag that looks like a version when quoted', tags: '["1.0", "0.1.0"]', want: ['1.0', '0.1.0'] },
    { name: '128 characters is the limit', tags: `[${'a'.repeat(128)}]`, want: ['a'.repeat(128)] },
    { name: 'underscore first, dots and dashes after', tags: '[_x, a.b-c_D]', want: ['_x', 'a.b-c_D'] },
  ])('accepts tags: $name', ({ tags, want }) => {
    expect(parse(img(`tags: ${tags}`)).images[0]!.tags).toEqual(want);
  });

  it('a Dockerfile path is relative to the context, not to the config file', () => {
    const image = parse(img('context: model', 'dockerfile: Dockerfile.gpu')).images[0]!;
    expect([image.context, image.dockerfile]).toEqual([path.join(dir, 'model'), path.join(dir, 'model', 'Dockerfile.gpu')]);
  });
});

describe('parseConfig: every problem, located', () => {
  const cases: { name: string; yaml: string; issues: ConfigIssue[] }[] = [
    {
      name: 'YAML syntax error',
      yaml: 'version: 1\nimages: [\n',
      issues: [issue(3, 1, '', 'YAML: Flow sequence in block collection must be sufficiently indented and end with a ]')],
    },
    {
      name: 'duplicate key (every one reported)',
      yaml: 'version: 1\nversion: 1\nimages:\n  - name: a\n  - name: b\n    name: c\n',
      issues: [issue(2, 1, '', 'YAML: Map keys must be unique'), issue(6, 5, '', 'YAML: Map keys must be unique')],
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
    { name: 'only a comment', yaml: '# todo\n', issues: [issue(1, 1, '', 'expected a mapping with "version" and "images"')] },
    { name: 'top-level list', yaml: '- name: a\n- name: b\n', issues: [issue(1, 1, '', 'expected a mapping with "version" and "images"')] },
    { name: 'top-level scalar', yaml: 'hello\n', issues: [issue(1, 1, '', 'expected a mapping with "version" and "images"')] },
    { name: 'missing version', yaml: 'images:\n  - name: a\n', issues: [issue(1, 1, '', 'missing required key "version"')] },
    { name: 'version 2', yaml: 'version: 2\nimages:\n  - name: a\n', issues: [issue(1, 10, 'version', 'expected 1, got the number 2')] },
    { name: 'version as a string', yaml: 'version: "1"\nimages:\n  - name: a\n', issues: [issue(1, 10, 'version', 'expected 1, got "1"')] },
    { name: 'missing images', yaml: 'version: 1\n', issues: [issue(1, 1, '', 'missing required key "images"')] },
    { name: 'images empty', yaml: 'version: 1\nimages: []\n', issues: [issue(2, 9, 'images', 'must list at least one item')] },
    { name: 'image without name', yaml: 'version: 1\nimages:\n  - context: .\n', issues: [issue(3, 5, 'images[0]', 'missing required key "name"')] },
    {
      name: 'uppercase repository name',
      yaml: 'version: 1\nimages:\n  - name: Acme/Iris\n',
      issues: [issue(3, 11, 'images[0].name', 'expected a lowercase repository name like acme/iris-classifier, got "Acme/Iris"')],
    },
    {
      name: 'repository name with a registry port',
      yaml: 'version: 1\nimages:\n  - name: "localhost:5000/iris"\n',
      issues: [issue(3, 11, 'images[0].name', 'expected a lowercase repository name like acme/iris-classifier, got "localhost:5000/iris"')],
    },
    {
      name: 'repository name ending in a separator',
      yaml: 'version: 1\nimages:\n  - name: acme/iris-\n',
      issues: [issue(3, 11, 'images[0].name', 'expected a lowercase repository name like acme/iris-classifier, got "acme/iris-"')],
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
      issues: [issue(7, 11, 'images[0].smoke-test.commands[0].expect-ouput', 'unknown key "expect-ouput" (did you mean "expect-output"?)')],
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
      issues: [issue(4, 12, 'images[0].tags[0]', 'expected a string, got the number 1.0 (quote it to make it a string)')],
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
      name: 'empty tags list',
      yaml: img('tags: []'),
      issues: [issue(4, 11, 'images[0].tags', 'must list at least one item')],
    },
    {
      name: 'duration "10 minutes"',
      yaml: img('smoke-test:', '  timeout: 10 minutes'),
      issues: [issue(5, 16, 'images[0].smoke-test.timeout', 'expected a positive duration like 30s, 2m or 500ms, got "10 minutes"')],
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
      issues: [issue(9, 21, 'images[0].smoke-test.http.checks[0].method', 'expected one of GET, POST, PUT, PATCH, DELETE, HEAD, got "FETCH"')],
    },
    {
      name: 'bad enum with a near miss: method get',
      yaml: httpCheck('path: /x', 'method: get'),
      issues: [issue(9, 21, 'images[0].smoke-test.http.checks[0].method', 'expected one of GET, POST, PUT, PATCH, DELETE, HEAD, got "get" (did you mean "GET"?)')],
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
      issues: [issue(5, 16, 'push.registries[0]', 'expected a registry host like ghcr.io or 127.0.0.1:5000, got "https://ghcr.io"')],
    },
    {
      name: 'unknown key under push',
      yaml: img() + 'push:\n  registry: [ghcr.io]\n',
      issues: [issue(5, 3, 'push.registry', 'unknown key "registry" (did you mean "registries"?)')],
    },
    {
      name: 'tag starting with -',
      yaml: img('tags: ["-x"]'),
      issues: [issue(4, 12, 'images[0].tags[0]', `${TAG_MESSAGE}, got "-x"`)],
    },
    {
      name: 'tag starting with .',
      yaml: img('tags: [".x"]'),
      issues: [issue(4, 12, 'images[0].tags[0]', `${TAG_MESSAGE}, got ".x"`)],
    },
    {
      name: 'tag of 129 characters (shown cut at 57 + ...)',
      yaml: img(`tags: [${'a'.repeat(129)}]`),
      issues: [issue(4, 12, 'images[0].tags[0]', `${TAG_MESSAGE}, got "${'a'.repeat(57)}..."`)],
    },
    {
      name: 'branch-name-like injection attempts in tags',
      yaml: img('tags: ["latest; rm -rf /", "$(id)", "a b", "x`id`"]'),
      issues: [
        issue(4, 12, 'images[0].tags[0]', `${TAG_MESSAGE}, got "latest; rm -rf /"`),
        issue(4, 32, 'images[0].tags[1]', `${TAG_MESSAGE}, got "$(id)"`),
        issue(4, 41, 'images[0].tags[2]', `${TAG_MESSAGE}, got "a b"`),
        issue(4, 48, 'images[0].tags[3]', `${TAG_MESSAGE}, got "x\`id\`"`),
      ],
    },
    {
      name: 'check path not starting with /',
      yaml: httpCheck('path: health'),
      issues: [issue(8, 19, 'images[0].smoke-test.http.checks[0].path', 'expected a path starting with /, got "health"')],
    },
    {
      name: 'ready path not starting with / (flow mapping)',
      yaml: img('smoke-test:', '  http:', '    port: 80', '    ready: { path: health }'),
      issues: [issue(7, 24, 'images[0].smoke-test.http.ready.path', 'expected a path starting with /, got "health"')],
    },
    {
      name: 'context dir missing',
      yaml: img('context: nope'),
      issues: [issue(4, 14, 'images[0].context', `build context not found: ${path.join(dir, 'nope')}`)],
    },
    {
      name: 'context is a file',
      yaml: img('context: Dockerfile'),
      issues: [issue(4, 14, 'images[0].context', `build context not found: ${path.join(dir, 'Dockerfile')}`)],
    },
    {
      name: 'Dockerfile missing (named)',
      yaml: img('context: model', 'dockerfile: Dockerfile.cpu'),
      issues: [issue(5, 17, 'images[0].dockerfile', `Dockerfile not found: ${path.join(dir, 'model', 'Dockerfile.cpu')}`)],
    },
    {
      name: 'Dockerfile missing (default name, reported at the context)',
      yaml: img('context: not-a-file.yml'),
      issues: [issue(4, 14, 'images[0].context', `Dockerfile not found: ${path.join(dir, 'not-a-file.yml', 'Dockerfile')}`)],
    },
    {
      name: 'duplicate image names',
      yaml: 'version: 1\nimages:\n  - name: a\n  - name: b\n  - name: a\n',
      issues: [issue(5, 11, 'images[2].name', 'duplicate image name "a" (also images[0])')],
    },
    {
      name: 'two platforms',
      yaml: img('platforms: [linux/amd64, linux/arm64]'),
      issues: [issue(4, 16, 'images[0].platforms', ONE_PLATFORM)],
    },
    {
      name: 'invalid regex in expect-output',
      yaml: img('smoke-test:', '  commands:', '    - run: [x]', '      expect-output: ["ok", "(unclosed"]'),
      issues: [
        issue(7, 33, 'images[0].smoke-test.commands[0].expect-output[1]', 'invalid regular expression: Invalid regular expression: /(unclosed/m: Unterminated group'),
      ],
    },
    {
      name: 'invalid regex in expect-body',
      yaml: httpCheck('path: /x', 'expect-body: "[a-"'),
      issues: [
        issue(9, 26, 'images[0].smoke-test.http.checks[0].expect-body', 'invalid regular expression: Invalid regular expression: /[a-/m: Unterminated character class'),
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
  - name: Bad
    tags: ["-x"]
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
        issue(3, 11, 'images[0].name', 'expected a lowercase repository name like acme/iris-classifier, got "Bad"'),
        issue(4, 12, 'images[0].tags[0]', `${TAG_MESSAGE}, got "-x"`),
        issue(5, 10, 'images[0].gpu', 'expected a boolean, got "yes please"'),
        issue(7, 12, 'images[0].smoke-test.gpu', 'expected one of auto, required, none, got "maybe"'),
        issue(9, 15, 'images[0].smoke-test.http.port', 'expected an integer, got "80"'),
        issue(11, 16, 'push.registries[0]', 'expected a registry host like ghcr.io or 127.0.0.1:5000, got "a b"'),
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
        issue(4, 14, 'images[0].context', `build context not found: ${path.join(dir, 'nope')}`),
        issue(8, 27, 'images[0].smoke-test.commands[0].expect-output[0]', 'invalid regular expression: Invalid regular expression: /(/m: Unterminated group'),
        issue(11, 17, 'images[1].dockerfile', `Dockerfile not found: ${path.join(dir, 'model', 'Dockerfile.cpu')}`),
        issue(12, 11, 'images[2].name', 'duplicate image name "a" (also images[0])'),
        issue(13, 16, 'images[2].platforms', ONE_PLATFORM),
      ],
    },
  ];

  it.each(cases)('$name', ({ yaml, issues }) => {
    expect(issuesOf(yaml)).toEqual(issues);
  });

  it('the error message lists every issue as file:line:column: path: message', () => {
    const err = caught(() => parse(img('tags: ["-x"]', 'frobnicate: 1')));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(
      `2 problems in ml-image.yml:\n  ml-image.yml:4:12: images[0].tags[0]: ${TAG_MESSAGE}, got "-x"\n  ml-image.yml:5:5: images[0].frobnicate: unknown key "frobnicate"`,
    );
  });

  it('a config outside the working directory is named by its absolute path', () => {
    const err = caught(() => parseConfig('version: 2\nimages: [{name: a}]\n', FILE, path.join(dir, 'model')));
    expect(err.message).toBe(`${FILE}:1:10: version: expected 1, got the number 2`);
  });

  // Regression test for a fixed bug (src/config/validate.ts, article(), line 113): the article for 'array' and 'object' is "an", so
  // messages read "expected an list" / "expected an mapping". Expected: "a list" / "a mapping".
  it.each([
    { name: 'tags as a string', yaml: img('tags: latest'), issues: [issue(4, 11, 'images[0].tags', 'expected a list, got "latest"')] },
    { name: 'build-args as a list', yaml: img('build-args: [A=1]'), issues: [issue(4, 17, 'images[0].build-args', 'expected a mapping, got a list')] },
    { name: 'images as a mapping', yaml: 'version: 1\nimages:\n  name: a\n', issues: [issue(3, 3, 'images', 'expected a list, got a mapping')] },
    { name: 'images left empty (null)', yaml: 'version: 1\nimages:\n', issues: [issue(2, 8, 'images', 'expected a list, got nothing (null)')] },
  ])('wrong container type: $name', ({ yaml, issues }) => {
    expect(issuesOf(yaml)).toEqual(issues);
  });

  // Regression test for a fixed bug (src/config/schema.ts duration(), line 35): the string form '^[0-9]+(\.[0-9]+)?(ms|s|m|h)$' accepts
  // "0s"/"0ms" (and "0.4ms", which rounds to 0) although the integer form has minimum 1. The resolved
  // timeoutMs is 0, which smoke/run.ts passes to execa as `timeout: 0`, i.e. NO time limit at all.
  // Now: a zero duration is rejected like `timeout: 0` is.
  it.each([
    { name: 'smoke-test timeout 0s', yaml: img('smoke-test:', '  timeout: 0s'), at: [5, 16], keyPath: 'images[0].smoke-test.timeout' },
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
    expect(issuesOf(img('context: nope', 'tags: ["-x"]'))).toEqual([
      issue(4, 14, 'images[0].context', `build context not found: ${path.join(dir, 'nope')}`),
      issue(5, 12, 'images[0].tags[0]', `${TAG_MESSAGE}, got "-x"`),
    ]);
  });

  // Regression test for a fixed bug (src/config/load.ts resolve(), lines 105-115): resolve-phase issues come in code order (name, context,
  // dockerfile, platforms, smoke) rather than file order, so `platforms` on line 4 is listed after `context` on
  // line 5. Expected: issues sorted by location.
  it('resolve-phase issues within one image come in file order', () => {
    expect(issuesOf(img('platforms: [linux/amd64, linux/arm64]', 'context: nope'))).toEqual([
      issue(4, 16, 'images[0].platforms', ONE_PLATFORM),
      issue(5, 14, 'images[0].context', `build context not found: ${path.join(dir, 'nope')}`),
    ]);
  });

  // Regression test for a fixed bug (src/config/load.ts stringMap(), line 193): build-args/labels/env/headers values are stringified from
  // the parsed YAML number, not from the text the user wrote: `PYTHON_VERSION: 3.10` becomes "3.1",
  // `0x10` becomes "16", `1.50` becomes "1.5", `1e3` becomes "1000". Expected: the value as written (or an
  // error asking to quote it); silently building Python 3.1 is wrong.
  it('numeric build-arg values keep the text as written', () => {
    const image = parse(img('build-args:', '  PYTHON_VERSION: 3.10', '  MASK: 0x10', '  RATE: 1.50', '  N: 1e3')).images[0]!;
    expect(image.buildArgs).toEqual({ PYTHON_VERSION: '3.10', MASK: '0x10', RATE: '1.50', N: '1e3' });
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
    expect((err as ConfigError).issues).toEqual([{ location: { file: path.join('model', 'bad.yml'), line: 2, column: 9 }, path: 'images', message: 'must list at least one item' }]);
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
    { name: 'nested inside cwd', file: '/w/proj/ml/ml-image.yml', cwd: '/w/proj', want: path.join('ml', 'ml-image.yml') },
    { name: 'parent of cwd', file: '/w/ml-image.yml', cwd: '/w/proj', want: '/w/ml-image.yml' },
    { name: 'sibling whose name starts with cwd', file: '/w/proj2/ml-image.yml', cwd: '/w/proj', want: '/w/proj2/ml-image.yml' },
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
    { name: 'transposition', word: 'imagse', candidates: ['version', 'images', 'push'], want: ' (did you mean "images"?)' },
    { name: 'one letter off', word: 'smoke-tset', candidates: ['name', 'smoke-test'], want: ' (did you mean "smoke-test"?)' },
    { name: 'case only', word: 'get', candidates: ['GET', 'POST'], want: ' (did you mean "GET"?)' },
    { name: 'missing letter', word: 'expect-ouput', candidates: ['expect-output', 'expect-exit-code'], want: ' (did you mean "expect-output"?)' },
    { name: 'closest of several', word: 'registy', candidates: ['registries', 'registry'], want: ' (did you mean "registry"?)' },
    { name: 'too far', word: 'frobnicate', candidates: ['name', 'context', 'tags'], want: '' },
    { name: 'distance just over a third of the candidate', word: 'abcxyz', candidates: ['abcdef'], want: '' },
    { name: 'distance at a third of the candidate', word: 'abcdxy', candidates: ['abcdef'], want: ' (did you mean "abcdef"?)' },
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
