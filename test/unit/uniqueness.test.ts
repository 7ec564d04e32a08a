// Issue 17: nothing one target pushes can overwrite another's. Over the whole plan — every image, variant and
// platform — each pushed reference and local image name has one target, each job id, digest file and cache
// scope one job; a collision is a config error at the later place, naming the earlier one and what they
// share. Each case with its mirror (order reversed), across images, across platforms, through --registry and
// through the registries input; and `validate` refuses exactly what `plan` refuses.
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getInputs, inputVariable } from '../../src/action/inputs.js';
import { planCommandMain, validateCommandMain, type CliIo } from '../../src/cli/main.js';
import { parseConfigSource } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { ConfigError, formatIssue } from '../../src/errors.js';
import { makePlan, type PlanOptions } from '../../src/plan/plan.js';
import type { Exec } from '../../src/process/exec.js';
import type { Logger } from '../../src/log/log.js';
import { caught, gitContext, variantConfig } from './helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ml-image-unique-'));
mkdirSync(path.join(dir, '.git'));
writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FILE = path.join(dir, 'ml-image.yml');
const DATE = new Date('2024-05-01T12:00:00.000Z');
const GIT = gitContext({ ref: 'refs/heads/main', eventName: 'push', defaultBranch: 'main' });

/** The config errors makePlan throws for `text`, formatted as the CLI prints them. */
function planErrors(text: string, over: Partial<PlanOptions> = {}): string[] {
  const { config, source } = parseConfigSource(text, FILE, dir);
  try {
    makePlan(config, GIT, { push: true, date: DATE, readFile: () => undefined, source, ...over });
  } catch (err: unknown) {
    if (err instanceof ConfigError) return err.issues.map(formatIssue);
    throw err;
  }
  throw new Error('expected a ConfigError, but the plan was made');
}

const planOf = (text: string, over: Partial<PlanOptions> = {}) => {
  const { config, source } = parseConfigSource(text, FILE, dir);
  return makePlan(config, GIT, { push: true, date: DATE, readFile: () => undefined, source, ...over });
};

const PUSHES = (ref: string) => `would both push ${ref}: whichever pushes last replaces the other's image`;
const JOB_ID = (id: string) =>
  `would both get job id ${id}, which names their matrix entry, digest file, containers and cache`;
const image = (...lines: string[]) =>
  [
    'version: 1',
    'images:',
    '  - name: acme/iris',
    '    tags: [latest]',
    ...lines.map((l) => `    ${l}`),
    'push: { registries: [ghcr.io] }',
    '',
  ].join('\n');

describe('two variants whose tags collide', () => {
  it("cuda with tag-suffix -gpu, then gpu (default suffix -gpu): at gpu, naming cuda's tag-suffix", () => {
    expect(planErrors(image('variants: {cpu: {}, cuda: {tag-suffix: "-gpu"}, gpu: {}}'))).toEqual([
      `ml-image.yml:5:53: images[0].variants.gpu: acme/iris (gpu) and acme/iris (cuda) at ml-image.yml:5:44 (images[0].variants.cuda.tag-suffix) ${PUSHES('ghcr.io/acme/iris:latest-gpu')}`,
    ]);
  });

  it("mirror: gpu first, then cuda with tag-suffix -gpu: at cuda's tag-suffix, naming gpu", () => {
    expect(planErrors(image('variants: {cpu: {}, gpu: {}, cuda: {tag-suffix: "-gpu"}}'))).toEqual([
      `ml-image.yml:5:53: images[0].variants.cuda.tag-suffix: acme/iris (cuda) and acme/iris (gpu) at ml-image.yml:5:25 (images[0].variants.gpu) ${PUSHES('ghcr.io/acme/iris:latest-gpu')}`,
    ]);
  });

  it("an empty tag-suffix on a non-default variant: the default variant's tags, at the tag rule", () => {
    expect(planErrors(image('variants:', '  cpu: {}', '  gpu: { tag-suffix: "" }'))).toEqual([
      `ml-image.yml:7:26: images[0].variants.gpu.tag-suffix: acme/iris (gpu) and acme/iris (cpu) at ml-image.yml:4:12 (images[0].tags[0]) ${PUSHES('ghcr.io/acme/iris:latest')}`,
    ]);
  });

  it('without a registry, the local image names collide (the smoke test could test the other image)', () => {
    const text = image('variants: {cpu: {}, cuda: {tag-suffix: "-gpu"}, gpu: {}}').replace(
      'push: { registries: [ghcr.io] }\n',
      '',
    );
    expect(planErrors(text)).toEqual([
      'ml-image.yml:5:53: images[0].variants.gpu: acme/iris (gpu) and acme/iris (cuda) at ml-image.yml:5:44 (images[0].variants.cuda.tag-suffix) would both be tagged acme/iris:latest-gpu before their smoke tests: one image would replace the other',
    ]);
  });

  const latestTag = (tags: string, variants: string) =>
    [
      'version: 1',
      'images:',
      '  - name: acme/iris',
      `    tags: ${tags}`,
      ...variants.split('\n').map((l) => `    ${l}`),
      'push: { registries: [ghcr.io] }',
      '',
    ].join('\n');

  it("cuda's latest-tag 0.1.0 against the image tag 0.1.0: at the latest-tag, naming the tag rule", () => {
    expect(planErrors(latestTag('[latest, "0.1.0"]', 'variants: {cpu: {}, cuda: {latest-tag: "0.1.0"}}'))).toEqual([
      `ml-image.yml:5:44: images[0].variants.cuda.latest-tag: acme/iris (cuda) and acme/iris (cpu) at ml-image.yml:4:20 (images[0].tags[1]) ${PUSHES('ghcr.io/acme/iris:0.1.0')}`,
    ]);
  });

  it('mirror: cuda declared first (cpu the default by default-variant), tags reversed: at the tag rule of cpu', () => {
    expect(
      planErrors(
        latestTag('["0.1.0", latest]', 'default-variant: cpu\nvariants: {cuda: {latest-tag: "0.1.0"}, cpu: {}}'),
      ),
    ).toEqual([
      `ml-image.yml:4:12: images[0].tags[0]: acme/iris (cpu) and acme/iris (cuda) at ml-image.yml:6:35 (images[0].variants.cuda.latest-tag) ${PUSHES('ghcr.io/acme/iris:0.1.0')}`,
    ]);
  });
});

describe('one job id for two targets', () => {
  const two = (a: string, b: string) => `version: 1\nimages:\n  - name: ${a}\n  - name: ${b}\n`;

  it('images acme/foo-bar and acme/foo.bar', () => {
    expect(planErrors(two('acme/foo-bar', 'acme/foo.bar'))).toEqual([
      `ml-image.yml:4:11: images[1].name: acme/foo.bar and acme/foo-bar at ml-image.yml:3:11 (images[0].name) ${JOB_ID('acme-foo-bar')}`,
    ]);
  });

  it('mirror: acme/foo.bar first', () => {
    expect(planErrors(two('acme/foo.bar', 'acme/foo-bar'))).toEqual([
      `ml-image.yml:4:11: images[1].name: acme/foo-bar and acme/foo.bar at ml-image.yml:3:11 (images[0].name) ${JOB_ID('acme-foo-bar')}`,
    ]);
  });

  it('variants a.b and a-b, and the mirror', () => {
    expect(planErrors(image('variants: {a.b: {}, a-b: {}}'))).toEqual([
      `ml-image.yml:5:25: images[0].variants.a-b: acme/iris (a-b) and acme/iris (a.b) at ml-image.yml:5:16 (images[0].variants.a.b) ${JOB_ID('acme-iris-a-b')}`,
    ]);
    expect(planErrors(image('variants: {a-b: {}, a.b: {}}'))).toEqual([
      `ml-image.yml:5:25: images[0].variants.a.b: acme/iris (a.b) and acme/iris (a-b) at ml-image.yml:5:16 (images[0].variants.a-b) ${JOB_ID('acme-iris-a-b')}`,
    ]);
  });

  it('across images, a variant against an image: acme/x-y and acme/x (y)', () => {
    expect(
      planErrors('version: 1\nimages:\n  - name: acme/x-y\n  - name: acme/x\n    variants: { "y": {}, z: {} }\n'),
    ).toEqual([
      `ml-image.yml:5:17: images[1].variants.y: acme/x (y) and acme/x-y at ml-image.yml:3:11 (images[0].name) ${JOB_ID('acme-x-y')}`,
    ]);
  });
});

describe('across platforms', () => {
  it('two platforms of one target with one slug (linux/arm64/v8, linux/arm64_v8): at the second item', () => {
    expect(planErrors(image('platforms: [linux/amd64, linux/arm64/v8, linux/arm64_v8]'))).toEqual([
      `ml-image.yml:5:46: images[0].platforms[2]: acme/iris on linux/arm64_v8 and acme/iris on linux/arm64/v8 at ml-image.yml:5:30 (images[0].platforms[1]) ${JOB_ID('acme-iris-linux-arm64-v8')}`,
    ]);
  });

  it('a platform build of one image against another image: acme/x on linux/amd64 and acme/x-linux-amd64', () => {
    const text =
      'version: 1\nimages:\n  - name: acme/x\n    platforms: [linux/amd64, linux/arm64]\n  - name: acme/x-linux-amd64\n';
    expect(planErrors(text)).toEqual([
      `ml-image.yml:5:11: images[1].name: acme/x-linux-amd64 and acme/x on linux/amd64 at ml-image.yml:4:17 (images[0].platforms[0]) ${JOB_ID('acme-x-linux-amd64')}`,
    ]);
  });

  it('mirror: the single-platform image first', () => {
    const text =
      'version: 1\nimages:\n  - name: acme/x-linux-amd64\n  - name: acme/x\n    platforms: [linux/amd64, linux/arm64]\n';
    expect(planErrors(text)).toEqual([
      `ml-image.yml:5:17: images[1].platforms[0]: acme/x on linux/amd64 and acme/x-linux-amd64 at ml-image.yml:3:11 (images[0].name) ${JOB_ID('acme-x-linux-amd64')}`,
    ]);
  });

  it('the platform builds of one target share its references: no collision', () => {
    const plan = planOf(image('platforms: [linux/amd64, linux/arm64]'));
    expect(plan.jobs.map((j) => [j.id, j.pushRefs])).toEqual([
      ['acme-iris-linux-amd64', ['ghcr.io/acme/iris:latest']],
      ['acme-iris-linux-arm64', ['ghcr.io/acme/iris:latest']],
    ]);
  });
});

describe('across images, through the registries', () => {
  const irises = (registries = '') =>
    `version: 1\nimages:\n  - name: iris\n    tags: [latest]\n  - name: acme/iris\n    tags: [latest]\n${registries}`;

  it('iris in ghcr.io/acme and acme/iris in ghcr.io push one reference', () => {
    expect(planErrors(irises('push: { registries: [ghcr.io/acme, ghcr.io] }\n'))).toEqual([
      `ml-image.yml:6:12: images[1].tags[0]: acme/iris and iris at ml-image.yml:4:12 (images[0].tags[0]) ${PUSHES('ghcr.io/acme/iris:latest')} (through push.registries ghcr.io/acme and ghcr.io)`,
    ]);
  });

  it('mirror: the registries in the other order', () => {
    expect(planErrors(irises('push: { registries: [ghcr.io, ghcr.io/acme] }\n'))).toEqual([
      `ml-image.yml:6:12: images[1].tags[0]: acme/iris and iris at ml-image.yml:4:12 (images[0].tags[0]) ${PUSHES('ghcr.io/acme/iris:latest')} (through push.registries ghcr.io/acme and ghcr.io)`,
    ]);
  });

  it("Docker Hub's library/: iris and library/iris in docker.io", () => {
    const text = 'version: 1\nimages:\n  - name: iris\n  - name: library/iris\npush: { registries: [docker.io] }\n';
    expect(planErrors(text, { registries: undefined })[0]).toMatch(
      /^ml-image\.yml:4:11: images\[1\]\.name: library\/iris and iris at ml-image\.yml:3:11 \(images\[0\]\.name\) would both push docker\.io\/library\/iris:main: /,
    );
  });

  it('through --registry', () => {
    expect(planErrors(irises(), { registries: ['ghcr.io/acme', 'ghcr.io'], registriesFrom: '--registry' })).toEqual([
      `ml-image.yml:6:12: images[1].tags[0]: acme/iris and iris at ml-image.yml:4:12 (images[0].tags[0]) ${PUSHES('ghcr.io/acme/iris:latest')} (through --registry ghcr.io/acme and ghcr.io)`,
    ]);
  });

  it('through the registries input', () => {
    const inputs = getInputs({ [inputVariable('registries')]: 'ghcr.io\nghcr.io/acme' });
    expect(planErrors(irises(), { registries: inputs.registries, registriesFrom: inputs.registriesFrom })).toEqual([
      `ml-image.yml:6:12: images[1].tags[0]: acme/iris and iris at ml-image.yml:4:12 (images[0].tags[0]) ${PUSHES('ghcr.io/acme/iris:latest')} (through input registries ghcr.io/acme and ghcr.io)`,
    ]);
  });
});

describe('cache scopes', () => {
  it("an image's cache.scope is every variant's: at the scope, naming the first variant", () => {
    expect(planErrors(image('cache: { scope: iris }', 'variants: {cpu: {}, cuda: {}}'))).toEqual([
      "ml-image.yml:5:21: images[0].cache.scope: acme/iris (cuda) and acme/iris (cpu) at ml-image.yml:5:21 (images[0].cache.scope) would both use cache scope iris, each overwriting the other's cache",
    ]);
  });

  it("a variant's own scope set to another's: at the variant's scope", () => {
    expect(planErrors(image('variants: {cpu: {cache: {scope: x}}, cuda: {cache: {scope: x}}}'))).toEqual([
      "ml-image.yml:5:64: images[0].variants.cuda.cache.scope: acme/iris (cuda) and acme/iris (cpu) at ml-image.yml:5:37 (images[0].variants.cpu.cache.scope) would both use cache scope x, each overwriting the other's cache",
    ]);
  });
});

describe('the whole plan is checked', () => {
  it('--only one entry: still refused when it collides with an entry not selected', () => {
    const text = 'version: 1\nimages:\n  - name: acme/foo-bar\n  - name: acme/foo.bar\n';
    expect(planErrors(text, { filters: { only: 'acme-foo-bar' } })).toHaveLength(1);
  });

  it('every collision is reported, in file order', () => {
    const text = image('variants: {cpu: {}, cuda: {tag-suffix: "-gpu"}, gpu: {}, a.b: {}, a-b: {}}');
    expect(planErrors(text).map((e) => e.split(': ')[0])).toEqual(['ml-image.yml:5:53', 'ml-image.yml:5:71']);
  });

  it('a value for the outputs that is not one line is refused even in a config built by hand', () => {
    const config: Config = {
      file: '/repo/ml-image.yml',
      root: '/repo',
      version: 1,
      images: [
        {
          index: 0,
          name: 'acme/iris',
          context: '/repo',
          secrets: [],
          reproducible: false,
          tags: ['latest'],
          flavor: [],
          variants: [variantConfig({ runsOn: ['ubuntu-latest\n::error::x'] })],
        },
      ],
      push: { registries: [], when: [], immutableTags: false },
      policy: { secretBuildArgs: 'warn' },
    };
    const err = caught(() => makePlan(config, GIT, { push: false, date: DATE, readFile: () => undefined }));
    expect([err.constructor, err.message]).toEqual([
      ConfigError,
      '/repo/ml-image.yml:1:1: images[0].name: acme/iris: runner label "ubuntu-latest\\n::error::x" holds a line break, and would be written to the workflow outputs',
    ]);
  });
});

describe('validate refuses what plan refuses, with the same message', () => {
  // No git here: an exec that fails every command (a checkout without git) still gives a context.
  const noGit: Exec = async (file, args) => ({ file, args, exitCode: 1, stdout: '', stderr: '', timedOut: false });
  const log: Logger = {
    info: () => {},
    warn: () => {},
    error: () => {},
    debug: () => {},
    output: () => {},
    addSecret: () => {},
    group: (_title, body) => body(),
  };
  const io = (): CliIo => ({ cwd: dir, env: {}, stdout: () => {}, readStdin: () => '' });

  it.each([
    ['tags of two variants', image('variants: {cpu: {}, cuda: {tag-suffix: "-gpu"}, gpu: {}}')],
    [
      'a latest-tag against an image tag',
      image('variants: {cpu: {}, cuda: {latest-tag: "latest"}}')
        .replace('tags: [latest]', 'tags: [latest, "0.1.0"]')
        .replace('"latest"}}', '"0.1.0"}}'),
    ],
    ['two images, one job id', 'version: 1\nimages:\n  - name: acme/foo-bar\n  - name: acme/foo.bar\n'],
    ['two variants, one job id', image('variants: {a.b: {}, a-b: {}}')],
    ['two platforms, one job id', image('platforms: [linux/arm64/v8, linux/arm64_v8]')],
  ])('%s', async (_name, text) => {
    writeFileSync(FILE, text);
    const fromPlan = await planCommandMain(
      { command: 'plan', config: 'ml-image.yml', format: 'table', push: false, filters: {} },
      io(),
      noGit,
    ).then(
      () => undefined,
      (err: unknown) => err,
    );
    const fromValidate = await validateCommandMain('ml-image.yml', io(), log, noGit).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(fromPlan).toBeInstanceOf(ConfigError);
    expect(fromValidate).toBeInstanceOf(ConfigError);
    expect((fromValidate as ConfigError).message).toBe((fromPlan as ConfigError).message);
  });
});
