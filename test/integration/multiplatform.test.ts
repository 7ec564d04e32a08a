// Beyond one runner (issue 10), through the CLI on the real engine: a two-platform image (linux/arm64 built
// and smoke-tested under QEMU from an arm64 debootstrap base) pushed as one index; a fan-out whose matrix
// entries push by digest from a read-back plan on another day and are merged (twice: the same index); and a
// failed entry that blocks the merge by name.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ActionRunner } from './action-runner.js';
import { imageTags, removeScratch, ROOT, scratchDir, testEnv, TINY, uid, writeFile } from './harness.js';

jest.setTimeout(600_000);

const env = testEnv();
const CLI = path.join(ROOT, 'dist/cli/index.js');
const PLATFORMS = ['linux/amd64', 'linux/arm64'];
let dir: string;

beforeAll(() => {
  dir = scratchDir();
});
afterAll(() => removeScratch(dir));

function config(name: string, expectArch = '^(x86_64|aarch64)$'): string {
  return writeFile(
    dir,
    `${uid()}.yml`,
    `version: 1
images:
  - name: ${name}
    context: ${path.relative(dir, TINY)}
    build-args: { BASE_IMAGE: "${env.multiBaseImage}" }
    platforms: [${PLATFORMS.join(', ')}]
    tags: [latest, "type=raw,value=nightly-{{date 'YYYYMMDD'}}"]
    smoke-test:
      commands:
        - { name: arch, run: [python3, -c, "import platform; print(platform.machine())"], expect-output: ["${expectArch}"] }
push:
  registries: [${env.registry}]
`,
  );
}

function cli(args: string[], extraEnv: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args, ...(args[0] === 'plan' ? [] : ['--docker', env.docker])], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      GITHUB_ACTIONS: '',
      ML_IMAGE_BUILDKIT_IMAGE: env.buildkitImage,
      ML_IMAGE_BUILDKITD_CONFIG: env.buildkitdConfig,
      ...extraEnv,
    },
  });
}

interface Index {
  manifests: { digest: string; platform: { os: string; architecture: string } }[];
}
const rawIndex = (ref: string): Index =>
  JSON.parse(
    execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], { encoding: 'utf8' }),
  ) as Index;
const platformsOf = (ref: string): string[] =>
  rawIndex(ref)
    .manifests.filter((m) => m.platform.os !== 'unknown')
    .map((m) => `${m.platform.os}/${m.platform.architecture}`)
    .sort();
const remoteDiffIds = (ref: string, arch: string): string[] =>
  (
    JSON.parse(
      execFileSync(
        'skopeo',
        ['inspect', '--config', '--tls-verify=false', '--override-arch', arch, `docker://${ref}`],
        { encoding: 'utf8' },
      ),
    ) as { rootfs: { diff_ids: string[] } }
  ).rootfs.diff_ids;
const localDiffIds = (ref: string): string[] =>
  JSON.parse(
    execFileSync(env.docker, ['image', 'inspect', '--format', '{{json .RootFS.Layers}}', ref], { encoding: 'utf8' }),
  ) as string[];
const day = (epoch: number) => new Date(epoch * 1000).toISOString().slice(0, 10).replace(/-/g, '');

describe('two platforms in one job', () => {
  it('builds and smoke-tests linux/amd64 and linux/arm64 (QEMU), pushes one index under every tag, each platform the tested image', () => {
    const name = `it/mp-${uid()}`;
    const r = cli(['build', '-c', config(name), '--push']);
    expect(r.stderr).toContain('linux/arm64 runs under QEMU emulation on this linux/amd64 runner');
    expect(r.status).toBe(0);
    const tags = imageTags(`${env.registry}/${name}`);
    expect(tags).toHaveLength(2);
    const digests = new Set(
      tags.map(
        (t) =>
          rawIndex(`${env.registry}/${name}:${t}`) &&
          execFileSync(
            'skopeo',
            ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${env.registry}/${name}:${t}`],
            { encoding: 'utf8' },
          ).trim(),
      ),
    );
    expect(digests.size).toBe(1);
    expect(platformsOf(`${env.registry}/${name}:latest`)).toEqual(PLATFORMS);
    for (const [p, arch] of [
      ['linux-amd64', 'amd64'],
      ['linux-arm64', 'arm64'],
    ] as const) {
      expect(remoteDiffIds(`${env.registry}/${name}:latest`, arch)).toEqual(localDiffIds(`${name}:latest-${p}`));
    }
  });
});

describe('fan-out: plan → matrix entries pushed by digest → merge', () => {
  it('entries built from the read-back plan on another day push by digest; merge tags the index with the plan day, twice the same', () => {
    const name = `it/fan-${uid()}`;
    const file = config(name);
    const planDay = 1_795_600_000; // 2026-11-25
    const plan = cli(['plan', '-c', file, '--format', 'json', '--push'], { SOURCE_DATE_EPOCH: String(planDay) });
    expect(plan.status).toBe(0);
    const planFile = writeFile(dir, `${uid()}-plan.json`, plan.stdout);
    const entries = (JSON.parse(plan.stdout) as { jobs: { id: string }[] }).jobs.map((j) => j.id);
    expect(entries).toEqual([
      `${name.replace(/[^a-z0-9]+/g, '-')}-linux-amd64`,
      `${name.replace(/[^a-z0-9]+/g, '-')}-linux-arm64`,
    ]);
    const digestsDir = path.join(dir, `digests-${uid()}`);
    for (const entry of entries) {
      // A matrix job a day later: the tags still come from the plan.
      const r = cli(['build', '-c', file, '--plan', planFile, '--only', entry, '--push', '--digests-dir', digestsDir], {
        SOURCE_DATE_EPOCH: String(planDay + 86_400),
      });
      expect(r.status).toBe(0);
      expect(existsSync(path.join(digestsDir, `${entry}.json`))).toBe(true);
    }
    // Pushed by digest: no tag yet.
    expect(imageTags(`${env.registry}/${name}`)).toEqual([]);

    const refsFile = path.join(dir, `${uid()}-refs.json`);
    const first = cli(['merge', '-c', file, '--plan', planFile, '--digests', digestsDir, '--output-refs', refsFile]);
    expect(first.status).toBe(0);
    const tag = `nightly-${day(planDay)}`;
    expect(imageTags(`${env.registry}/${name}`)).toEqual(['latest', tag].sort());
    expect(platformsOf(`${env.registry}/${name}:${tag}`)).toEqual(PLATFORMS);
    const refs = JSON.parse(readFileSync(refsFile, 'utf8')) as { images: { platform: string; refs: string[] }[] };
    expect(refs.images.map((i) => i.platform)).toEqual(PLATFORMS);
    expect(refs.images.every((i) => i.refs.every((x) => /@sha256:[a-f0-9]{64}$/.test(x)))).toBe(true);

    const again = cli(['merge', '-c', file, '--plan', planFile, '--digests', digestsDir]);
    expect(again.status).toBe(0);
    expect(again.stdout).toBe(first.stdout);
  });

  it('a failed entry writes no digest and blocks the merge, by name; nothing is tagged', () => {
    const name = `it/fanfail-${uid()}`;
    const file = config(name, '^x86_64$');
    const plan = cli(['plan', '-c', file, '--format', 'json', '--push']);
    const planFile = writeFile(dir, `${uid()}-plan.json`, plan.stdout);
    const [amd64, arm64] = (JSON.parse(plan.stdout) as { jobs: { id: string }[] }).jobs.map((j) => j.id);
    const digestsDir = path.join(dir, `digests-${uid()}`);
    expect(
      cli(['build', '-c', file, '--plan', planFile, '--only', amd64, '--push', '--digests-dir', digestsDir]).status,
    ).toBe(0);
    const failed = cli([
      'build',
      '-c',
      file,
      '--plan',
      planFile,
      '--only',
      arm64,
      '--push',
      '--digests-dir',
      digestsDir,
    ]);
    expect(failed.status).toBe(1);
    expect(readdirSync(digestsDir)).toEqual([`${amd64}.json`]);
    const merged = cli(['merge', '-c', file, '--plan', planFile, '--digests', digestsDir]);
    expect(merged.status).toBe(1);
    expect(merged.stderr).toContain(
      `error: cannot merge: no digest from ${arm64} (${name}, linux/arm64) — its build or smoke test failed or did not run. Nothing was tagged.`,
    );
    expect(imageTags(`${env.registry}/${name}`)).toEqual([]);
  });
});

describe('fan-out through the Action as GitHub runs it (Node 24)', () => {
  it('plan-only gives matrix and plan; each matrix job pushes its entry by digest; mode: merge tags the index', async () => {
    const name = `it/actfan-${uid()}`;
    const file = path.relative(ROOT, config(name));
    const digests = path.relative(ROOT, path.join(dir, `digests-${uid()}`));
    const step = () =>
      new ActionRunner({
        node: env.node24,
        workspace: ROOT,
        env: {
          ML_IMAGE_BUILDKIT_IMAGE: env.buildkitImage,
          ML_IMAGE_BUILDKITD_CONFIG: env.buildkitdConfig,
          ML_IMAGE_DOCKER: env.docker,
        },
      });
    const plan = await step().main({ config: file, 'plan-only': 'true' });
    expect(plan.status).toBe(0);
    const matrix = JSON.parse(plan.outputs.matrix) as {
      include: { id: string; platform: string; 'runs-on': string }[];
    };
    expect(matrix.include.map((e) => [e.platform, e['runs-on']])).toEqual([
      ['linux/amd64', 'ubuntu-latest'],
      ['linux/arm64', 'ubuntu-24.04-arm'],
    ]);
    for (const entry of matrix.include) {
      const r = await step().main({
        config: file,
        plan: plan.outputs.plan,
        only: entry.id,
        push: 'true',
        docker: env.docker,
        'digests-dir': digests,
      });
      expect(r.status).toBe(0);
      expect(r.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(existsSync(path.join(ROOT, digests, `${entry.id}.json`))).toBe(true);
    }
    const merged = await step().main({
      config: file,
      mode: 'merge',
      plan: plan.outputs.plan,
      docker: env.docker,
      'digests-dir': digests,
    });
    expect(merged.status).toBe(0);
    expect(merged.outputs.tags.split('\n').sort()).toEqual(
      [
        `${env.registry}/${name}:latest`,
        expect.stringMatching(new RegExp(`^${env.registry}/${name}:nightly-\\d{8}$`)),
      ].sort(),
    );
    expect(platformsOf(`${env.registry}/${name}:latest`)).toEqual(PLATFORMS);
    expect(merged.summary).toContain('## ml-image merge ✅');
  });
});
