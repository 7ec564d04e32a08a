// A record whose statement names one digest, written as a referrer of another: what an edited or copied
// record looks like to a reader. Built from the real record code so that only the subject differs.
import { createHash } from 'node:crypto';
import {
  INDEX_TYPE,
  OCI_MANIFEST_TYPE,
  parseRef,
  referrersTag,
  type RegistryClient,
} from '../../src/registry/client.js';
import {
  EMPTY_CONFIG,
  IN_TOTO_TYPE,
  recordAnnotations,
  recordManifest,
  statementOf,
  withReferrer,
  type TestRecord,
} from '../../src/proof/record.js';

export async function attachForged(
  client: RegistryClient,
  repository: string,
  record: TestRecord,
  attachTo: string,
): Promise<void> {
  const ref = parseRef(`${repository}@${attachTo}`);
  const subject = (await client.manifest(ref))!;
  const statement = statementOf(record);
  await client.putBlob(ref, EMPTY_CONFIG.bytes);
  await client.putBlob(ref, statement);
  const manifest = recordManifest(statement, record, {
    mediaType: subject.mediaType,
    digest: attachTo,
    size: subject.body.length,
  });
  const digest = await client.putManifest(
    ref,
    `sha256:${createHash('sha256').update(manifest).digest('hex')}`,
    OCI_MANIFEST_TYPE,
    manifest,
  );
  const { index } = await client.referrers(ref, attachTo);
  const entry = {
    mediaType: OCI_MANIFEST_TYPE,
    digest,
    size: manifest.length,
    artifactType: IN_TOTO_TYPE,
    annotations: recordAnnotations(record),
  };
  const next = { schemaVersion: 2, mediaType: INDEX_TYPE, manifests: withReferrer(index.manifests, entry) };
  await client.putManifest(ref, referrersTag(attachTo), INDEX_TYPE, Buffer.from(JSON.stringify(next)));
}
