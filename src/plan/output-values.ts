// Every value a plan writes to GITHUB_OUTPUT or the matrix (ids, names, runner labels, tags, references,
// the version, labels) is one printable line: a line break there would add an output line or a matrix
// value of its own. The config's own values are refused where they are written (config/value-checks.ts,
// semantic-checks.ts) and generated labels are made one line (meta/labels.ts); this is the last guard, over the plan.
import { oneLineProblem, shown } from '../config/names.js';
import type { ConfigIssue } from '../errors.js';
import { jobPlace, type ConfigSource } from './places.js';
import type { PlannedJob } from './uniqueness.js';

export function outputValueIssues(planned: readonly PlannedJob[], source: ConfigSource): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const p of planned) {
    const bad = outputValues(p).find(([, value]) => oneLineProblem(value) !== undefined);
    if (!bad) continue;
    const [field, value] = bad;
    const place = jobPlace(source, p.image, p.variant, p.job);
    issues.push({
      location: place.location,
      path: place.path,
      message: `${p.name}: ${field} ${shown(value)} ${oneLineProblem(value)!}, and would be written to the workflow outputs`,
    });
  }
  return issues;
}

/** [what, value] for everything of a job that goes into an output. */
function outputValues({ job }: PlannedJob): [string, string][] {
  return [
    ['job id', job.id],
    ['image', job.image],
    ['variant', job.variant],
    ['platform', job.platform ?? ''],
    ['version', job.version ?? ''],
    ...job.runsOn.map((l): [string, string] => ['runner label', l]),
    ...job.tags.map((t): [string, string] => ['tag', t]),
    ...[...job.localRefs, ...job.pushRefs].map((r): [string, string] => ['reference', r]),
    ...Object.entries(job.labels).flatMap(([k, v]): [string, string][] => [
      ['label key', k],
      [`label ${k}`, v],
    ]),
  ];
}
