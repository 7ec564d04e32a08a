// The fast path's pure half: reading BuildKit's raw JSON progress (recorded from a real buildx 0.13 build
// on the docker driver: hit.json is a rebuild with every step from the cache, miss.json the same build
// after a COPY'd file changed), the probe's argv, the key tag, a record judged by the key it was found by,
// and which jobs may not take the fast path at all.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { PROBE_NAME, probeCommand } from '../../src/build/build-command.js';
import { RawJsonEvents, runningStep } from '../../src/build/probe.js';
import type { BuilderInfo } from '../../src/docker/builder.js';
import type { BuildJob, Plan } from '../../src/plan/plan.js';
import { judge, keyTag, specHash, type TestRecord } from '../../src/proof/record.js';
import { notEligible } from '../../src/pipeline/proven-phase.js';
import type { PipelineOptions } from '../../src/pipeline/state.js';
import type { SmokeTestConfig } from '../../src/config/types.js';
import { BUILDERS, cacheSpecOf } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const running = (file: string): string[] => {
  const events = new RawJsonEvents();
  const steps: string[] = [];
  for (const line of readFileSync(path.join(here, 'fixtures/rawjson', file), 'utf8').split('\n')) {
    const event = events.push(line);
    const step = event && runningStep(event);
    if (step && !steps.includes(step)) steps.push(step);
  }
  return steps;
};

describe('raw JSON progress', () => {
  it('a build wholly from the cache runs no step', () => {
    expect(running('hit.json')).toEqual([]);
  });
  it('a changed file: the COPY is the first step that runs, then the RUN after it', () => {
    expect(running('miss.json')).toEqual(['[2/3] COPY a.txt /a.txt', '[3/3] RUN cat /a.txt > /b.txt']);
  });
  it('FROM and internal vertices are never steps; a cached step is not running', () => {
    const started = '2026-12-04T19:03:45Z';
    expect(runningStep({ vertexes: [{ name: '[1/3] FROM docker.io/library/debian', started }] })).toBeUndefined();
    expect(runningStep({ vertexes: [{ name: '[internal] load build context', started }] })).toBeUndefined();
    expect(runningStep({ vertexes: [{ name: '[runtime 2/4] RUN pip install', started, cached: true }] })).toBe(
      undefined,
    );
    expect(runningStep({ vertexes: [{ name: '[runtime 2/4] RUN pip install' }] })).toBeUndefined();
    expect(runningStep({ vertexes: [{ name: '[runtime 2/4] RUN pip install', started }] })).toBe(
      '[runtime 2/4] RUN pip install',
    );
  });
  it('lines outside an object and broken objects are skipped', () => {
    const events = new RawJsonEvents();
    expect(['WARNING: x', '{', '  "vertexes": [', '}'].map((l) => events.push(l))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(['{', '  "vertexes": []', '}'].map((l) => events.push(l))[2]).toEqual({ vertexes: [] });
  });
});

const SMOKE: SmokeTestConfig = {
  timeoutMs: 60_000,
  gpu: 'auto',
  env: {},
  commands: [],
  files: [],
  structureTests: [],
  volumes: [],
  services: [],
};
const job = (over: Partial<BuildJob> = {}): BuildJob => ({
  id: 'acme-iris',
  image: 'acme/iris',
  variant: '',
  build: {
    context: '/repo/ctx',
    dockerfile: '/repo/ctx/Dockerfile',
    buildArgs: {},
    secrets: [],
    cache: cacheSpecOf({ backend: 'registry' }),
    reproducible: true,
    sourceDateEpoch: 1_700_000_000,
  },
  gpu: false,
  runsOn: ['ubuntu-latest'],
  tags: ['latest'],
  localRefs: ['acme/iris:latest'],
  pushRefs: ['127.0.0.1:5000/acme/iris:latest'],
  labels: {},
  smokeTest: SMOKE,
  ...over,
});

describe('the probe', () => {
  it('builds from the cache only, to an image it neither stores nor pushes, with raw JSON progress', () => {
    const cache = {
      args: [
        '--cache-from',
        'type=registry,ref=127.0.0.1:5000/acme/iris:buildcache',
        '--cache-to',
        'type=registry,ref=127.0.0.1:5000/acme/iris:buildcache,mode=max',
      ],
      buildArgs: {},
    };
    const { args } = probeCommand(job(), BUILDERS.dockerContainerd, {
      iidFile: '/t/iid',
      cache,
      metadataFile: '/t/meta.json',
    });
    expect(args).not.toContain('--cache-to');
    expect(args).not.toContain('--load');
    expect(args).not.toContain('--tag');
    expect(args).not.toContain('--progress=plain');
    expect(args).toContain('type=registry,ref=127.0.0.1:5000/acme/iris:buildcache');
    expect(args).toContain('--progress=rawjson');
    expect(args).toContain('--provenance=false');
    expect(args).toContain(`type=image,name=${PROBE_NAME},push=false,store=false,oci-mediatypes=true`);
    expect(args[args.indexOf('--metadata-file') + 1]).toBe('/t/meta.json');
    expect(args[args.length - 1]).toBe('/repo/ctx');
    expect(args.filter((a) => a === '--output')).toHaveLength(1);
    expect(args).toContain('SOURCE_DATE_EPOCH=1700000000');
  });
  it('the key tag is the key without its algorithm', () => {
    expect(keyTag(`sha256:${'a'.repeat(64)}`)).toBe(`mlimage-key-${'a'.repeat(64)}`);
  });
});

describe('a record found by its key', () => {
  const D = `sha256:${'1'.repeat(64)}`;
  const K = `sha256:${'9'.repeat(64)}`;
  const record: TestRecord = {
    subject: { name: '127.0.0.1:5000/acme/iris', digest: D },
    passedTests: [],
    spec: 'f'.repeat(64),
    runner: { kind: 'cpu' },
    tool: { name: 'ml-image', version: '0.1.0' },
    time: '2026-12-04T05:00:00.000Z',
    run: '7',
    buildKey: K,
  };
  it('proves the job when it names that key', () => {
    expect(judge(record, D, { digest: D, spec: record.spec, gpu: false, buildKey: K })).toEqual({ ok: true });
  });
  it('is tampered when it names another key, or none', () => {
    const other = `sha256:${'8'.repeat(64)}`;
    expect(judge(record, D, { digest: D, spec: record.spec, gpu: false, buildKey: other })).toMatchObject({
      ok: false,
      tampered: true,
    });
    const { buildKey: _dropped, ...keyless } = record;
    expect(judge(keyless, D, { digest: D, spec: record.spec, gpu: false, buildKey: K })).toMatchObject({
      ok: false,
      tampered: true,
    });
  });
  it('smoke-test.retest is not part of the spec: switching it does not void the records', () => {
    const read = (): Buffer => Buffer.from('');
    const always: SmokeTestConfig = { ...SMOKE, retest: 'always' };
    expect(specHash(always, false, read)).toBe(specHash(SMOKE, false, read));
  });
});

describe('who may not take the fast path', () => {
  const plan = (jobs: BuildJob[], push = true): Plan => ({
    configFile: '/repo/ml-image.yml',
    root: '/repo',
    jobs,
    registries: ['127.0.0.1:5000'],
    push,
    immutableTags: false,
    secretBuildArgs: 'warn',
  });
  const options = { cwd: '/repo', env: {} } as PipelineOptions;
  const state = (over: {
    jobs?: BuildJob[];
    push?: boolean;
    options?: Partial<PipelineOptions>;
    builder?: BuilderInfo;
  }) => ({
    plan: plan(over.jobs ?? [job()], over.push),
    options: { ...options, ...over.options },
    builder: over.builder ?? BUILDERS.dockerContainerd,
  });
  it.each<[string, ReturnType<typeof state>, BuildJob, string | undefined]>([
    ['a pushed, tested, reproducible job on the docker driver', state({}), job(), undefined],
    ['a run that does not push', state({ push: false }), job(), 'nothing is pushed'],
    // --retest only skips the lookup (provenJobs): the job is still keyed, so its new record names the key.
    ['--retest', state({ options: { retest: true } }), job(), undefined],
    ['no smoke test', state({}), job({ smokeTest: undefined }), 'it has no smoke test, so no record proves it'],
    ['retest: always', state({}), job({ smokeTest: { ...SMOKE, retest: 'always' } }), 'smoke-test.retest is always'],
    [
      'reproducible: false',
      state({}),
      job({ build: { ...job().build, reproducible: false } }),
      'reproducible is false',
    ],
    [
      "the engine's built-in BuildKit",
      state({ builder: BUILDERS.builtin }),
      job(),
      "the engine's built-in BuildKit cannot resolve a build without running it",
    ],
    [
      'a fan-out entry',
      state({ options: { filters: { only: 'acme-iris' } } }),
      job(),
      'it is pushed by digest (several platforms, or a fan-out entry)',
    ],
    [
      'the docker driver on the classic store (no timestamp rewrite)',
      state({ builder: BUILDERS.dockerClassic }),
      job(),
      expect.stringContaining('') as unknown as string,
    ],
  ])('%s', (_name, s, j, why) => {
    expect(notEligible(s, j)).toEqual(why);
  });
});
