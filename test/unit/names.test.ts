// Issue 17: every registry, tag and runner label valid before anything runs. A registry is host[:port] with
// port 1-65535 (from push.registries, --registry or the registries input), never option-like; a tag written
// in the config obeys the OCI rule or is an error at its line (no silent drop or cut); runner labels and label
// values are one printable line, since they go into the matrix and GITHUB_OUTPUT.
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getInputs, inputVariable } from '../../src/action/inputs.js';
import { parseCli } from '../../src/cli/args.js';
import { parseConfig } from '../../src/config/load.js';
import { REGISTRY_MESSAGE, registryProblem, runnerLabelProblem, shown } from '../../src/config/names.js';
import { ConfigError, formatIssue, MlImageError, UsageError } from '../../src/errors.js';
import { imageLabels } from '../../src/meta/labels.js';
import { caught, gitContext, variantConfig } from './helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ml-image-names-'));
mkdirSync(path.join(dir, '.git'));
writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The problems parsing `text` gives, as the CLI prints them ([] when it is valid). */
function problems(text: string): string[] {
  try {
    parseConfig(text, path.join(dir, 'ml-image.yml'), dir);
    return [];
  } catch (err: unknown) {
    if (err instanceof ConfigError) return err.issues.map(formatIssue);
    throw err;
  }
}

const img = (...lines: string[]) =>
  ['version: 1', 'images:', '  - name: acme/iris', ...lines.map((l) => `    ${l}`), ''].join('\n');
const BAD_REGISTRY = (value: string) => `expected ${REGISTRY_MESSAGE}, got ${JSON.stringify(value)}`;

describe('registries', () => {
  it.each([
    'ghcr.io',
    'ghcr.io/acme',
    'GHCR.IO/Acme',
    '127.0.0.1:5000',
    'localhost',
    'localhost:5000',
    'registry.example.com:5443/team/ml',
    'docker.io',
    'index.docker.io/acme',
    'a.b:1',
    'a.b:65535',
    'my-registry.local/a__b/c-d',
  ])('%s is a registry', (r) => expect(registryProblem(r)).toBeUndefined());

  it.each([
    '--all-tags',
    '..',
    '-',
    '127.0.0.1:99999',
    '127.0.0.1:0',
    'a.b:65536',
    'acme',
    'https://ghcr.io',
    'ghcr .io',
    '',
    '.ghcr.io',
    'ghcr.io.',
    '-ghcr.io',
    'ghcr.io/-x',
    'ghcr.io/a..b',
    'ghcr.io/',
    'ghcr.io:',
    'ghcr.io\n',
  ])('%j is not', (r) => expect(registryProblem(r)).toBe(BAD_REGISTRY(r)));

  it('in push.registries: each at its own item', () => {
    expect(problems(img() + 'push: { registries: ["--all-tags", "..", "-", "127.0.0.1:99999"] }\n')).toEqual([
      `ml-image.yml:4:22: push.registries[0]: ${BAD_REGISTRY('--all-tags')}`,
      `ml-image.yml:4:36: push.registries[1]: ${BAD_REGISTRY('..')}`,
      `ml-image.yml:4:42: push.registries[2]: ${BAD_REGISTRY('-')}`,
      `ml-image.yml:4:47: push.registries[3]: ${BAD_REGISTRY('127.0.0.1:99999')}`,
    ]);
  });

  it.each([
    [['plan', '--push', '--registry=--all-tags'], '--all-tags'],
    [['build', '--registry', 'ghcr.io', '--registry=..'], '..'],
    [['plan', '--registry', '-'], '-'],
    [['plan', '--registry', '127.0.0.1:99999'], '127.0.0.1:99999'],
  ])('on the command line %j: a usage error naming --registry', (argv, value) => {
    const err = caught(() => parseCli(argv));
    expect([err.constructor, err.message]).toEqual([UsageError, `--registry: ${BAD_REGISTRY(value)}`]);
  });

  it('--registry --all-tags (a separate word) is refused by the parser before it can be a value', () => {
    expect(caught(() => parseCli(['plan', '--registry', '--all-tags'])).message).toMatch(
      /Option '--registry' argument is ambiguous/,
    );
  });

  it.each(['--all-tags', 'ghcr.io\n..', 'ghcr.io, -', '127.0.0.1:99999'])(
    'in the registries input %j: an error naming the input',
    (value) => {
      const bad = value
        .split(/[\n,]/)
        .map((v) => v.trim())
        .find((v) => registryProblem(v) !== undefined)!;
      const err = caught(() => getInputs({ [inputVariable('registries')]: value }));
      expect([err.constructor, err.message]).toEqual([MlImageError, `input registries: ${BAD_REGISTRY(bad)}`]);
    },
  );
});

describe('runner labels', () => {
  const INJECTED = 'ubuntu-latest\\n::error title=injected::from runs-on';
  const why = (label: string, what: string) =>
    `runner label ${label} ${what}: a runner label is one line of printable characters (it goes into the matrix output)`;

  it("a line break in runs-on (the issue's injection) is an error at its line, shown escaped", () => {
    expect(problems(img(`runs-on: "${INJECTED}"`))).toEqual([
      `ml-image.yml:4:14: images[0].runs-on: ${why('"ubuntu-latest\\n::error title=injected::from runs-on"', 'holds a line break')}`,
    ]);
  });

  it("in a runs-on list, a variant's runs-on and platform-runs-on: each at its own place", () => {
    const text = img(
      'runs-on: [self-hosted, "-gpu"]',
      'platform-runs-on: { linux/arm64: "arm,64" }',
      'variants:',
      '  cuda: { runs-on: "gpu\\u0007" }',
    );
    expect(problems(text)).toEqual([
      `ml-image.yml:4:28: images[0].runs-on[1]: ${why('"-gpu"', 'starts with "-" (it would read as an option)')}`,
      `ml-image.yml:5:38: images[0].platform-runs-on.linux/arm64: ${why('"arm,64"', 'holds a comma (runner labels are a comma-separated list)')}`,
      `ml-image.yml:7:24: images[0].variants.cuda.runs-on: ${why('"gpu\\u0007"', 'holds a control character')}`,
    ]);
  });

  it.each([
    ['ubuntu-latest', undefined],
    ['self-hosted', undefined],
    ['ubuntu-24.04-arm', undefined],
    ['gpu (A100)', undefined],
    [' gpu', 'starts or ends with white space'],
    ['x'.repeat(101), 'is 101 characters long (at most 100)'],
    ['a\u2028b', 'holds a line break'],
    ['a\u009bb', 'holds a control character'],
  ])('runnerLabelProblem(%j) → %j', (label, want) => expect(runnerLabelProblem(label)).toBe(want));
});

describe('tags written in the config', () => {
  const RULE = 'a tag is a letter, a digit or _ and then at most 127 of letters, digits, _ . -';

  it('a raw tag "---" and one of 200 characters: errors at their items, not a dropped or cut tag', () => {
    expect(problems(img(`tags: ["---", "${'a'.repeat(200)}"]`))).toEqual([
      `ml-image.yml:4:12: images[0].tags[0]: tag "---" starts with "-": ${RULE}`,
      `ml-image.yml:4:19: images[0].tags[1]: tag "${'a'.repeat(57)}..." is 200 characters long: ${RULE}`,
    ]);
  });

  it('in a block string: at the string, naming the line', () => {
    expect(problems(img('tags: |', '  type=sha', '  type=raw,value=.hidden'))).toEqual([
      `ml-image.yml:4:11: images[0].tags: type=raw,value=.hidden: tag ".hidden" starts with ".": ${RULE}`,
    ]);
  });

  it('sanitizing comes first (a space becomes "-"), then the rule; the flavor\'s prefix and suffix count', () => {
    expect(problems(img('tags: ["a b", "type=raw,value=x y,prefix=+"]', 'flavor: [suffix=-py312]'))).toEqual([
      `ml-image.yml:4:19: images[0].tags[1]: tag "-x-y-py312" (from "+x y-py312") starts with "-": ${RULE}`,
    ]);
    expect(problems(img('tags: ["x"]', `flavor: [suffix=-${'s'.repeat(130)}]`))).toEqual([
      `ml-image.yml:4:12: images[0].tags[0]: tag "x-${'s'.repeat(55)}..." is 132 characters long: ${RULE}`,
    ]);
  });

  it("a rule's own prefix that would start its tag with - or .", () => {
    expect(problems(img('tags: ["type=sha,prefix=-"]'))).toEqual([
      'ml-image.yml:4:12: images[0].tags[0]: prefix="-" would start the tag with "-": a tag starts with a letter, a digit or _',
    ]);
  });

  it('values from git stay as metadata-action makes them: sanitized and cut to fit, not refused', () => {
    expect(problems(img('tags: ["type=raw,value={{branch}}", "type=ref,event=branch", "type=raw,value="]'))).toEqual(
      [],
    );
  });
});

describe('values for the outputs', () => {
  it('a label value with a line break (the labels output is one key=value a line)', () => {
    expect(problems(img('labels: { description: "a\\nforged=1" }'))).toEqual([
      'ml-image.yml:4:28: images[0].labels.description: the value holds a line break, which cannot be passed on',
    ]);
  });

  it('generated labels from the event are made one line', () => {
    const ctx = gitContext({ repo: { description: 'line one\nforged=1\r\n\u001b[31m', license: 'MIT\n' } });
    const labels = imageLabels({ image: 'acme/iris', variant: variantConfig(), ctx, created: '2024-01-01T00:00:00Z' });
    expect([labels['org.opencontainers.image.description'], labels['org.opencontainers.image.licenses']]).toEqual([
      'line one forged=1 [31m',
      'MIT',
    ]);
  });

  it('shown() quotes a value with every control character escaped', () => {
    expect(shown('a\nb\u001b\u009b\u2028')).toBe('"a\\nb\\u001b\\u009b\\u2028"');
  });
});
