// The proof phase, after the push: every pushed image digest whose smoke test ran and passed gets a test
// record in each repository it landed in (proof/store.ts), so that a later run — or `ml-image verify` —
// can tell that this digest passed this smoke test on this kind of runner. A record that cannot be
// written costs only the proof (the next run tests that digest again): it warns, it never fails the run.
import { readFileSync } from 'node:fs';
import { specHash, TOOL, type RunnerKind, type TestRecord } from '../proof/record.js';
import { attachRecord } from '../proof/store.js';
import type { ImageResult } from '../report/result.js';
import { registryClient } from './push-phase.js';
import type { PipelineState } from './state.js';

/** "host/name:tag" or "host/name@sha256:…" → "host/name". */
export function repositoryOf(ref: string): string {
  const at = ref.indexOf('@');
  const name = at >= 0 ? ref.slice(0, at) : ref;
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
}

/** The checks a record lists as passed: those that ran (a skipped check proves nothing). */
export const passedTests = (image: ImageResult): string[] =>
  (image.smoke?.checks ?? []).filter((c) => c.passed && !c.skipped).map((c) => `${c.kind}: ${c.name}`);

/** Where the proof came from: the workflow run's URL on GitHub Actions, else this run's id. */
export function runOf(env: Record<string, string | undefined>, runId: string): string {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: id } = env;
  return server && repo && id ? `${server}/${repo}/actions/runs/${id}` : `ml-image run ${runId}`;
}

export async function recordProofs(state: PipelineState, now: () => Date = () => new Date()): Promise<void> {
  const client = registryClient(state);
  for (const [i, job] of state.plan.jobs.entries()) {
    const image = state.result.images[i];
    const passed = passedTests(image);
    if (!image.smoke?.passed || passed.length === 0) continue;
    const runner: RunnerKind = image.smoke.gpus ? { kind: 'gpu', gpu: 'nvidia' } : { kind: 'cpu' };
    const spec = specHash(job.smokeTest, job.gpu, (f) => readFileSync(f));
    const seen = new Set<string>();
    for (const p of image.pushed) {
      const repository = repositoryOf(p.ref);
      if (seen.has(`${repository}@${p.digest}`)) continue;
      seen.add(`${repository}@${p.digest}`);
      const record: TestRecord = {
        subject: { name: repository, digest: p.digest },
        passedTests: passed,
        spec,
        runner,
        tool: TOOL,
        time: now().toISOString(),
        run: runOf(state.options.env, state.runId),
        buildKey: state.buildKeys.get(job.id),
      };
      try {
        const manifest = await attachRecord(client, repository, record);
        state.log.info(`test record for ${repository}@${p.digest}: ${manifest}`);
      } catch (err: unknown) {
        state.log.warn(
          `no test record for ${repository}@${p.digest} (the next run tests it again): ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
  }
}
