// `--plan FILE`: a matrix job (or `merge`) works from the plan the plan job computed, not its own. The
// config is loaded as usual (smoke tests, paths, cache settings are in the checkout), and what depends on
// when and where the plan was made — tags, version, labels, references, SOURCE_DATE_EPOCH, registries — is
// taken from the file, job by job (whether to push stays this run's decision). A job the file lacks, or one the config lacks, is an error.
import { readFileSync } from 'node:fs';
import { MlImageError } from '../errors.js';
import { PLAN_VERSION } from './format.js';
import type { Plan } from './types.js';

interface PlanFileJob {
  id: string;
  tags: string[];
  version: string | null;
  'local-refs': string[];
  'push-refs': string[];
  labels: Record<string, string>;
  build: { 'source-date-epoch': number | null };
}

interface PlanFile {
  version: number;
  date: string | null;
  push: boolean;
  registries: string[];
  jobs: PlanFileJob[];
}

function readPlanFile(file: string): PlanFile {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err: unknown) {
    throw new MlImageError(`${file}: not a plan file (${err instanceof Error ? err.message : String(err)})`, 2);
  }
  const d = data as Partial<PlanFile>;
  if (typeof d !== 'object' || d === null || d.version !== PLAN_VERSION || !Array.isArray(d.jobs)) {
    throw new MlImageError(
      `${file}: not a version ${PLAN_VERSION} plan file (write one with ml-image plan --format json)`,
      2,
    );
  }
  return d as PlanFile;
}

/** The plan with the file's tags, labels, references and dates; `only` keeps the one entry the file must hold. */
export function applyPlanFile(plan: Plan, file: string): Plan {
  const saved = readPlanFile(file);
  const byId = new Map(saved.jobs.map((j) => [j.id, j]));
  const missing = plan.jobs.filter((j) => !byId.has(j.id)).map((j) => j.id);
  if (missing.length > 0)
    throw new MlImageError(
      `${file}: the plan has no entry ${missing.join(', ')} (the config changed since the plan was made?)`,
    );
  return {
    ...plan,
    registries: saved.registries,
    date: saved.date ?? plan.date,
    jobs: plan.jobs.map((job) => {
      const s = byId.get(job.id)!;
      return {
        ...job,
        tags: s.tags,
        version: s.version ?? undefined,
        localRefs: s['local-refs'],
        pushRefs: s['push-refs'],
        labels: s.labels,
        build: {
          ...job.build,
          ...(s.build['source-date-epoch'] !== null ? { sourceDateEpoch: s.build['source-date-epoch'] } : {}),
        },
      };
    }),
  };
}
