// Registries for real (issue 8): the engine pushes through a fault-injecting loopback proxy in front of the
// plain and the TLS + basic-auth registries (test/support/fault-proxy.ts), which also counts the layer bytes
// uploaded. Transient faults are retried within a bound, past it the failure names the registry and what
// did and did not land; a second tag or repository uploads no layer again; immutable release tags.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildTestPush, PipelineFailure, type BuildOptions } from '../../src/commands/build-test-push.js';
import { RegistryClient } from '../../src/registry/client.js';
import type { PipelineResult } from '../../src/report/result.js';
import { MemoryLogger } from '../../src/log/log.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import {
  authDirsLeft,
  imageTags,
  inspectRemote,
  layersOf,
  ownRegistries,
  remoteTags,
  removeScratch,
  ROOT,
  scratchDir,
  spawnAsync,
  testEnv,
  TINY,
  uid,
  writeFile,
} from './harness.js';

const CLI = path.join(ROOT, 'dist/cli/index.js');

jest.setTimeout(300_000);

const env = testEnv();
// Layer bytes are counted at the proxy: registries of this file's own, which no earlier push has seen.
ownRegistries();
let dir: string;
let plain: FaultProxy;
let auth: FaultProxy;

beforeAll(async () => {
  dir = scratchDir();
  plain = await startFaultProxy({ upstream: env.registry, stallMs: 2_000 });
  auth = await startFaultProxy({
    upstream: env.authRegistry,
    ca: readFileSync(path.join(env.authCertDir, 'ca.crt'), 'utf8'),
  });
});
afterAll(async () => {
  await plain.close();
  await auth.close();
  removeScratch(dir);
});

function config(
  name: string,
  registries: string[],
  tags: string[],
  more: { buildArgs?: Record<string, string>; push?: string; image?: string } = {},
): string {
  const args = { BASE_IMAGE: env.baseImage, ...more.buildArgs };
  return writeFile(
    dir,
    `${uid()}.yml`,
    `version: 1
images:
  - name: ${name}
    context: ${path.relative(dir, TINY)}
    build-args: { ${Object.entries(args)
      .map(([k, v]) => `${k}: "${v}"`)
      .join(', ')} }
    tags: [${tags.map((t) => JSON.stringify(t)).join(', ')}]
${more.image ?? ''}    smoke-test:
      commands:
        - { name: python, run: [python3, -c, "print('ok')"], expect-output: ["^ok$"] }
push:
  registries: [${registries.join(', ')}]
${more.push ?? ''}`,
  );
}

const FAST_RETRY = { attempts: 3, baseMs: 200, maxMs: 1_000 };
const authCredential = () => [{ registry: auth.address, username: env.authUser, password: env.authPassword }];

interface Run {
  log: MemoryLogger;
  text: string;
  result: PipelineResult;
  error?: PipelineFailure;
}

async function run(file: string, over: Partial<BuildOptions> = {}): Promise<Run> {
  const log = new MemoryLogger();
  const options: BuildOptions = {
    config: file,
    cwd: dir,
    env: { ...process.env, GITHUB_ACTIONS: '' },
    push: true,
    log,
    docker: env.docker,
    retry: FAST_RETRY,
    ...over,
  };
  try {
    const result = await buildTestPush(options);
    return { log, text: log.lines.join('\n'), result };
  } catch (err: unknown) {
    if (!(err instanceof PipelineFailure)) throw err;
    return { log, text: log.lines.join('\n'), result: err.result, error: err };
  }
}

/** Bytes of the image's layers uploaded through a proxy, and the most upload sessions any one layer had. */
function layerUploads(proxy: FaultProxy, layers: readonly string[]): { bytes: number; maxSessions: number } {
  const blobs = proxy.uploadedBlobs();
  const mine = layers.map((l) => blobs.get(l) ?? { bytes: 0, sessions: 0 });
  return { bytes: mine.reduce((n, b) => n + b.bytes, 0), maxSessions: Math.max(0, ...mine.map((b) => b.sessions)) };
}

describe('layer bytes, counted at the proxy', () => {
  it('a second tag and a second repository on the same registry upload 0 layer bytes', async () => {
    const name = `it/bytes-${uid()}`;
    plain.reset();
    const first = await run(config(name, [`${plain.address}/a`], ['latest']));
    expect(first.error).toBeUndefined();
    const layers = layersOf(`${env.registry}/a/${name}:latest`);
    expect(layerUploads(plain, layers).bytes).toBeGreaterThan(1_000_000);

    plain.reset();
    const second = await run(config(name, [`${plain.address}/a`, `${plain.address}/b`], ['latest', 'v2']));
    expect(second.error).toBeUndefined();
    expect(second.result.images[0].pushed.map((p) => p.ref)).toEqual([
      `${plain.address}/a/${name}:latest`,
      `${plain.address}/a/${name}:v2`,
      `${plain.address}/b/${name}:latest`,
      `${plain.address}/b/${name}:v2`,
    ]);
    expect(layersOf(`${env.registry}/b/${name}:v2`)).toEqual(layers);
    expect(layerUploads(plain, layers).bytes).toBe(0);
    // The second repository got its layers by a cross-repository mount, not an upload.
    expect(
      plain.requests.filter((r) => r.method === 'POST' && r.path.includes(`/v2/b/${name}/blobs/uploads/?mount=`))
        .length,
    ).toBeGreaterThan(0);
  });

  it('two registries in one run, one with a login: each layer is uploaded once to each, every tag lands with the digest the registry reports, no credential is left', async () => {
    const name = `it/two-${uid()}`;
    plain.reset();
    auth.reset();
    const r = await run(config(name, [plain.address, auth.address], ['latest', '1.0.0']), {
      credentials: authCredential(),
    });
    expect(r.error).toBeUndefined();
    const layers = layersOf(`${env.registry}/${name}:latest`);
    for (const proxy of [plain, auth]) {
      const up = layerUploads(proxy, layers);
      expect(up.bytes).toBeGreaterThan(1_000_000);
      expect(up.maxSessions).toBe(1);
    }
    for (const p of r.result.images[0].pushed) {
      const direct = p.ref.replace(plain.address, env.registry).replace(auth.address, env.authRegistry);
      expect(inspectRemote(direct).digest).toBe(p.digest);
    }
    expect(r.result.images[0].pushed).toHaveLength(4);
    // The registry client (immutable tags) reads the TLS + basic-auth registry as the engine does: the CA
    // from the engine's certs.d, the credentials on its challenge; without them the registry refuses.
    const direct = `${env.authRegistry}/${name}:1.0.0`;
    const client = new RegistryClient({
      credentialsFor: async (host) =>
        host === env.authRegistry ? { username: env.authUser, password: env.authPassword } : undefined,
    });
    const seen = await client.inspect(direct);
    expect(seen?.digest).toBe(inspectRemote(direct).digest);
    expect(seen?.labels['org.opencontainers.image.title']).toBe(name.split('/').pop());
    expect(await client.inspect(`${env.authRegistry}/${name}:nope`)).toBeUndefined();
    await expect(new RegistryClient().inspect(direct)).rejects.toThrow(
      `${env.authRegistry}: reading ${name}:1.0.0 answered HTTP 401`,
    );
    expect(authDirsLeft()).toEqual([]);
    expect(r.text).not.toContain(env.authPassword);
  });
});

describe("the caller's own logins", () => {
  it("a login made before the run (docker/login-action) keeps working next to this run's own, for the push and the registry cache; it is left as it was", async () => {
    const name = `it/ambient-${uid()}`;
    const userConfig = mkdtempSync(path.join(os.tmpdir(), 'user-docker-'));
    try {
      execFileSync(
        env.docker,
        ['--config', userConfig, 'login', env.authRegistry, '--username', env.authUser, '--password-stdin'],
        { input: env.authPassword },
      );
      const before = readFileSync(path.join(userConfig, 'config.json'), 'utf8');
      // The first registry (where the layer cache goes) has only the caller's login; the second only this run's.
      const file = config(name, [env.authRegistry, auth.address], ['latest']);
      // Not spawnSync: the proxy answering the engine lives in this process.
      const r = await spawnAsync(process.execPath, [CLI, 'build', '-c', file, '--push', '--docker', env.docker], {
        cwd: ROOT,
        env: {
          ...process.env,
          GITHUB_ACTIONS: '',
          DOCKER_CONFIG: userConfig,
          ML_IMAGE_REGISTRY_AUTH: `- registry: ${auth.address}\n  username: ${env.authUser}\n  password: ${env.authPassword}\n`,
        },
      });
      expect(r.stderr).not.toContain(env.authPassword);
      if (r.status !== 0) console.log(r.stderr.slice(-3000));
      expect(r.status).toBe(0);
      // The registry cache, the image, its build key and its test record (the referrers fallback tag).
      expect(remoteTags(`${env.authRegistry}/${name}`)).toEqual([
        'buildcache',
        'latest',
        expect.stringMatching(/^mlimage-key-[a-f0-9]{64}$/),
        expect.stringMatching(/^sha256-[a-f0-9]{64}$/),
      ]);
      expect(readFileSync(path.join(userConfig, 'config.json'), 'utf8')).toBe(before);
      expect(authDirsLeft()).toEqual([]);
    } finally {
      rmSync(userConfig, { recursive: true, force: true });
    }
  });
});

describe('transient faults are retried within a bound', () => {
  it('login: a 502 and a reset connection, then it logs in', async () => {
    const name = `it/flaky-login-${uid()}`;
    auth.reset();
    auth.failNext('502', 1, 'ping');
    auth.failNext('reset', 1, 'ping');
    const r = await run(config(name, [auth.address], ['latest']), { credentials: authCredential() });
    expect(r.error).toBeUndefined();
    expect(r.text).toMatch(new RegExp(`login to ${auth.address} failed \\(attempt 1/3: .*\\); retrying in 0\\.2s`));
    // The engine may spend both faults on one login (its own fallback after the 502), so at least one retry.
    expect(auth.requests.filter((q) => typeof q.outcome === 'string').map((q) => q.outcome)).toEqual(['502', 'reset']);
    expect(imageTags(`${env.authRegistry}/${name}`)).toEqual(['latest']);
  });

  it('push: 502s, a reset upload and a stalled manifest, then every tag lands', async () => {
    const name = `it/flaky-push-${uid()}`;
    plain.reset();
    plain.failNext('502', 2, 'manifest-put', /\/manifests\/latest$/);
    plain.failNext('reset', 1, 'blob-upload');
    plain.failNext('stall', 1, 'manifest-put', /\/manifests\/v2$/);
    const r = await run(config(name, [plain.address], ['latest', 'v2']));
    expect(r.error).toBeUndefined();
    expect(r.text).toMatch(
      new RegExp(`push of ${plain.address}/${name}:latest failed \\(attempt 1/3: .*\\); retrying in 0\\.2s`),
    );
    expect(
      plain.requests
        .filter((q) => typeof q.outcome === 'string')
        .map((q) => q.outcome)
        .sort(),
    ).toEqual(['502', '502', 'reset', 'stall']);
    expect(imageTags(`${env.registry}/${name}`)).toEqual(['latest', 'v2']);
  });

  it('past the bound: fails naming the registry, what landed (with its digest) and what did not', async () => {
    const name = `it/down-${uid()}`;
    plain.reset();
    plain.failNext('502', 99, 'manifest-put', /\/manifests\/v2$/);
    const r = await run(config(name, [plain.address], ['latest', 'v2']));
    const landed = r.result.images[0].pushed;
    expect(landed.map((p) => p.ref)).toEqual([`${plain.address}/${name}:latest`]);
    expect(r.error?.message).toMatch(
      new RegExp(
        `^push to ${plain.address} failed after 3 attempts: .*502.*; landed: ${plain.address}/${name}:latest@${landed[0].digest}; not pushed: ${plain.address}/${name}:v2$`,
        's',
      ),
    );
    expect(imageTags(`${env.registry}/${name}`)).toEqual(['latest']);
    expect(inspectRemote(`${env.registry}/${name}:latest`).digest).toBe(landed[0].digest);
  });
});

describe('push.immutable-tags', () => {
  const tagRun = (sha: string): NodeJS.ProcessEnv => ({
    ...process.env,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/tags/v1.2.3',
    GITHUB_SHA: sha,
    GITHUB_REPOSITORY: 'acme/models',
    GITHUB_EVENT_PATH: writeFile(dir, `event-${uid()}.json`, '{}'),
    ACTIONS_RUNTIME_TOKEN: '',
  });
  const A = 'a'.repeat(40);
  const B = 'b'.repeat(40);

  it('a re-run with the same image keeps the release tag; other content or another commit is refused before anything is pushed', async () => {
    const name = `it/release-${uid()}`;
    const tags = ['type=semver,pattern={{version}}', 'type=raw,value=latest'];
    const file = config(name, [plain.address], tags, { push: '  immutable-tags: true\n' });
    const release = `${env.registry}/${name}:1.2.3`;

    const first = await run(file, { env: tagRun(A) });
    expect(first.error).toBeUndefined();
    const released = inspectRemote(release).digest;
    expect(first.result.images[0].pushed.map((p) => p.ref)).toEqual([
      `${plain.address}/${name}:1.2.3`,
      `${plain.address}/${name}:latest`,
    ]);

    // The same commit again (a re-run): rebuilt from cache, same layers and config but for the build time.
    const again = await run(file, { env: tagRun(A) });
    expect(again.error).toBeUndefined();
    expect(again.text).toContain(
      `${plain.address}/${name}:1.2.3 exists (${released}, built from aaaaaaaaaaaa): it is kept unless the new image has the same layers`,
    );
    expect(again.text).toContain(
      `kept ${plain.address}/${name}:1.2.3@${released}: the release tag exists with the same layers (push.immutable-tags)`,
    );
    expect(again.result.images[0].pushed[0]).toEqual({
      ref: `${plain.address}/${name}:1.2.3`,
      digest: released,
      kept: true,
    });
    expect(inspectRemote(release).digest).toBe(released);
    const latest = inspectRemote(`${env.registry}/${name}:latest`).digest;

    // The same commit, other content: a label more (no new layer), or another ANSWER (a step after it runs
    // again, so a new layer): each refused before pushing.
    const relabelled = await run(
      config(name, [plain.address], tags, { push: '  immutable-tags: true\n', image: '    labels: { team: ml }\n' }),
      { env: tagRun(A) },
    );
    expect(relabelled.error?.message).toBe(
      `push.immutable-tags: ${plain.address}/${name}:1.2.3 (${released}) differs from the tested ${name} (other Labels): a release tag is not moved to other content. Nothing was pushed; release under a new version.`,
    );
    const changed = await run(
      config(name, [plain.address], tags, { push: '  immutable-tags: true\n', buildArgs: { ANSWER: 'virginica' } }),
      { env: tagRun(A) },
    );
    // Reproducible layers: the steps after ANSWER write the same bytes again, so the Env is what differs;
    // one run on this machine still reported other layers (a step rebuilt with other bytes). Either way
    // the release tag is refused.
    // (Image names here are letters, digits, - and /: nothing a regular expression reads specially.)
    expect(changed.error?.message).toMatch(new RegExp(`differs from the tested ${name} \\(other (layers|Env)\\)`));
    expect(relabelled.result.images[0].pushed).toEqual([]);
    expect(changed.result.images[0].pushed).toEqual([]);
    expect([inspectRemote(release).digest, inspectRemote(`${env.registry}/${name}:latest`).digest]).toEqual([
      released,
      latest,
    ]);

    // Another commit: refused before building.
    const other = await run(file, { env: tagRun(B) });
    expect(other.error?.message).toBe(
      `push.immutable-tags: release tag already in the registry from another commit: ${plain.address}/${name}:1.2.3 (${released}, built from aaaaaaaaaaaa; this run is bbbbbbbbbbbb). Nothing was built or pushed; release under a new version.`,
    );
    expect(other.text).not.toContain('▶ Build');
    expect(inspectRemote(`${env.registry}/${name}:latest`).digest).toBe(latest);
  });
});
