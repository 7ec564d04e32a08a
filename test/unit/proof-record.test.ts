// The test record's pure half (src/proof/record.ts): the spec hash ignores where a check was written and
// which checkout a structure-test file lives in, but not what it checks; a statement reads back as the
// record it was made from; what is not a passing test-result statement is refused with a reason; and a
// record is judged by digest, spec and runner.
import { describe, expect, it } from '@jest/globals';
import {
  canonicalJson,
  judge,
  parseStatement,
  recordManifest,
  specHash,
  statementOf,
  TEST_RESULT_PREDICATE,
  TOOL,
  type TestRecord,
} from '../../src/proof/record.js';
import { repositoryOf, runOf } from '../../src/pipeline/proof-phase.js';

const DIGEST = `sha256:${'1'.repeat(64)}`;
const record: TestRecord = {
  subject: { name: '127.0.0.1:5000/acme/iris', digest: DIGEST },
  passedTests: ['command: python -c "import iris"'],
  spec: 'f'.repeat(64),
  runner: { kind: 'gpu', gpu: 'NVIDIA H200' },
  tool: { name: 'ml-image', version: '1.2.3' },
  time: '2026-12-04T05:00:00.000Z',
  run: 'https://github.com/acme/models/actions/runs/7',
};
const files: Record<string, string> = {
  '/a/cst.yaml': 'schemaVersion: 2.0.0\n',
  '/b/cst.yaml': 'schemaVersion: 2.0.0\n',
};
const read = (f: string): Buffer => Buffer.from(files[f]);

describe('specHash', () => {
  const smoke = {
    timeoutMs: 60_000,
    commands: [{ name: 'import', command: ['python', '-c', 'import iris'], location: { file: 'a.yml', line: 3 } }],
    structureTests: ['/a/cst.yaml'],
  };
  it('ignores source locations and the structure-test file path, not their content', () => {
    const h = specHash(smoke, false, read);
    expect(h).toMatch(/^[a-f0-9]{64}$/);
    const moved = { ...smoke, commands: [{ ...smoke.commands[0], location: { file: 'a.yml', line: 9 } }] };
    expect(specHash(moved, false, read)).toBe(h);
    expect(specHash({ ...smoke, structureTests: ['/b/cst.yaml'] }, false, read)).toBe(h);
    files['/b/cst.yaml'] = 'schemaVersion: 2.0.0\ncommandTests: []\n';
    expect(specHash({ ...smoke, structureTests: ['/b/cst.yaml'] }, false, read)).not.toBe(h);
    const other = { ...smoke, commands: [{ ...smoke.commands[0], command: ['python', '-c', 'import os'] }] };
    expect(specHash(other, false, read)).not.toBe(h);
    expect(specHash(smoke, true, read)).not.toBe(h);
    expect(specHash(undefined, false, read)).not.toBe(h);
  });
  it('is one hash whatever order the fields were built in', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });
});

describe('statements', () => {
  it('read back as the record they were made from', () => {
    const s = statementOf(record);
    expect(JSON.parse(s.toString())).toMatchObject({
      _type: 'https://in-toto.io/Statement/v1',
      predicateType: TEST_RESULT_PREDICATE,
      subject: [{ name: record.subject.name, digest: { sha256: '1'.repeat(64) } }],
      predicate: { result: 'PASSED', passedTests: record.passedTests },
    });
    expect(parseStatement(s)).toEqual(record);
  });
  it.each([
    ['not json', 'not JSON'],
    ['{"_type":"x"}', 'not an in-toto Statement v1 (_type "x")'],
    [
      JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', predicateType: 'https://slsa.dev/provenance/v1' }),
      'another predicate ("https://slsa.dev/provenance/v1")',
    ],
    [statementOf(record).toString().replace('"PASSED"', '"FAILED"'), 'result "FAILED", not PASSED'],
  ])('refuses %s', (text, reason) => {
    expect(parseStatement(Buffer.from(text))).toBe(reason);
  });
  it('ride in a manifest whose subject is the image and whose layer is the statement', () => {
    const s = statementOf(record);
    const m = JSON.parse(
      recordManifest(s, record, {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: DIGEST,
        size: 9,
      }).toString(),
    ) as { subject: { digest: string }; layers: { size: number }[]; annotations: Record<string, string> };
    expect(m.subject.digest).toBe(DIGEST);
    expect(m.layers[0].size).toBe(s.length);
    expect(m.annotations['io.github.ml-image.runner']).toBe('gpu: NVIDIA H200');
  });
});

describe('judge', () => {
  const want = { digest: DIGEST, spec: record.spec, gpu: true };
  it('accepts a GPU record for a GPU job and for a CPU job', () => {
    expect(judge(record, DIGEST, want)).toEqual({ ok: true });
    expect(judge(record, DIGEST, { ...want, gpu: false })).toEqual({ ok: true });
  });
  it('refuses another spec, a CPU record for a GPU job, and a statement about another digest', () => {
    expect(judge(record, DIGEST, { ...want, spec: '0'.repeat(64) })).toMatchObject({ ok: false, tampered: false });
    expect(judge({ ...record, runner: { kind: 'cpu' } }, DIGEST, want)).toMatchObject({ ok: false, tampered: false });
    const elsewhere = `sha256:${'2'.repeat(64)}`;
    expect(judge(record, elsewhere, { ...want, digest: elsewhere })).toMatchObject({ ok: false, tampered: true });
  });
});

describe('the record of a run', () => {
  it("names this tool by package.json's version", async () => {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(TOOL).toEqual({ name: 'ml-image', version: pkg.version });
  });
  it.each([
    ['127.0.0.1:5000/acme/iris:latest', '127.0.0.1:5000/acme/iris'],
    ['127.0.0.1:5000/acme/iris@sha256:' + 'a'.repeat(64), '127.0.0.1:5000/acme/iris'],
    ['docker.io/acme/iris:1.0', 'docker.io/acme/iris'],
    ['localhost:5000/iris', 'localhost:5000/iris'],
  ])('repositoryOf(%s) = %s', (ref, repo) => {
    expect(repositoryOf(ref)).toBe(repo);
  });
  it('points at the workflow run on GitHub Actions, else at the run id', () => {
    const gh = { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/models', GITHUB_RUN_ID: '42' };
    expect(runOf(gh, 'abc')).toBe('https://github.com/acme/models/actions/runs/42');
    expect(runOf({}, 'abc')).toBe('ml-image run abc');
  });
});
