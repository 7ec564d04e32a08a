// Test records in a registry: attached to an image manifest as OCI 1.1 referrers, and found again. Where
// the registry has the referrers API it lists them itself; where it has not (Debian's registry 2.8, many
// self-hosted ones) the writer keeps the tag schema's fallback: an image index tagged `sha256-<hex>` of
// the subject, listing the subject's referrers. Only the record's two small blobs (an empty config and
// the statement) and its manifest are written: never a layer of the image.
import { MlImageError } from '../errors.js';
import {
  INDEX_TYPE,
  OCI_MANIFEST_TYPE,
  parseRef,
  referrersTag,
  type RegistryClient,
  type RegistryRef,
} from '../registry/client.js';
import {
  ANNOTATION,
  EMPTY_CONFIG,
  IN_TOTO_TYPE,
  keyTag,
  parseStatement,
  recordAnnotations,
  recordManifest,
  sha256Hex,
  statementOf,
  TEST_RESULT_PREDICATE,
  withReferrer,
  type Descriptor,
  type TestRecord,
} from './record.js';

/** A record as found: the record, the manifest digest that carries it, and the digest it is attached to. */
export interface FoundRecord {
  record: TestRecord;
  manifest: string;
  attachedTo: string;
}

/** "host/repo@sha256:…" → the repository's reference and the digest; a tag is not an answer here. */
export function digestRef(text: string): { ref: RegistryRef; digest: string } {
  const ref = parseRef(text);
  if (!/^sha256:[a-f0-9]{64}$/.test(ref.reference))
    throw new MlImageError(`${text}: name an image by digest (REPOSITORY@sha256:…)`);
  return { ref, digest: ref.reference };
}

/** The image manifest `digest` as a descriptor (its media type and size, as the registry serves it). */
async function subjectOf(client: RegistryClient, ref: RegistryRef, digest: string): Promise<Descriptor> {
  const m = await client.manifest({ ...ref, reference: digest });
  if (!m) throw new MlImageError(`${ref.apiHost}/${ref.repository}@${digest}: the registry has no such manifest`);
  return { mediaType: m.mediaType, digest, size: m.body.length };
}

/** Attaches a record to its subject in `repository` (host/name); returns the record manifest's digest. */
export function attachRecord(client: RegistryClient, repository: string, record: TestRecord): Promise<string> {
  return attachRecordTo(client, repository, record, record.subject.digest);
}

/**
 * Attaches a record as a referrer of `digest`, whatever its statement names: readers judge that
 * (record.ts judge: a statement about another digest is tampered), so writing one is how that is shown.
 */
export async function attachRecordTo(
  client: RegistryClient,
  repository: string,
  record: TestRecord,
  digest: string,
): Promise<string> {
  const ref = parseRef(`${repository}@${digest}`);
  const subject = await subjectOf(client, ref, digest);
  const statement = statementOf(record);
  await client.putBlob(ref, EMPTY_CONFIG.bytes);
  await client.putBlob(ref, statement);
  const manifest = recordManifest(statement, record, subject);
  const manifestDigest = await client.putManifest(ref, `sha256:${sha256Hex(manifest)}`, OCI_MANIFEST_TYPE, manifest);
  // The build key's tag: how a later run finds this record before it has built anything (proven-phase.ts).
  if (record.buildKey) await client.putManifest(ref, keyTag(record.buildKey), OCI_MANIFEST_TYPE, manifest);
  const { api, index } = await client.referrers(ref, digest);
  if (!api) {
    // No referrers API: keep the fallback index (read, add, write back). Two writers racing on one
    // subject can lose an entry; a lost record only means that digest is tested again.
    const entry: Descriptor = {
      mediaType: OCI_MANIFEST_TYPE,
      digest: manifestDigest,
      size: manifest.length,
      artifactType: IN_TOTO_TYPE,
      annotations: recordAnnotations(record),
    };
    const next = { schemaVersion: 2, mediaType: INDEX_TYPE, manifests: withReferrer(index.manifests, entry) };
    await client.putManifest(ref, referrersTag(digest), INDEX_TYPE, Buffer.from(JSON.stringify(next)));
  }
  return manifestDigest;
}

/**
 * The record a build key's tag names in `repository` (host/name): the record, its manifest and the digest
 * it is attached to; undefined when there is no such tag; a string when the tag names no readable record.
 */
export async function findByKey(
  client: RegistryClient,
  repository: string,
  key: string,
): Promise<FoundRecord | string | undefined> {
  const ref = parseRef(`${repository}:${keyTag(key)}`);
  const m = await client.manifest(ref, OCI_MANIFEST_TYPE);
  if (!m) return undefined;
  const body = JSON.parse(m.body.toString('utf8')) as {
    subject?: { digest?: unknown };
    layers?: { mediaType?: unknown; digest?: unknown }[];
  };
  const layer = body.layers?.find((l) => l.mediaType === IN_TOTO_TYPE);
  const subject = body.subject?.digest;
  if (typeof subject !== 'string' || typeof layer?.digest !== 'string') return `${ref.reference}: not a test record`;
  const bytes = await client.blob(ref, layer.digest);
  const parsed = bytes ? parseStatement(bytes) : 'its statement blob is missing';
  if (typeof parsed === 'string') return `${ref.reference}: ${parsed}`;
  return { record: parsed, manifest: `sha256:${sha256Hex(m.body)}`, attachedTo: subject };
}

/**
 * Every test record attached to `digest` in the repository of `ref`, read back: the referrers that say
 * they are test results, each with its statement parsed. `problems` names what could not be read.
 */
export async function findRecords(
  client: RegistryClient,
  ref: RegistryRef,
  digest: string,
): Promise<{ records: FoundRecord[]; problems: string[] }> {
  const { index } = await client.referrers(ref, digest);
  const records: FoundRecord[] = [];
  const problems: string[] = [];
  for (const d of index.manifests) {
    if (d.artifactType !== IN_TOTO_TYPE || d.annotations?.[ANNOTATION.predicateType] !== TEST_RESULT_PREDICATE)
      continue;
    const m = await client.manifest({ ...ref, reference: d.digest }, OCI_MANIFEST_TYPE);
    if (!m) {
      problems.push(`${d.digest}: listed as a referrer, but the registry has no such manifest`);
      continue;
    }
    const body = JSON.parse(m.body.toString('utf8')) as {
      subject?: { digest?: unknown };
      layers?: { mediaType?: unknown; digest?: unknown }[];
    };
    const layer = body.layers?.find((l) => l.mediaType === IN_TOTO_TYPE);
    if (body.subject?.digest !== digest || typeof layer?.digest !== 'string') {
      problems.push(`${d.digest}: not a record attached to ${digest}`);
      continue;
    }
    const bytes = await client.blob(ref, layer.digest);
    const parsed = bytes ? parseStatement(bytes) : 'its statement blob is missing';
    if (typeof parsed === 'string') problems.push(`${d.digest}: ${parsed}`);
    else records.push({ record: parsed, manifest: d.digest, attachedTo: digest });
  }
  return { records, problems };
}
