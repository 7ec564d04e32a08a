// Pure parts of issue 8's registry work: references as the docker CLI reads them, which tags are releases,
// the immutable-tags decisions, and the private docker config seeded from the caller's.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseRef, type RemoteImage } from '../../src/registry/client.js';
import { configCredentials, seedPrivateConfig } from '../../src/registry/docker-config.js';
import { checkReleasesBeforeBuild, decideReleases, isReleaseTag } from '../../src/registry/immutable.js';
import { repositoryIn, type BuildJob, type Plan } from '../../src/plan/plan.js';
import type { Exec } from '../../src/process/exec.js';
import { MemoryLogger } from '../../src/log/log.js';

describe('parseRef', () => {
  it.each([
    ['127.0.0.1:5000/acme/iris:1.0', { apiHost: '127.0.0.1:5000', repository: 'acme/iris', reference: '1.0' }],
    ['ghcr.io/acme/iris', { apiHost: 'ghcr.io', repository: 'acme/iris', reference: 'latest' }],
    [
      'localhost/iris@sha256:' + 'a'.repeat(64),
      { apiHost: 'localhost', repository: 'iris', reference: 'sha256:' + 'a'.repeat(64) },
    ],
    ['docker.io/acme/iris:2', { apiHost: 'registry-1.docker.io', repository: 'acme/iris', reference: '2' }],
    ['index.docker.io/iris:2', { apiHost: 'registry-1.docker.io', repository: 'library/iris', reference: '2' }],
    ['acme/iris:3', { apiHost: 'registry-1.docker.io', repository: 'acme/iris', reference: '3' }],
    ['[::1]:5000/iris:x', { apiHost: '[::1]:5000', repository: 'iris', reference: 'x' }],
  ])('%s', (ref, want) => expect(parseRef(ref)).toEqual(want));
});

describe('repositoryIn', () => {
  it.each([
    ['docker.io', 'iris', 'docker.io/library/iris'],
    ['docker.io', 'acme/iris', 'docker.io/acme/iris'],
    ['docker.io/acme', 'iris', 'docker.io/acme/iris'],
    ['ghcr.io/acme', 'iris', 'ghcr.io/acme/iris'],
    ['127.0.0.1:5000', 'iris', '127.0.0.1:5000/iris'],
  ])('%s + %s → %s', (registry, name, want) => expect(repositoryIn(registry, name)).toBe(want));
});

describe('isReleaseTag', () => {
  it.each(['1.2.3', 'v1.2.3', '1.2.3-rc.1', '2.0.0-cuda12', '1.2.3.post1', '1.2.3rc1', '10.20.30+build.5'])(
    '%s is a release',
    (t) => expect(isReleaseTag(t)).toBe(true),
  );
  it.each(['latest', 'main', 'edge', '1', '1.2', 'v1.2', 'sha-0123abc', 'pr-12', '1.2-cuda12', 'nightly-2026.11.26'])(
    '%s moves',
    (t) => expect(isReleaseTag(t)).toBe(false),
  );
});

const RUN = {
  Env: ['PATH=/usr/bin', 'PORT=8080'],
  Cmd: ['python3', '/app/server.py'],
  Labels: {
    'org.opencontainers.image.created': '2026-11-01T00:00:00Z',
    'org.opencontainers.image.revision': 'b'.repeat(40),
  },
};
const remote = (over: Partial<RemoteImage> = {}): RemoteImage => ({
  digest: 'sha256:' + '1'.repeat(64),
  configDigest: 'sha256:c',
  layers: [],
  diffIds: ['sha256:l1', 'sha256:l2'],
  labels: {},
  runConfig: RUN,
  ...over,
});
const job = (over: Partial<BuildJob> = {}): BuildJob =>
  ({
    id: 'iris',
    image: 'acme/iris',
    variant: '',
    pushRefs: ['r.example/acme/iris:1.2.3', 'r.example/acme/iris:latest'],
    labels: { 'org.opencontainers.image.revision': 'b'.repeat(40) },
    ...over,
  }) as BuildJob;
const plan = (jobs: BuildJob[]): Plan => ({
  configFile: 'c.yml',
  root: '/',
  jobs,
  registries: ['r.example'],
  push: true,
  immutableTags: true,
  secretBuildArgs: 'warn',
});

describe('checkReleasesBeforeBuild', () => {
  it('asks only about release tags; an absent one is fine', async () => {
    const asked: string[] = [];
    const got = await checkReleasesBeforeBuild(
      plan([job()]),
      async (ref) => (asked.push(ref), undefined),
      new MemoryLogger(),
    );
    expect([asked, got]).toEqual([['r.example/acme/iris:1.2.3'], []]);
  });

  it('refuses, before building, a release tag built from another commit, naming every one', async () => {
    const other = remote({ labels: { 'org.opencontainers.image.revision': 'a'.repeat(40) } });
    await expect(
      checkReleasesBeforeBuild(
        plan([job(), job({ id: 'x', pushRefs: ['r.example/acme/x:v2.0.0'] })]),
        async () => other,
        new MemoryLogger(),
      ),
    ).rejects.toThrow(
      `push.immutable-tags: release tags already in the registry from another commit: r.example/acme/iris:1.2.3 (sha256:${'1'.repeat(64)}, built from aaaaaaaaaaaa; this run is bbbbbbbbbbbb); r.example/acme/x:v2.0.0 (sha256:${'1'.repeat(64)}, built from aaaaaaaaaaaa; this run is bbbbbbbbbbbb). Nothing was built or pushed; release under a new version.`,
    );
  });

  it('keeps one from the same commit (or without a revision label) for the comparison before pushing', async () => {
    const same = remote({ labels: { 'org.opencontainers.image.revision': 'b'.repeat(40) } });
    const got = await checkReleasesBeforeBuild(plan([job()]), async () => same, new MemoryLogger());
    expect(got).toEqual([{ jobId: 'iris', ref: 'r.example/acme/iris:1.2.3', remote: same }]);
    expect(await checkReleasesBeforeBuild(plan([job()]), async () => remote(), new MemoryLogger())).toHaveLength(1);
  });
});

describe('decideReleases', () => {
  const existing = [{ jobId: 'iris', ref: 'r.example/acme/iris:1.2.3', remote: remote() }];
  const local = (over: Partial<{ diffIds: string[]; runConfig: Record<string, unknown> }> = {}) =>
    new Map([['iris', { diffIds: ['sha256:l1', 'sha256:l2'], runConfig: RUN, ...over }]]);
  it('the same layers and run config: the tag is kept as it is, whatever the build time', () => {
    const rebuilt = {
      ...RUN,
      Labels: { ...RUN.Labels, 'org.opencontainers.image.created': '2026-11-26T10:00:00Z' },
      Volumes: null,
      Entrypoint: [],
    };
    expect(decideReleases(existing, [job()], local({ runConfig: rebuilt })).keep).toEqual(
      new Map([['r.example/acme/iris:1.2.3', 'sha256:' + '1'.repeat(64)]]),
    );
  });
  it.each([
    ['another layer', { diffIds: ['sha256:l1', 'sha256:l3'] }, 'other layers'],
    ['one more layer', { diffIds: ['sha256:l1', 'sha256:l2', 'sha256:l3'] }, 'other layers'],
    ['no layers known', { diffIds: [] }, 'the tested image has no layers listed'],
    ['another env', { runConfig: { ...RUN, Env: ['PATH=/usr/bin', 'PORT=9090'] } }, 'other Env'],
    ['another command and user', { runConfig: { ...RUN, Cmd: ['serve'], User: 'app' } }, 'other Cmd, User'],
  ])('%s: the push is refused', (_, over, why) => {
    expect(() => decideReleases(existing, [job()], local(over))).toThrow(
      `push.immutable-tags: r.example/acme/iris:1.2.3 (sha256:${'1'.repeat(64)}) differs from the tested acme/iris (${why}): a release tag is not moved to other content. Nothing was pushed; release under a new version.`,
    );
  });
});

describe("the caller's docker config", () => {
  const scriptedExec =
    (answers: Record<string, string>): Exec =>
    async (file, args, o) => {
      const out = answers[`${file} ${o?.input ?? ''}`];
      return { file, args, exitCode: out === undefined ? 1 : 0, stdout: out ?? '', stderr: '', timedOut: false };
    };

  it('seeds the private one: other logins and settings kept, the hosts logged in to cleared and kept out of helpers', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'dockercfg-'));
    const priv = mkdtempSync(path.join(os.tmpdir(), 'dockercfg-priv-'));
    try {
      const auth = (u: string) => Buffer.from(`${u}:pw`).toString('base64');
      writeFileSync(
        path.join(home, 'config.json'),
        JSON.stringify({
          auths: {
            'ghcr.io': { auth: auth('gh') },
            '127.0.0.1:5443': { auth: auth('old') },
            'https://index.docker.io/v1/': { auth: auth('hub') },
          },
          credHelpers: { '123.dkr.ecr.us-east-1.amazonaws.com': 'ecr-login' },
          credsStore: 'pass',
          proxies: { default: { httpProxy: 'http://p' } },
        }),
      );
      await seedPrivateConfig(priv, { DOCKER_CONFIG: home }, ['127.0.0.1:5443', 'docker.io']);
      const seeded = JSON.parse(readFileSync(path.join(priv, 'config.json'), 'utf8')) as Record<
        string,
        Record<string, unknown>
      >;
      expect(Object.keys(seeded.auths)).toEqual(['ghcr.io']);
      expect(seeded.credHelpers).toEqual({
        '123.dkr.ecr.us-east-1.amazonaws.com': 'ecr-login',
        '127.0.0.1:5443': '',
        'https://127.0.0.1:5443': '',
        'https://index.docker.io/v1/': '',
        'index.docker.io': '',
        'docker.io': '',
      });
      expect([seeded.credsStore, seeded.proxies]).toEqual(['pass', { default: { httpProxy: 'http://p' } }]);

      const r = scriptedExec({
        'docker-credential-ecr-login 123.dkr.ecr.us-east-1.amazonaws.com': '{"Username":"AWS","Secret":"tok"}',
        'docker-credential-pass quay.io': '{"Username":"q","Secret":"s"}',
      });
      expect(await configCredentials(home, 'ghcr.io', r)).toEqual({ username: 'gh', password: 'pw' });
      expect(await configCredentials(home, 'docker.io', r)).toEqual({ username: 'hub', password: 'pw' });
      expect(await configCredentials(home, '123.dkr.ecr.us-east-1.amazonaws.com', r)).toEqual({
        username: 'AWS',
        password: 'tok',
      });
      expect(await configCredentials(home, 'quay.io', r)).toEqual({ username: 'q', password: 's' });
      expect(await configCredentials(priv, '127.0.0.1:5443', r)).toBeUndefined();
    } finally {
      rmSync(home, { recursive: true, force: true });
      rmSync(priv, { recursive: true, force: true });
    }
  });
});
