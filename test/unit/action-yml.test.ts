// action.yml is the file the runner loads: it must parse, and declare exactly the inputs and outputs the
// code reads and writes (src/action/names.ts), both ways; and the inputs are read as the runner passes them.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { getInputs, inputVariable, pushInput } from '../../src/action/inputs.js';
import { Inputs, Outputs, RenamedInputs } from '../../src/action/names.js';
import { caught } from './helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface ActionYml {
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string; post?: string };
}

const actionYml = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as ActionYml;

describe('action.yml', () => {
  it('declares exactly the inputs the code reads', () => {
    expect(Object.keys(actionYml.inputs).sort()).toEqual(Object.values(Inputs).sort());
  });

  it('declares exactly the outputs the code writes', () => {
    expect(Object.keys(actionYml.outputs).sort()).toEqual(Object.values(Outputs).sort());
  });

  it('does not declare a renamed input under its old name', () => {
    for (const old of Object.keys(RenamedInputs)) expect(actionYml.inputs).not.toHaveProperty(old);
  });

  it('documents every input with a description and a string default, and every output', () => {
    for (const [name, input] of Object.entries(actionYml.inputs)) {
      expect([name, typeof input.description, input.description.length > 10]).toEqual([name, 'string', true]);
      expect([name, typeof input.default]).toEqual([name, 'string']);
    }
    for (const [name, output] of Object.entries(actionYml.outputs))
      expect([name, typeof output.description]).toEqual([name, 'string']);
  });

  it('runs the bundle on node24 as main and post', () => {
    expect(actionYml.runs).toEqual({ using: 'node24', main: 'dist/index.js', post: 'dist/index.js' });
  });
});

/** The environment the runner gives the step: every input's default from action.yml, then the with: values. */
function runnerEnv(withValues: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, input] of Object.entries(actionYml.inputs)) env[inputVariable(name)] = input.default ?? '';
  for (const [name, value] of Object.entries(withValues)) env[inputVariable(name)] = value;
  return env;
}

describe('getInputs, with the environment the runner builds from action.yml', () => {
  it("action.yml's defaults: push auto, log out, every image, the config in the workspace root", () => {
    expect(getInputs(runnerEnv())).toEqual({
      config: 'ml-image.yml',
      push: 'auto',
      planOnly: false,
      filters: { images: [], variants: [] },
      registries: undefined,
      registriesFrom: 'input registries',
      credentials: [],
      retest: false,
      sharedCredential: undefined,
      logout: true,
      docker: undefined,
      builder: undefined,
      buildxBuilder: undefined,
      cacheBackend: undefined,
      minFreeBytes: undefined,
      reports: { junit: undefined, json: undefined },
      planFile: undefined,
      mode: 'build',
      digestsDir: 'ml-image-digests',
    });
  });

  it('every input set', () => {
    const got = getInputs(
      runnerEnv({
        config: ' ml/ml-image.yml ',
        push: 'TRUE',
        'only-images': 'acme/iris, acme/bert\nacme/gpt',
        'only-variants': 'cuda12',
        'plan-only': 'False',
        registries: 'ghcr.io/acme\n127.0.0.1:5000',
        username: 'octo',
        password: 'tok-1',
        'registry-auth': '- username: hub\n  password: hub-tok\n',
        logout: 'false',
        docker: '/usr/bin/docker',
        'build-engine': 'buildkit',
        builder: 'gpu-builder',
        'cache-backend': 'gha',
        'min-free-space': '20GB',
        'junit-report': 'reports/smoke.xml',
        plan: 'plan/plan.json',
        only: 'acme-iris-linux-arm64',
        mode: 'build',
        'digests-dir': 'out/digests',
        'json-report': 'reports/smoke.json',
        retest: 'true',
      }),
    );
    expect(got).toEqual({
      config: 'ml/ml-image.yml',
      push: true,
      planOnly: false,
      filters: { images: ['acme/iris', 'acme/bert', 'acme/gpt'], variants: ['cuda12'], only: 'acme-iris-linux-arm64' },
      registries: ['ghcr.io/acme', '127.0.0.1:5000'],
      registriesFrom: 'input registries',
      credentials: [{ registry: 'docker.io', username: 'hub', password: 'hub-tok' }],
      retest: true,
      sharedCredential: { username: 'octo', password: 'tok-1' },
      logout: false,
      docker: '/usr/bin/docker',
      builder: 'buildkit',
      buildxBuilder: 'gpu-builder',
      cacheBackend: 'gha',
      minFreeBytes: 20_000_000_000,
      reports: { junit: 'reports/smoke.xml', json: 'reports/smoke.json' },
      planFile: 'plan/plan.json',
      mode: 'build',
      digestsDir: 'out/digests',
    });
  });

  it('the runner names variables INPUT_ + upper case, spaces as _, hyphens kept', () => {
    expect([inputVariable('only-images'), inputVariable('plan-only'), inputVariable('my input')]).toEqual([
      'INPUT_ONLY-IMAGES',
      'INPUT_PLAN-ONLY',
      'INPUT_MY_INPUT',
    ]);
  });

  it.each([
    {
      old: 'images',
      message:
        "input images is now only-images (docker/metadata-action's images input lists full image names); rename it in the step's with:",
    },
    {
      old: 'variants',
      message: "input variants is now only-variants (it goes with only-images); rename it in the step's with:",
    },
  ])('the old input $old is refused, naming the new one', ({ old, message }) => {
    expect(caught(() => getInputs(runnerEnv({ [old]: 'x' }))).message).toBe(message);
  });

  // builder was once the engine choice; it is now a buildx builder instance, as in docker/build-push-action.
  it.each(['buildkit', 'buildx'])(
    'builder: %s (an engine, not a builder instance) is refused, naming build-engine',
    (engine) => {
      expect(caught(() => getInputs(runnerEnv({ builder: engine }))).message).toBe(
        `input builder names a buildx builder instance (as in docker/build-push-action); to choose ${engine}, use build-engine: ${engine}`,
      );
    },
  );

  it('builder: any other name is the buildx builder instance, the engine choice left alone', () => {
    expect(getInputs(runnerEnv({ builder: ' builder-3f2a ' }))).toMatchObject({
      buildxBuilder: 'builder-3f2a',
      builder: undefined,
    });
  });

  it.each([
    { value: '500MB', bytes: 500_000_000 },
    { value: '1.5GiB', bytes: 1_610_612_736 },
  ])('min-free-space: $value → $bytes bytes', ({ value, bytes }) => {
    expect(getInputs(runnerEnv({ 'min-free-space': value })).minFreeBytes).toBe(bytes);
  });

  it.each([
    {
      input: 'plan-only',
      value: 'yes',
      message: 'input plan-only: expected true or false (true, True, TRUE, false, False, FALSE), got "yes"',
    },
    {
      input: 'logout',
      value: 'tRue',
      message: 'input logout: expected true or false (true, True, TRUE, false, False, FALSE), got "tRue"',
    },
    {
      input: 'build-engine',
      value: 'kaniko',
      message: 'input build-engine: expected one of auto, buildx, buildkit, got "kaniko"',
    },
    {
      input: 'cache-backend',
      value: 's3',
      message: 'input cache-backend: expected one of auto, registry, gha, local, inline, none, got "s3"',
    },
    {
      input: 'min-free-space',
      value: '20 gigs',
      message: 'input min-free-space: expected a size like 10GB or 500MB, got "20 gigs"',
    },
  ])('bad $input', ({ input, value, message }) => {
    expect(caught(() => getInputs(runnerEnv({ [input]: value }))).message).toBe(message);
  });
});

describe('credentials in a pull request from a fork (secrets are empty)', () => {
  it('a username without its password is kept, to fail only when the run pushes', () => {
    expect(getInputs(runnerEnv({ username: 'octocat', password: '' })).sharedCredential).toEqual({
      username: 'octocat',
      password: '',
    });
    expect(
      getInputs(runnerEnv({ 'registry-auth': '- registry: ghcr.io\n  username: octocat\n  password:\n' })).credentials,
    ).toEqual([{ registry: 'ghcr.io', username: 'octocat', password: '' }]);
  });
});

describe('push input: what core.getBooleanInput takes, plus auto', () => {
  it.each([
    ['auto', 'auto'],
    ['', 'auto'],
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
  ] as const)('%j → %j', (value, want) => expect(pushInput(value)).toBe(want));

  it.each(['yes', 'on', '1', 'tRUE', 'Auto'])('%j is refused', (value) => {
    expect(caught(() => pushInput(value)).message).toBe(
      `input push: expected auto, true or false (YAML 1.2 core schema: true, True, TRUE, false, False, FALSE), got "${value}"`,
    );
  });
});
