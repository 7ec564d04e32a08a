// The fan-out plan (issue 10): a publish target per image × variant with a build per platform, the matrix it
// gives, a plan file read back by a matrix job made on another day, and the argv of the push by digest and
// the index.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCommand, pushByDigestOutput } from '../../src/build/build-command.js';
import { loadConfig } from '../../src/config/load.js';
import { planToJson, planToMatrix } from '../../src/plan/format.js';
import { makePlan, targetOf } from '../../src/plan/plan.js';
import { applyPlanFile } from '../../src/plan/readback.js';
import { indexCommand } from '../../src/registry/image-index.js';
import { repositoriesOf } from '../../src/registry/push-by-digest.js';
import { BUILDERS, gitContext } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fanout-'));
  mkdirSync(path.join(dir, '.git'));
  for (const f of ['Dockerfile', 'Dockerfile.cuda']) writeFileSync(path.join(dir, f), 'FROM debian:bookworm\n');
  writeFileSync(
    path.join(dir, 'ml-image.yml'),
    `version: 1
images:
  - name: acme/iris
    platforms: [linux/amd64, linux/arm64]
    tags: ["type=semver,pattern={{version}}", "type=raw,value=nightly-{{date 'YYYYMMDD'}}"]
    variants:
      cpu: {}
      cuda12: { dockerfile: Dockerfile.cuda, gpu: true, runs-on: [self-hosted, gpu], platform-runs-on: { linux/arm64: [self-hosted, gpu, arm64] } }
  - name: acme/llm
    platforms: [linux/amd64, linux/arm64]
    platform-runs-on: { linux/arm64: arm-runner }
    variants:
      cpu: {}
      rocm: {}
push:
  registries: [ghcr.io/acme]
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const git = gitContext({
  sha: 'a'.repeat(40),
  ref: 'refs/tags/v1.2.3',
  eventName: 'push',
  repository: 'acme/ml',
  defaultBranch: 'main',
});
const plan = (date: string) =>
  makePlan(loadConfig(path.join(dir, 'ml-image.yml'), dir), git, { push: true, date: new Date(date) });

describe('the fan-out matrix', () => {
  it('2 images × 2 variants × 2 platforms: exactly these entries, arm64 and GPU builds on their runners', () => {
    expect(planToMatrix(plan('2026-11-26T10:00:00Z'))).toEqual({
      include: [
        {
          id: 'acme-iris-cpu-linux-amd64',
          image: 'acme/iris',
          variant: 'cpu',
          platform: 'linux/amd64',
          gpu: false,
          'runs-on': 'ubuntu-latest',
        },
        {
          id: 'acme-iris-cpu-linux-arm64',
          image: 'acme/iris',
          variant: 'cpu',
          platform: 'linux/arm64',
          gpu: false,
          'runs-on': 'ubuntu-24.04-arm',
        },
        {
          id: 'acme-iris-cuda12-linux-amd64',
          image: 'acme/iris',
          variant: 'cuda12',
          platform: 'linux/amd64',
          gpu: true,
          'runs-on': ['self-hosted', 'gpu'],
        },
        {
          id: 'acme-iris-cuda12-linux-arm64',
          image: 'acme/iris',
          variant: 'cuda12',
          platform: 'linux/arm64',
          gpu: true,
          'runs-on': ['self-hosted', 'gpu', 'arm64'],
        },
        {
          id: 'acme-llm-cpu-linux-amd64',
          image: 'acme/llm',
          variant: 'cpu',
          platform: 'linux/amd64',
          gpu: false,
          'runs-on': 'ubuntu-latest',
        },
        {
          id: 'acme-llm-cpu-linux-arm64',
          image: 'acme/llm',
          variant: 'cpu',
          platform: 'linux/arm64',
          gpu: false,
          'runs-on': 'arm-runner',
        },
        {
          id: 'acme-llm-rocm-linux-amd64',
          image: 'acme/llm',
          variant: 'rocm',
          platform: 'linux/amd64',
          gpu: false,
          'runs-on': 'ubuntu-latest',
        },
        {
          id: 'acme-llm-rocm-linux-arm64',
          image: 'acme/llm',
          variant: 'rocm',
          platform: 'linux/arm64',
          gpu: false,
          'runs-on': 'arm-runner',
        },
      ],
    });
  });

  it("a target's platform builds share its tags and references, each with its own local names, cache ref and SOURCE_DATE_EPOCH", () => {
    const jobs = plan('2026-11-26T10:00:00Z').jobs.filter((j) => targetOf(j) === 'acme-iris-cpu');
    expect(jobs.map((j) => j.id)).toEqual(['acme-iris-cpu-linux-amd64', 'acme-iris-cpu-linux-arm64']);
    // cpu is the default variant: no suffix, and latest (metadata-action's latest=auto on a semver tag).
    const refs = [
      'ghcr.io/acme/acme/iris:1.2.3',
      'ghcr.io/acme/acme/iris:nightly-20261126',
      'ghcr.io/acme/acme/iris:latest',
    ];
    expect(jobs.map((j) => j.pushRefs)).toEqual([refs, refs]);
    expect(jobs.map((j) => j.localRefs[0])).toEqual(['acme/iris:1.2.3-linux-amd64', 'acme/iris:1.2.3-linux-arm64']);
    expect(jobs.map((j) => j.build.cache.registry?.write)).toEqual([
      'ghcr.io/acme/acme/iris:buildcache-cpu-linux-amd64',
      'ghcr.io/acme/acme/iris:buildcache-cpu-linux-arm64',
    ]);
    expect(jobs.map((j) => j.build.sourceDateEpoch)).toEqual([1_795_687_200, 1_795_687_200]);
    expect(repositoriesOf(jobs[0])).toEqual(['ghcr.io/acme/acme/iris']);
  });
});

describe('a plan file read back by a matrix job', () => {
  it('every job built from it has the tags, labels and dates the plan job computed, even on another day', () => {
    const file = path.join(dir, 'plan.json');
    const made = plan('2026-11-26T23:59:00Z');
    writeFileSync(file, planToJson(made));
    const tomorrow = plan('2026-11-27T00:01:00Z');
    expect(tomorrow.jobs[0].tags).toEqual(['1.2.3', 'nightly-20261127', 'latest']);
    const readBack = applyPlanFile(tomorrow, file);
    for (const [i, job] of readBack.jobs.entries()) {
      expect([job.id, job.tags, job.pushRefs, job.localRefs, job.labels, job.build.sourceDateEpoch]).toEqual([
        made.jobs[i].id,
        made.jobs[i].tags,
        made.jobs[i].pushRefs,
        made.jobs[i].localRefs,
        made.jobs[i].labels,
        made.jobs[i].build.sourceDateEpoch,
      ]);
    }
    expect(readBack.jobs[0].tags).toEqual(['1.2.3', 'nightly-20261126', 'latest']);
    // One entry: only it is in the plan, still with the plan job's tags.
    const one = applyPlanFile(
      makePlan(loadConfig(path.join(dir, 'ml-image.yml'), dir), git, {
        push: true,
        date: new Date('2026-11-28T00:00:00Z'),
        filters: { only: 'acme-llm-rocm-linux-arm64' },
      }),
      file,
    );
    expect(one.jobs.map((j) => [j.id, j.tags])).toEqual([
      ['acme-llm-rocm-linux-arm64', ['v1.2.3-rocm', 'latest-rocm']],
    ]);
  });

  it('errors: an unknown entry, a file that is not a plan, an entry the plan lacks', () => {
    expect(() =>
      makePlan(loadConfig(path.join(dir, 'ml-image.yml'), dir), git, {
        push: true,
        date: new Date(),
        filters: { only: 'acme-nope' },
      }),
    ).toThrow(/^no matrix entry "acme-nope" in the plan \(entries: acme-iris-cpu-linux-amd64, /);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"jobs": []}');
    expect(() => applyPlanFile(plan('2026-11-26T10:00:00Z'), bad)).toThrow(
      `${bad}: not a version 1 plan file (write one with ml-image plan --format json)`,
    );
    const partial = path.join(dir, 'partial.json');
    const full = JSON.parse(planToJson(plan('2026-11-26T10:00:00Z'))) as { jobs: unknown[] };
    writeFileSync(partial, JSON.stringify({ ...full, jobs: full.jobs.slice(1) }));
    expect(() => applyPlanFile(plan('2026-11-26T10:00:00Z'), partial)).toThrow(
      `${partial}: the plan has no entry acme-iris-cpu-linux-amd64 (the config changed since the plan was made?)`,
    );
  });
});

describe('push by digest and the index, argv', () => {
  it('the tested build again: same build args plus SOURCE_DATE_EPOCH, cache imports only, pushed by digest to every repository', () => {
    const job = plan('2026-11-26T10:00:00Z').jobs[1];
    const cache = {
      args: [
        '--cache-from',
        'type=registry,ref=r/x:buildcache',
        '--cache-to',
        'type=registry,ref=r/x:buildcache,mode=max',
      ],
      buildArgs: {},
    };
    const args = buildCommand(job, BUILDERS.container, {
      iidFile: '/t/iid',
      cache,
      metadataFile: '/t/m.json',
      pushByDigest: ['ghcr.io/acme/acme/iris', 'docker.io/acme/iris'],
    }).args;
    expect(args).toContain('SOURCE_DATE_EPOCH=1795687200');
    expect(args.slice(args.indexOf('--platform'), args.indexOf('--platform') + 2)).toEqual([
      '--platform',
      'linux/arm64',
    ]);
    expect(args).not.toContain('--cache-to');
    expect(args).not.toContain('--load');
    expect(args).not.toContain('--tag');
    expect(args.slice(-3)).toEqual([
      '--output',
      // A reproducible image (the default): the layers get the commit's timestamps, as the tested build's did.
      'type=image,"name=ghcr.io/acme/acme/iris,docker.io/acme/iris",push-by-digest=true,name-canonical=true,push=true,oci-mediatypes=true,rewrite-timestamp=true',
      dir,
    ]);
    expect(pushByDigestOutput(['r/x'])).toBe('type=image,"name=r/x",push-by-digest=true,name-canonical=true,push=true');
  });

  it('imagetools create: every tag, every platform digest', () => {
    expect(indexCommand('ghcr.io/acme/iris', ['1.2.3', 'latest'], ['sha256:aa', 'sha256:bb'])).toEqual([
      'buildx',
      'imagetools',
      'create',
      '--tag',
      'ghcr.io/acme/iris:1.2.3',
      '--tag',
      'ghcr.io/acme/iris:latest',
      'ghcr.io/acme/iris@sha256:aa',
      'ghcr.io/acme/iris@sha256:bb',
    ]);
  });
});
