// Test records in real registries (issue 19): a record attached to an image manifest is found again by
// its digest — through the OCI 1.1 tag schema's fallback index on Debian's registry, which has no
// referrers API — with and without authentication; a record is judged against the digest, the spec and
// the runner a run wants, and one whose statement names another digest than the manifest it hangs on is
// reported as tampered. Only the record's blobs and manifests are written (the layer count is unchanged).
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { judge, type TestRecord } from '../../src/proof/record.js';
import { attachRecord, attachRecordTo, digestRef, findRecords } from '../../src/proof/store.js';
import { parseRef, referrersTag, RegistryClient } from '../../src/registry/client.js';
import { remoteTags, testEnv, uid } from './harness.js';

jest.setTimeout(120_000);
const env = testEnv();

const client = new RegistryClient({
  credentialsFor: async (host) =>
    host === env.authRegistry ? { username: env.authUser, password: env.authPassword } : undefined,
});

/** The base image pushed to `repository` (host/name:tag); its manifest digest as the registry reports it. */
async function pushed(repository: string): Promise<string> {
  const plain = `${env.registry}/${repository.split('/').slice(1).join('/')}`;
  execFileSync(env.docker, ['tag', env.baseImage, plain]);
  execFileSync(env.docker, ['push', '--quiet', plain]);
  if (!repository.startsWith(env.authRegistry)) return (await client.manifest(parseRef(plain)))!.digest;
  execFileSync('skopeo', [
    'copy',
    '--quiet',
    '--src-tls-verify=false',
    '--dest-creds',
    `${env.authUser}:${env.authPassword}`,
    '--dest-cert-dir',
    env.authCertDir,
    '--preserve-digests',
    `docker://${plain}`,
    `docker://${repository}`,
  ]);
  return (await client.manifest(parseRef(repository)))!.digest;
}

const record = (name: string, digest: string, over: Partial<TestRecord> = {}): TestRecord => ({
  subject: { name, digest },
  passedTests: ['command: python -c "import app"', 'http: GET /health'],
  spec: 'a'.repeat(64),
  runner: { kind: 'cpu' },
  tool: { name: 'ml-image', version: '0.0.0-test' },
  time: '2026-12-04T05:00:00.000Z',
  run: 'https://github.com/acme/models/actions/runs/1',
  ...over,
});

describe.each([
  ['the plain registry', () => env.registry],
  ['the TLS registry with a login', () => env.authRegistry],
])('records in %s', (_label, host) => {
  let repo: string;
  let digest: string;
  beforeAll(async () => {
    repo = `${host()}/proof-${uid()}`;
    digest = await pushed(`${repo}:1`);
  });

  it('are found again by the digest they are attached to, through the fallback tag', async () => {
    const layersBefore = (await client.inspect(`${repo}:1`))!.layers;
    const manifest = await attachRecord(client, repo, record(repo, digest));
    const { ref } = digestRef(`${repo}@${digest}`);
    const found = await findRecords(client, ref, digest);
    expect(found.problems).toEqual([]);
    expect(found.records).toEqual([{ record: record(repo, digest), manifest, attachedTo: digest }]);
    // Debian's registry has no referrers API: the tag schema's index holds the record.
    expect(remoteTags(repo).sort()).toEqual(['1', referrersTag(digest)].sort());
    // The image itself is untouched: same digest, same layers.
    expect((await client.inspect(`${repo}:1`))!).toMatchObject({ digest, layers: layersBefore });
    expect(judge(found.records[0].record, digest, { digest, spec: 'a'.repeat(64), gpu: false })).toEqual({ ok: true });
    expect(judge(found.records[0].record, digest, { digest, spec: 'b'.repeat(64), gpu: false })).toMatchObject({
      ok: false,
      tampered: false,
    });
    expect(judge(found.records[0].record, digest, { digest, spec: 'a'.repeat(64), gpu: true })).toEqual({
      ok: false,
      tampered: false,
      reason: 'it ran on a CPU runner, and this variant needs a GPU',
    });
  });

  it('keeps every record of a digest in the fallback index, and reports a tampered one', async () => {
    const gpu = record(repo, digest, { runner: { kind: 'gpu', gpu: 'NVIDIA H200' }, time: '2026-12-04T06:00:00.000Z' });
    await attachRecord(client, repo, gpu);
    // A statement about another digest, hung on this image: what a copied or edited record looks like.
    const other = `sha256:${'0'.repeat(64)}`;
    const forged = record(repo, other, { time: '2026-12-04T07:00:00.000Z' });
    await attachRecordTo(client, repo, forged, digest);
    const found = await findRecords(client, parseRef(`${repo}@${digest}`), digest);
    expect(found.records.map((r) => r.record.time)).toEqual([
      '2026-12-04T05:00:00.000Z',
      '2026-12-04T06:00:00.000Z',
      '2026-12-04T07:00:00.000Z',
    ]);
    const verdicts = found.records.map((r) =>
      judge(r.record, r.attachedTo, { digest, spec: 'a'.repeat(64), gpu: true }),
    );
    expect(verdicts).toEqual([
      { ok: false, tampered: false, reason: 'it ran on a CPU runner, and this variant needs a GPU' },
      { ok: true },
      { ok: false, tampered: true, reason: `its statement names ${other}, but it is attached to ${digest}` },
    ]);
  });
});
