// The Plan as text: a table for people, JSON for tools and diffs, and a GitHub Actions strategy.matrix
// for fanning builds out across runners. Output depends only on the plan: paths are shown relative to
// the repository root and keys are ordered, so the same inputs give byte-identical output anywhere.
import path from 'node:path';
import type { BuildJob, Plan } from './types.js';

export type PlanFormat = 'table' | 'json' | 'matrix';

/** The plan file's format version (`ml-image plan --format json`, read back by `--plan FILE`). */
export const PLAN_VERSION = 1;

const sorted = (map: Record<string, string>): Record<string, string> =>
  Object.fromEntries(
    Object.keys(map)
      .sort()
      .map((k) => [k, map[k]]),
  );

export function planToJson(plan: Plan): string {
  const rel = (p: string) => path.relative(plan.root, p).split(path.sep).join('/') || '.';
  const data = {
    version: PLAN_VERSION,
    config: rel(plan.configFile),
    date: plan.date ?? null,
    push: plan.push,
    registries: plan.registries,
    jobs: plan.jobs.map((j) => ({
      id: j.id,
      target: j.target ?? j.id,
      image: j.image,
      variant: j.variant,
      platform: j.platform ?? null,
      gpu: j.gpu,
      'runs-on': j.runsOn,
      tags: j.tags,
      version: j.version ?? null,
      refs: plan.push ? j.pushRefs : j.localRefs,
      'local-refs': j.localRefs,
      'push-refs': j.pushRefs,
      build: {
        context: rel(j.build.context),
        dockerfile: rel(j.build.dockerfile),
        target: j.build.target ?? null,
        'build-args': sorted(j.build.buildArgs),
        secrets: j.build.secrets,
        cache: j.build.cache,
        'source-date-epoch': j.build.sourceDateEpoch ?? null,
        reproducible: j.build.reproducible,
      },
      labels: sorted(j.labels),
      'smoke-test': j.smokeTest ?? null,
    })),
  };
  // Check locations are for annotations; their paths depend on the working directory, so they stay out.
  return JSON.stringify(data, (key, value: unknown) => (key === 'location' ? undefined : value), 2) + '\n';
}

export interface MatrixEntry {
  id: string;
  image: string;
  variant: string;
  platform: string;
  gpu: boolean;
  'runs-on': string | string[];
}

/** `strategy: { matrix: ${{ fromJSON(outputs.matrix) }} }`: one entry per job, GPU jobs on their runners. */
export function planToMatrix(plan: Plan): { include: MatrixEntry[] } {
  return {
    include: plan.jobs.map((j) => ({
      id: j.id,
      image: j.image,
      variant: j.variant,
      platform: j.platform ?? '',
      gpu: j.gpu,
      'runs-on': j.runsOn.length === 1 ? j.runsOn[0] : j.runsOn,
    })),
  };
}

export function planToTable(plan: Plan): string {
  const rows = [['IMAGE', 'VARIANT', 'PLATFORM', 'GPU', 'RUNS-ON', 'TAGS']].concat(
    plan.jobs.map((j: BuildJob) => [
      j.image,
      j.variant || '-',
      j.platform ?? '-',
      j.gpu ? 'yes' : 'no',
      j.runsOn.join(','),
      j.tags.join(' ') || '(none)',
    ]),
  );
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const lines = rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  '));
  const push = plan.push ? `push to ${plan.registries.join(', ') || '(no registry)'}` : 'no push';
  return `${lines.join('\n')}\n\n${plan.jobs.length} job${plan.jobs.length === 1 ? '' : 's'}; ${push}\n`;
}

export function formatPlan(plan: Plan, format: PlanFormat): string {
  switch (format) {
    case 'json':
      return planToJson(plan);
    case 'matrix':
      return JSON.stringify(planToMatrix(plan)) + '\n';
    case 'table':
      return planToTable(plan);
  }
}
