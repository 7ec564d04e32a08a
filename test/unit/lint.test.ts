// scripts/lint.mjs (the lint gate of `npm test`) run as a subprocess over small repositories in a temporary
// directory: exit codes and the exact `file:line:col: [kind] message` of each problem.
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const LINT = path.join(REPO, 'scripts', 'lint.mjs');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ml-image-lint-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Relative path → content; null removes the file from the fixture. */
type Files = Record<string, string | null>;

const ACTION = `name: ml-image
description: "Build, smoke-test and push ML images."
inputs:
  config:
    description: "Path of the config file."
    required: false
    default: ml-image.yml
  only-images:
    description: "Build only these images."
    required: false
    default: ""
  build-engine:
    description: "auto, buildx or buildkit."
    default: auto
outputs:
  digest:
    description: "Manifest digest."
runs:
  using: node24
  main: dist/index.js
  post: dist/index.js
`;

const WORKFLOW = `name: ci
on: push
jobs:
  e2e:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: ml
        uses: ./
        with:
          config: .github/ci/ml-image.yml
      - run: echo "\${{ steps.ml.outputs.digest }}"
`;

// A config block (skipped: not a workflow) and a workflow snippet that starts on README line 9.
const README = `# ml-image

\`\`\`yaml
version: 1
images: [{ name: acme/model, context: . }]
\`\`\`

\`\`\`yaml
on: push
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - uses: acme/ml-image-action@v0
        with: { only-images: model }
\`\`\`
`;

const BASE: Files = {
  'action.yml': ACTION,
  'dist/index.js': '',
  '.github/workflows/ci.yml': WORKFLOW,
  'README.md': README,
};

let fixtures = 0;
/** Writes BASE with `over` applied into a fresh directory and runs the lint there. */
function lint(over: Files = {}): { status: number | null; lines: string[]; stderr: string } {
  const root = path.join(tmp, String(fixtures++));
  for (const [file, text] of Object.entries({ ...BASE, ...over })) {
    if (text === null) continue;
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return run(root);
}

function run(root: string): { status: number | null; lines: string[]; stderr: string } {
  const r = spawnSync(process.execPath, [LINT, '--root', root], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, lines: r.stdout.split('\n').filter(Boolean), stderr: r.stderr };
}

/** ACTION with the first occurrence of `from` replaced by `to` (which must be there). */
function action(from: string, to: string): string {
  expect(ACTION).toContain(from);
  return ACTION.replace(from, to);
}

test('a repository with a valid action.yml, workflow and README passes, counting only workflow snippets', () => {
  expect(lint()).toEqual({ status: 0, lines: ['lint: 1 workflow, 1 README snippet, action.yml: ok'], stderr: '' });
});

test('the real repository passes', () => {
  const root = path.join(tmp, 'real');
  for (const part of ['action.yml', '.github/workflows', 'README.md']) {
    if (existsSync(path.join(REPO, part))) cpSync(path.join(REPO, part), path.join(root, part), { recursive: true });
  }
  mkdirSync(path.join(root, 'dist'), { recursive: true });
  writeFileSync(path.join(root, 'dist', 'index.js'), '');
  const { status, lines } = run(root);
  expect(lines).toEqual([expect.stringMatching(/^lint: \d+ workflows?, \d+ README snippets?, action\.yml: ok$/)]);
  expect(status).toBe(0);
});

// Each case: files replacing BASE's, and the exact lines printed (a line ending in … is a prefix: actionlint's
// messages go on with long type listings). Every failing case exits 1.
const failures: [string, Files, string[]][] = [
  [
    'an unquoted description containing ": " is a YAML error at its line and column',
    { 'action.yml': action('"Build only these images."', 'Build only these images (default: all).') },
    [
      'action.yml:9:18: [yaml] Nested mappings are not allowed in compact mappings (a plain scalar containing ": " starts a mapping: quote the value)',
    ],
  ],
  [
    'using: node20',
    { 'action.yml': action('using: node24', 'using: node20') },
    [
      'action.yml:19:10: [action-metadata] runs.using is node20: this action runs on node24 (GitHub runners are retiring node20); write using: node24',
    ],
  ],
  [
    'a main (and post) file that does not exist',
    { 'dist/index.js': null },
    [
      "action.yml:20:9: [action-metadata] runs.main file dist/index.js does not exist (relative to the action's directory)",
      "action.yml:21:9: [action-metadata] runs.post file dist/index.js does not exist (relative to the action's directory)",
    ],
  ],
  [
    'a boolean default and a number default',
    { 'action.yml': action('default: ml-image.yml', 'default: false').replace('default: auto', 'default: 3') },
    [
      'action.yml:7:14: [action-metadata] inputs.config.default must be a string, not boolean false: the runner passes inputs as strings; quote it (default: "false")',
      'action.yml:14:14: [action-metadata] inputs.build-engine.default must be a string, not number 3: the runner passes inputs as strings; quote it (default: "3")',
    ],
  ],
  [
    'an output with value, an input without description, unknown keys',
    {
      'action.yml': action(
        '    description: "Manifest digest."\n',
        '    description: "Manifest digest."\n    value: x\n',
      )
        .replace('    description: "auto, buildx or buildkit."\n', '    requird: false\n')
        .replace('runs:', 'run:\n  using: node24\nruns:'),
    },
    [
      'action.yml:12:3: [action-metadata] input "build-engine" has no description',
      'action.yml:13:5: [action-metadata] unknown key "requird" in input "build-engine"; did you mean "required"?',
      'action.yml:18:5: [action-metadata] output "digest" has a value: value is only for composite actions; a JavaScript action sets its outputs with core.setOutput',
      'action.yml:19:1: [action-metadata] unknown top-level key "run"; did you mean "runs"?',
    ],
  ],
  [
    'a missing description and runs',
    {
      'action.yml': action('description: "Build, smoke-test and push ML images."', 'author: 3').replace(
        /^runs:[^]*/m,
        '',
      ),
    },
    [
      'action.yml:1:1: [action-metadata] missing required key "description"',
      'action.yml:1:1: [action-metadata] missing required key "runs"',
      'action.yml:2:9: [action-metadata] author must be a string, not number 3',
    ],
  ],
  [
    'an undefined property in a workflow expression, found by actionlint',
    { '.github/workflows/ci.yml': WORKFLOW.replace('steps.ml.outputs.digest', 'github.evnt') },
    ['.github/workflows/ci.yml:12:24: [expression] property "evnt" is not defined in object type {…'],
  ],
  [
    'a broken README workflow snippet, at README line numbers',
    {
      'README.md': README.replace(
        'runs-on: ubuntu-latest',
        'runs-on: ubuntu-latest\n    timeout-minutes: ${{ github.evnt }}',
      ),
    },
    ['README.md:13:26: [expression] property "evnt" is not defined in object type {…'],
  ],
  [
    'a README snippet with jobs but no on, and a README block that is not YAML',
    { 'README.md': README.replace('on: push\n', '').replace('context: . }]', 'context: . }') },
    [
      'README.md:6:1: [yaml] Flow sequence in block collection must be sufficiently indented and end with a ]',
      'README.md:9:1: [syntax-check] "on" section is missing in workflow',
    ],
  ],
  [
    'with: keys that action.yml does not declare name the closest input',
    {
      '.github/workflows/ci.yml': WORKFLOW.replace('config:', 'confg:'),
      'README.md': README.replace('{ only-images: model }', '{ images: model, builder: buildx }'),
    },
    [
      '.github/workflows/ci.yml:11:11: [action-input] input "confg" is not declared in action.yml; did you mean "config"?',
      'README.md:15:17: [action-input] input "images" is not declared in action.yml; did you mean "only-images"?',
      'README.md:15:32: [action-input] input "builder" is not declared in action.yml; did you mean "build-engine"?',
    ],
  ],
  [
    'a required input missing from a step that uses the action',
    { 'action.yml': action('default: ""', 'default: ""\n  token:\n    description: "Token."\n    required: true') },
    [
      '.github/workflows/ci.yml:9:15: [action-input] required input "token" of ./ is missing from with:',
      'README.md:14:15: [action-input] required input "token" of acme/ml-image-action@v0 is missing from with:',
    ],
  ],
];

describe('fails with located problems', () => {
  test.each(failures)('%s', (_name, over, expected) => {
    const { status, lines, stderr } = lint(over);
    const prefix = (want: string) =>
      expect.stringMatching(`^${want.slice(0, -1).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
    expect(lines).toEqual(expected.map((want) => (want.endsWith('…') ? prefix(want) : want)));
    expect(stderr).toBe(`lint: ${expected.length} problem${expected.length === 1 ? '' : 's'}\n`);
    expect(status).toBe(1);
  });
});

test('an unknown argument is a usage error', () => {
  const r = spawnSync(process.execPath, [LINT, '--rot', tmp], { encoding: 'utf8' });
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('usage: node scripts/lint.mjs [--root DIR]');
});
