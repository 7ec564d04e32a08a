// `ml-image verify IMAGE@DIGEST`: what the registry holds about one image digest — its test records, each
// judged against the digest it hangs on — as lines for a person and as data for a script.
import type { RegistryClient } from '../registry/client.js';
import { judge, runnerText, type TestRecord } from './record.js';
import { digestRef, findRecords } from './store.js';

export interface Verified {
  image: string;
  digest: string;
  /** Records whose statement is about this digest. */
  records: TestRecord[];
  /** Records attached here that name another digest, and referrers that could not be read. */
  ignored: string[];
}

export async function verifyImage(client: RegistryClient, image: string): Promise<Verified> {
  const { ref, digest } = digestRef(image);
  const found = await findRecords(client, ref, digest);
  const records: TestRecord[] = [];
  const ignored = [...found.problems];
  for (const f of found.records) {
    const j = judge(f.record, f.attachedTo, { digest, spec: f.record.spec, gpu: false });
    if (j.ok) records.push(f.record);
    else ignored.push(`${f.manifest}: ignored, ${j.reason}`);
  }
  return { image, digest, records, ignored };
}

/** The report `verify` prints: one block per record, then what was ignored and why. */
export function formatVerified(v: Verified): string {
  const lines = [v.image];
  if (v.records.length === 0) lines.push('  no test record: this digest was never proven by ml-image here');
  for (const r of v.records) {
    lines.push(
      `  test record: PASSED on ${runnerText(r.runner)}, ${r.time}, by ${r.tool.name} ${r.tool.version}`,
      `    smoke-test spec sha256:${r.spec}`,
      `    run: ${r.run || '(not recorded)'}`,
      ...r.passedTests.map((t) => `    ✓ ${t}`),
    );
  }
  for (const i of v.ignored) lines.push(`  warning: ${i}`);
  return lines.join('\n') + '\n';
}
