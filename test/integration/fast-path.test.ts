// The no-change fast path (issue 19, part 3), through the bundled CLI the way a user runs it, with every
// registry request going through the fault proxy (test/support/fault-proxy.ts), which counts the bytes of
// each blob upload. A second run of an unchanged commit resolves its build key from the registry cache,
// finds the test record tagged with that key, and moves a new tag by manifest alone: no blob is uploaded and
// no container is created (the engine's own event log, for this run's label). Each thing that must not be
// proven takes the full path and says why: --retest, a tampered record (with a warning), a deleted record, a
// changed smoke-test spec, a changed source file, and a GPU variant whose record came from a CPU runner.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import {
  inspectRemote,
  remoteTags,
  removeScratch,
  ROOT,
  scratchDir,
  spawnAsync,
  testEnv,
  tinyCheckout,
  uid,
  writeFile,
  type TinyCheckout,
} from './harness.js';

const CLI = path.join(ROOT, 'dist/cli/index.js');
jest.setTimeout(600_000);
const env = testEnv();
const COMMIT_DATE = '2026-11-30T12:34:56Z';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const IN_TOTO = 'application/vnd.in-toto+json';

let repo: string;
let base: string;
let proxy: FaultProxy;
/** Where runs write their images output: outside the checkout, which is committed. */
let out: string;

let checkout: TinyCheckout;
const git = (...args: string[]): void => checkout.git(...args);

beforeAll(async () => {
  proxy = await startFaultProxy({ upstream: env.registry });
  // FROM from a registry, as on a runner: the probe and the build resolve one base digest.
  checkout = tinyCheckout('fast', COMMIT_DATE);
  repo = checkout.dir;
  base = checkout.base;
  out = scratchDir();
});
afterAll(async () => {
  await proxy.close();
  checkout.remove();
  removeScratch(out);
});

const SMOKE = `    smoke-test:
      commands:
        - { name: python, run: [python3, -c, "print('ok')"], expect-output: ["^ok$"] }
`;

/**
 * The checkout's ml-image.yml: one image of the tiny service pushed through the proxy; committed unless
 * `commit` is false (a commit is another revision label, so another image).
 */
function writeConfig(name: string, o: { tags: string[]; more?: string; commit?: boolean }): void {
  writeFile(
    repo,
    'ml-image.yml',
    `version: 1
images:
  - name: ${name}
    context: svc
    build-args: { BASE_IMAGE: "${base}" }
    tags: [${o.tags.join(', ')}]
    cache: { mounts: false }
${o.more ?? SMOKE}push:
  registries: [${proxy.address}]
`,
  );
  if (o.commit === false) return;
  git('add', '-A');
  git('commit', '-q', '--allow-empty', '-m', `config of ${name}`);
}

interface Run {
  log: string;
  /** Containers this run's label was on when the engine created them (docker events). */
  created: string[];
  /** The images output's `proven` of the one image, when the run took the fast path. */
  proven: { digest: string; 'build-key': string; record: string } | null;
}

/** One CLI run with --push, from a clean proxy count; its log, the containers it created, its proof. */
async function run(extra: string[] = []): Promise<Run> {
  proxy.reset();
  const imagesFile = path.join(out, `images-${uid()}.json`);
  const since = Math.floor(Date.now() / 1000) - 1;
  // Not spawnSync: the proxy answering the engine and the CLI lives in this process.
  const r = await spawnAsync(
    process.execPath,
    [CLI, 'build', '-c', 'ml-image.yml', '--push', '--docker', env.docker, '--images-file', imagesFile, ...extra],
    { cwd: repo, env: { ...process.env, GITHUB_ACTIONS: '' } },
  );
  const log = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0) throw new Error(`build failed (${r.status}):\n${log}`);
  const runId = /; run ([a-f0-9]+)\b/.exec(log)?.[1];
  if (!runId) throw new Error(`no run id in the log:\n${log}`);
  const until = Math.floor(Date.now() / 1000) + 1;
  const created = execFileSync(
    env.docker,
    [
      'events',
      ...['--since', String(since), '--until', String(until)],
      ...['--filter', 'type=container', '--filter', 'event=create'],
      ...['--filter', `label=io.github.ml-image.run=${runId}`, '--format', '{{.ID}}'],
    ],
    { encoding: 'utf8' },
  )
    .split('\n')
    .filter(Boolean);
  const images = JSON.parse(readFileSync(imagesFile, 'utf8')) as Record<string, { proven: Run['proven'] }>;
  return { log, created, proven: Object.values(images)[0].proven };
}

/** The registry's own view (not through the proxy) of a repository pushed through it. */
const direct = (name: string): string => `${env.registry}/${name}`;
const registryUrl = (name: string, rest: string): string => `http://${env.registry}/v2/${name}/${rest}`;

/** The key tag a run left in the repository: exactly one, whatever the key. */
function keyTagOf(name: string): string {
  const keys = remoteTags(direct(name)).filter((t) => t.startsWith('mlimage-key-'));
  expect(keys).toHaveLength(1);
  return keys[0];
}

/**
 * Rewrites the record under the key tag so that its statement names another subject than the image it is
 * attached to: the statement blob uploaded anew, the manifest pointing at it, put under the same tag.
 */
async function tamper(name: string, tag: string): Promise<void> {
  const got = await fetch(registryUrl(name, `manifests/${tag}`), { headers: { accept: OCI_MANIFEST } });
  const manifest = (await got.json()) as {
    subject: { digest: string };
    layers: { mediaType: string; digest: string; size: number }[];
  };
  const layer = manifest.layers.find((l) => l.mediaType === IN_TOTO)!;
  const statement = Buffer.from(await (await fetch(registryUrl(name, `blobs/${layer.digest}`))).arrayBuffer());
  const hex = manifest.subject.digest.slice('sha256:'.length);
  const forged = Buffer.from(statement.toString('utf8').replaceAll(hex, 'f'.repeat(64)));
  expect(forged.equals(statement)).toBe(false);
  const digest = `sha256:${createHash('sha256').update(forged).digest('hex')}`;
  const start = await fetch(registryUrl(name, 'blobs/uploads/'), { method: 'POST' });
  const location = new URL(start.headers.get('location')!, `http://${env.registry}`);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    body: forged,
    headers: { 'content-type': 'application/octet-stream' },
  });
  expect(put.status).toBe(201);
  Object.assign(layer, { digest, size: forged.length });
  const stored = await fetch(registryUrl(name, `manifests/${tag}`), {
    method: 'PUT',
    body: JSON.stringify(manifest),
    headers: { 'content-type': OCI_MANIFEST },
  });
  expect(stored.status).toBe(201);
}

/** The digest of the record manifest the key tag names. */
async function recordUnder(name: string, tag: string): Promise<string> {
  const head = await fetch(registryUrl(name, `manifests/${tag}`), {
    method: 'HEAD',
    headers: { accept: OCI_MANIFEST },
  });
  return head.headers.get('docker-content-digest')!;
}

/** Deletes the manifest the key tag names (and with it the tag), as a retention policy would. */
async function deleteRecord(name: string, tag: string): Promise<void> {
  const head = await fetch(registryUrl(name, `manifests/${tag}`), {
    method: 'HEAD',
    headers: { accept: OCI_MANIFEST },
  });
  const digest = head.headers.get('docker-content-digest')!;
  const del = await fetch(registryUrl(name, `manifests/${digest}`), { method: 'DELETE' });
  expect(del.status).toBe(202);
}

const FAST = 'not re-tested';

describe('a second run of an unchanged commit', () => {
  const name = `it/fast-${uid()}`;
  let tested: Run;
  let digest: string;
  beforeAll(async () => {
    writeConfig(name, { tags: ['latest'] });
    tested = await run();
    digest = inspectRemote(`${direct(name)}:latest`).digest;
  });

  it('first builds, tests and pushes, then records its build key', () => {
    expect(tested.log).not.toContain(FAST);
    expect(tested.proven).toBeNull();
    expect(tested.created.length).toBeGreaterThan(0);
    expect(proxy.requests.length).toBeGreaterThan(0);
    expect(keyTagOf(name)).toMatch(/^mlimage-key-[a-f0-9]{64}$/);
  });

  it('moves a new tag to the proven digest: no blob uploaded, no container created, nothing loaded', async () => {
    // The same commit, run again with one more tag (as a re-run, or a new tag rule, would).
    writeConfig(name, { tags: ['latest', 'second'], commit: false });
    const again = await run();
    expect(again.log).toContain(FAST);
    expect(again.created).toEqual([]);
    expect(proxy.requests.filter((r) => r.method === 'POST' || r.method === 'PATCH')).toEqual([]);
    expect(proxy.uploadedBytes()).toBe(0);
    expect(proxy.requests.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual([
      `/v2/${name}/manifests/latest`,
      `/v2/${name}/manifests/second`,
    ]);
    expect(inspectRemote(`${direct(name)}:second`).digest).toBe(digest);
    expect(inspectRemote(`${direct(name)}:latest`).digest).toBe(digest);
    expect(again.proven?.digest).toBe(digest);
    expect(`mlimage-key-${again.proven?.['build-key'].slice('sha256:'.length)}`).toBe(keyTagOf(name));
    expect(spawnSync(env.docker, ['image', 'inspect', `${name}:second`]).status).not.toBe(0);
  });

  it('is built and tested again with --retest, and its new record takes the key tag', async () => {
    const before = await recordUnder(name, keyTagOf(name));
    const forced = await run(['--retest']);
    expect(forced.log).toContain('is built and tested: a re-test was asked for');
    expect(forced.log).not.toContain(FAST);
    expect(await recordUnder(name, keyTagOf(name))).not.toBe(before);
    expect(forced.created.length).toBeGreaterThan(0);
    expect(inspectRemote(`${direct(name)}:second`).digest).toBe(digest);
  });

  it('ignores a tampered record with a warning, tests again and writes a true one', async () => {
    await tamper(name, keyTagOf(name));
    const r = await run();
    expect(r.log).toMatch(/is ignored: its statement names sha256:f{64}, but it is attached to sha256:/);
    expect(r.log).not.toContain(FAST);
    expect(r.created.length).toBeGreaterThan(0);
    expect((await run()).log).toContain(FAST);
  });

  it('tests again when the record is gone', async () => {
    await deleteRecord(name, keyTagOf(name));
    const r = await run();
    expect(r.log).toContain('no test record for its build key');
    expect(r.created.length).toBeGreaterThan(0);
  });

  it('tests again when the smoke test changes', async () => {
    writeConfig(name, {
      tags: ['latest', 'second'],
      commit: false,
      more: `${SMOKE}        - { name: server, run: [test, -f, /app/server.py] }\n`,
    });
    const r = await run();
    expect(r.log).toContain('the smoke test changed since');
    expect(r.created.length).toBeGreaterThan(0);
  });

  it('builds and tests again when a source file changes, and pushes another digest', async () => {
    appendFileSync(path.join(repo, 'svc', 'server.py'), '\n# changed\n');
    git('commit', '-q', '-am', 'a changed file');
    const r = await run();
    expect(r.log).not.toContain(FAST);
    expect(r.created.length).toBeGreaterThan(0);
    expect(proxy.uploadedBytes()).toBeGreaterThan(0);
    expect(inspectRemote(`${direct(name)}:latest`).digest).not.toBe(digest);
  });
});

describe('a GPU variant tested on a CPU runner', () => {
  const name = `it/fast-gpu-${uid()}`;
  it('is tested again on the next run: a CPU record never proves a GPU image', async () => {
    writeConfig(name, { tags: ['latest'], more: `    gpu: true\n${SMOKE}` });
    const first = await run();
    expect(first.log).not.toContain(FAST);
    const again = await run();
    expect(again.log).toContain('it ran on a CPU runner, and this variant needs a GPU');
    expect(again.log).not.toContain(FAST);
    expect(again.created.length).toBeGreaterThan(0);
  });
});
