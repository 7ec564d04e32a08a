// The test record: what a passing smoke test proves about one image manifest digest, as an in-toto
// Statement (v1) with the test-result predicate (v0.1), and the OCI artifact manifest that carries it as a
// referrer of the image (subject = the image manifest). Pure: building, hashing, parsing and judging
// records; reading and writing them in a registry is store.ts's.
//
// A record answers one question for a later run: "did this very digest pass this very smoke test, on a
// runner that could run all of it?" So it names the digest (subject), the resolved smoke-test spec (its
// hash: file, HTTP, command and metadata checks, structure-test files by content, never by path or line),
// the runner's kind (CPU, or GPU and which) and the tool's version. Nothing is signed: a record is a claim
// the registry's writers make, checked against the digest it is attached to.
import { createHash } from 'node:crypto';

/** This tool as a record names it; test/unit/proof-record.test.ts holds it to package.json's version. */
export const TOOL = { name: 'ml-image', version: '0.1.0' } as const;

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const TEST_RESULT_PREDICATE = 'https://in-toto.io/attestation/test-result/v0.1';
/** The artifact type of a record's manifest and the media type of its one layer (the statement). */
export const IN_TOTO_TYPE = 'application/vnd.in-toto+json';
export const EMPTY_CONFIG = { mediaType: 'application/vnd.oci.empty.v1+json', bytes: Buffer.from('{}') };

/** The annotations a record's manifest carries, so a reader can choose among referrers without fetching. */
export const ANNOTATION = {
  predicateType: 'in-toto.io/predicate-type',
  spec: 'io.github.ml-image.smoke-spec',
  runner: 'io.github.ml-image.runner',
  buildKey: 'io.github.ml-image.build-key',
  created: 'org.opencontainers.image.created',
} as const;

/** Where the smoke test ran: a CPU runner, or one with GPUs (named as nvidia-smi names them). */
export type RunnerKind = { kind: 'cpu' } | { kind: 'gpu'; gpu: string };

export interface TestRecord {
  /** The repository the image was pushed to, and its image manifest digest. */
  subject: { name: string; digest: string };
  passedTests: string[];
  /** sha256 hex of the resolved smoke-test spec (specHash). */
  spec: string;
  runner: RunnerKind;
  tool: { name: string; version: string };
  /** When the test passed (ISO 8601). */
  time: string;
  /** The run that proved it: a workflow run's URL, or the CLI's run id. */
  run: string;
  /**
   * The build key (key.ts): the manifest digest the build resolves to from its layer cache before
   * timestamps are rewritten. A later run that resolves to the same key finds this record by it (keyTag).
   */
  buildKey?: string;
}

/** The tag that names a build key's record in a repository: how a run finds a proof before it builds. */
export const keyTag = (key: string): string => `mlimage-key-${key.replace(/^sha256:/, '')}`;

/** JSON with every object's keys in order: one spec, one hash, whatever order its fields were built in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The sha256 of some bytes, hex: what a digest (`sha256:<hex>`) and a spec hash are made of. */
export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/**
 * The hash of what a smoke test checks. Source locations are dropped (moving a check to another line
 * changes nothing it proves) and container-structure-test files count by content (`read` gives it), since
 * their absolute paths differ between checkouts. `gpu` says whether the job asked for GPUs.
 */
export function specHash(
  smoke: { structureTests?: readonly string[] } | undefined,
  gpu: boolean,
  read: (file: string) => Buffer,
): string {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          // Where a check is written, and when to re-run it, change nothing it proves.
          .filter(([k]) => k !== 'location' && k !== 'retest')
          .map(([k, x]) => [k, strip(x)]),
      );
    return v;
  };
  const files = (smoke?.structureTests ?? []).map((f) => sha256Hex(read(f)));
  const spec = smoke ? { ...(strip(smoke) as object), structureTests: files } : null;
  return sha256Hex(canonicalJson({ smoke: spec, gpu }));
}

/** A record as an in-toto Statement with the test-result predicate; our fields ride in its configuration. */
export function statementOf(record: TestRecord): Buffer {
  const [algorithm, hex] = record.subject.digest.split(':');
  const statement = {
    _type: STATEMENT_TYPE,
    subject: [{ name: record.subject.name, digest: { [algorithm]: hex } }],
    predicateType: TEST_RESULT_PREDICATE,
    predicate: {
      result: 'PASSED',
      configuration: [
        {
          name: 'smoke-test',
          digest: { sha256: record.spec },
          annotations: {
            runner: runnerText(record.runner),
            tool: `${record.tool.name} ${record.tool.version}`,
            time: record.time,
            ...(record.buildKey ? { buildKey: record.buildKey } : {}),
          },
        },
      ],
      url: record.run,
      passedTests: record.passedTests,
      warnedTests: [],
      failedTests: [],
    },
  };
  return Buffer.from(canonicalJson(statement));
}

export const runnerText = (r: RunnerKind): string => (r.kind === 'cpu' ? 'cpu' : `gpu: ${r.gpu}`);
const runnerOf = (text: string): RunnerKind | undefined =>
  text === 'cpu' ? { kind: 'cpu' } : text.startsWith('gpu: ') ? { kind: 'gpu', gpu: text.slice(5) } : undefined;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** The OCI image manifest that carries a statement as a referrer of `subject` (the image manifest). */
export function recordManifest(statement: Buffer, record: TestRecord, subject: Descriptor): Buffer {
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: IN_TOTO_TYPE,
    config: { mediaType: EMPTY_CONFIG.mediaType, digest: `sha256:${sha256Hex(EMPTY_CONFIG.bytes)}`, size: 2 },
    layers: [{ mediaType: IN_TOTO_TYPE, digest: `sha256:${sha256Hex(statement)}`, size: statement.length }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: recordAnnotations(record),
  };
  return Buffer.from(JSON.stringify(manifest));
}

export const recordAnnotations = (record: TestRecord): Record<string, string> => ({
  [ANNOTATION.predicateType]: TEST_RESULT_PREDICATE,
  [ANNOTATION.spec]: record.spec,
  [ANNOTATION.runner]: runnerText(record.runner),
  [ANNOTATION.created]: record.time,
  ...(record.buildKey ? { [ANNOTATION.buildKey]: record.buildKey } : {}),
});

/** The referrers fallback index with `entry` added (a record already listed is not listed twice). */
export function withReferrer(manifests: readonly Descriptor[], entry: Descriptor): Descriptor[] {
  return [...manifests.filter((m) => m.digest !== entry.digest), entry];
}

/** A statement's bytes read back as a record, or why they are not one. */
export function parseStatement(bytes: Buffer): TestRecord | string {
  let s: unknown;
  try {
    s = JSON.parse(bytes.toString('utf8'));
  } catch {
    return 'not JSON';
  }
  const o = s as {
    _type?: unknown;
    predicateType?: unknown;
    subject?: { name?: unknown; digest?: Record<string, unknown> }[];
    predicate?: {
      result?: unknown;
      url?: unknown;
      passedTests?: unknown;
      configuration?: { name?: unknown; digest?: { sha256?: unknown }; annotations?: Record<string, unknown> }[];
    };
  };
  if (o._type !== STATEMENT_TYPE) return `not an in-toto Statement v1 (_type ${JSON.stringify(o._type)})`;
  if (o.predicateType !== TEST_RESULT_PREDICATE) return `another predicate (${JSON.stringify(o.predicateType)})`;
  const subject = Array.isArray(o.subject) && o.subject.length === 1 ? o.subject[0] : undefined;
  const hex = subject?.digest?.sha256;
  if (typeof subject?.name !== 'string' || typeof hex !== 'string') return 'no single sha256 subject';
  const p = o.predicate;
  if (p?.result !== 'PASSED') return `result ${JSON.stringify(p?.result)}, not PASSED`;
  const conf = Array.isArray(p.configuration) ? p.configuration.find((c) => c.name === 'smoke-test') : undefined;
  const spec = conf?.digest?.sha256;
  const a = conf?.annotations ?? {};
  const runner = typeof a.runner === 'string' ? runnerOf(a.runner) : undefined;
  const tool = typeof a.tool === 'string' ? a.tool : '';
  if (typeof spec !== 'string' || !runner || typeof a.time !== 'string') return 'no smoke-test configuration';
  const passed = Array.isArray(p.passedTests) ? p.passedTests.filter((t): t is string => typeof t === 'string') : [];
  const space = tool.indexOf(' ');
  return {
    subject: { name: subject.name, digest: `sha256:${hex}` },
    passedTests: passed,
    spec,
    runner,
    tool: { name: space > 0 ? tool.slice(0, space) : tool, version: space > 0 ? tool.slice(space + 1) : '' },
    time: a.time,
    run: typeof p.url === 'string' ? p.url : '',
    ...(typeof a.buildKey === 'string' ? { buildKey: a.buildKey } : {}),
  };
}

/** What a run needs a record to prove. */
export interface Wanted {
  digest: string;
  spec: string;
  /** A GPU job needs a record from a GPU runner; a CPU job takes either. */
  gpu: boolean;
  /** The build key the record was found by: it must name that key itself. */
  buildKey?: string;
}

export type Judgement = { ok: true } | { ok: false; reason: string; tampered: boolean };

/** Whether a record proves what a run wants; a record about another digest than its own subject is tampered. */
export function judge(record: TestRecord, attachedTo: string, wanted: Wanted): Judgement {
  if (record.subject.digest !== attachedTo)
    return {
      ok: false,
      tampered: true,
      reason: `its statement names ${record.subject.digest}, but it is attached to ${attachedTo}`,
    };
  if (record.subject.digest !== wanted.digest)
    return { ok: false, tampered: false, reason: `it is about ${record.subject.digest}` };
  if (record.spec !== wanted.spec)
    return { ok: false, tampered: false, reason: 'the smoke test changed since (another spec hash)' };
  if (wanted.gpu && record.runner.kind !== 'gpu')
    return { ok: false, tampered: false, reason: 'it ran on a CPU runner, and this variant needs a GPU' };
  if (wanted.buildKey !== undefined && record.buildKey !== wanted.buildKey)
    return {
      ok: false,
      tampered: true,
      reason: `it is tagged with build key ${wanted.buildKey}, but its statement names ${record.buildKey ?? 'none'}`,
    };
  return { ok: true };
}
