// What a run produced, and how it becomes the Action's outputs. Pure functions over the result; the front
// ends decide where the text goes. The job summary is in summary.ts.
import type { StepCounts } from '../build/progress.js';
import type { MountReport } from '../cache/persist.js';
import { formatPlan, planToMatrix } from '../plan/format.js';
import type { Plan } from '../plan/plan.js';
import type { PushedRef } from '../registry/push-by-tag.js';
import { tenths } from '../log/log.js';
import type { SmokeResult } from '../smoke/smoke-test.js';

export interface ImageResult {
  /** The plan's job id, also the matrix entry id. */
  id: string;
  name: string;
  /** '' when the image has no variants. */
  variant: string;
  tags: string[];
  labels: Record<string, string>;
  platform?: string;
  imageId?: string;
  build?: { durationMs: number; steps: StepCounts; sizeBytes?: number };
  /** The layer cache this build used, and why. */
  cache?: { backend: string; write: boolean; reason: string };
  /** Persisted RUN --mount=type=cache content: restored before the build, saved after it. */
  mounts?: MountReport;
  localRefs: string[];
  pushRefs: string[];
  smoke?: SmokeResult;
  pushed: PushedRef[];
  /**
   * Set when the run took the fast path: the digest a test record already proved for this build key
   * (nothing was built, tested or uploaded; the tags were moved to it), and that record.
   */
  proven?: { digest: string; key: string; record: string; run: string; time: string };
  /** The failure that stopped this image's push, when one did. */
  pushError?: string;
}

export interface PipelineResult {
  configFile: string;
  /** The plan's strategy.matrix JSON. */
  matrix: string;
  /** The main version from the tag rules, '' when none. */
  version: string;
  runId: string;
  builder: string;
  pushRequested: boolean;
  /** Why push: auto decided not to push this run. */
  pushSkipped?: string;
  /** The resolved plan as a table, for the summary's details. */
  plan: string;
  /** Free bytes under the engine's data root before building. */
  freeBytes?: number;
  images: ImageResult[];
}

/** The Action's outputs, by their names in action.yml. */
export interface ActionOutputs {
  tags: string;
  labels: string;
  version: string;
  json: string;
  imageid: string;
  digest: string;
  images: string;
  matrix: string;
  /** The smoke test of every image: passed, failed (one failed), or skipped (none ran). */
  'smoke-test': SmokeVerdict;
}

/** The result before anything ran: every planned image, nothing built yet. */
export function planResult(plan: Plan, run: { runId: string; builder: string; pushSkipped?: string }): PipelineResult {
  return {
    configFile: plan.configFile,
    runId: run.runId,
    builder: run.builder,
    pushRequested: plan.push,
    pushSkipped: run.pushSkipped,
    plan: formatPlan(plan, 'table'),
    matrix: JSON.stringify(planToMatrix(plan)),
    version: plan.jobs[0]?.version ?? '',
    images: plan.jobs.map((job) => ({
      id: job.id,
      name: job.image,
      variant: job.variant,
      platform: job.platform,
      tags: job.tags,
      labels: job.labels,
      localRefs: job.localRefs,
      pushRefs: job.pushRefs,
      pushed: [],
    })),
  };
}

export type SmokeVerdict = 'passed' | 'failed' | 'skipped';

export function smokeVerdict(smoke: SmokeResult | undefined): SmokeVerdict {
  return !smoke ? 'skipped' : smoke.passed ? 'passed' : 'failed';
}

/** Every reference of every image: the pushed ones when pushing, else the local ones (metadata-action's tags). */
export function allRefs(result: Pick<PipelineResult, 'pushRequested' | 'images'>): string[] {
  return result.images.flatMap((i) => refsOf(i, result));
}

/** One image's references: its push references when the run pushes and it has some, else its local ones. */
export function refsOf(image: ImageResult, result: Pick<PipelineResult, 'pushRequested'>): string[] {
  return result.pushRequested && image.pushRefs.length > 0 ? image.pushRefs : image.localRefs;
}

/** The push registry a reference went to: "ghcr.io/acme/iris:1.0" of image "acme/iris" → "ghcr.io". */
export function registryOfRef(ref: string, image: string): string {
  const at = ref.lastIndexOf(`/${image}:`);
  return at >= 0 ? ref.slice(0, at) : ref.slice(0, ref.indexOf('/'));
}

/** Why an image was not pushed, in words; undefined when it was. */
export function whyNotPushed(image: ImageResult, result: PipelineResult): string | undefined {
  if (image.pushed.length > 0 && !image.pushError) return undefined;
  if (!result.pushRequested) return result.pushSkipped ?? 'push not requested';
  if (image.pushError) return `push failed: ${image.pushError}`;
  if (!image.imageId) return 'not built';
  if (image.smoke && !image.smoke.passed) return 'its smoke test failed';
  if (result.images.some((i) => i.smoke && !i.smoke.passed))
    return 'another image failed its smoke test (nothing is pushed unless every one passed)';
  return 'the run stopped before its push';
}

/**
 * The outputs. Multi-valued ones (tags, images, matrix) cover every image and variant; single-valued ones
 * (labels, version, imageid, digest) describe the primary image: the first image and variant of the plan.
 */
export function toOutputs(result: PipelineResult): ActionOutputs {
  const primary = result.images[0];
  const tags = allRefs(result);
  const labels = primary?.labels ?? {};
  const images = Object.fromEntries(result.images.map((i) => [i.id, imageJson(i, result)]));
  return {
    tags: tags.join('\n'),
    labels: Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
    version: result.version,
    json: JSON.stringify({ tags, 'tag-names': [...new Set(result.images.flatMap((i) => i.tags))], labels }),
    imageid: primary?.imageId ?? '',
    digest: primary?.pushed[0]?.digest ?? '',
    images: JSON.stringify(images),
    matrix: result.matrix,
    'smoke-test': overallSmoke(result),
  };
}

function overallSmoke(result: PipelineResult): SmokeVerdict {
  // A proven image passed this very smoke test before (its record says so): not skipped, not re-run.
  if (result.images.length > 0 && result.images.every((i) => i.proven)) return 'passed';
  const ran = result.images.filter((i) => i.smoke);
  if (ran.length === 0) return 'skipped';
  return ran.every((i) => i.smoke!.passed) ? 'passed' : 'failed';
}

function imageJson(i: ImageResult, result: PipelineResult): Record<string, unknown> {
  return {
    image: i.name,
    variant: i.variant,
    platform: i.platform ?? null,
    imageid: i.imageId ?? null,
    tags: i.tags,
    references: refsOf(i, result),
    digests: Object.fromEntries(i.pushed.map((p) => [registryOfRef(p.ref, i.name), p.digest])),
    pushed: i.pushed.map((p) => `${p.ref}@${p.digest}`),
    'not-pushed': whyNotPushed(i, result) ?? null,
    size: i.build?.sizeBytes ?? null,
    'build-seconds': i.build ? tenths(i.build.durationMs) : null,
    'build-steps': i.build ? { cached: i.build.steps.cached, total: i.build.steps.total } : null,
    cache: i.cache ? { backend: i.cache.backend, write: i.cache.write } : null,
    'cache-mounts': i.mounts
      ? {
          mounts: i.mounts.mounts,
          // Set when restoring was skipped: the key of the save whose steps the layer cache holds.
          'unchanged-since': i.mounts.unchanged?.key ?? null,
          'restored-bytes': i.mounts.restored?.bytes ?? null,
          'restore-seconds': i.mounts.restored ? tenths(i.mounts.restored.ms) : null,
          'saved-bytes': i.mounts.saved?.bytes ?? null,
          'save-seconds': i.mounts.saved ? tenths(i.mounts.saved.ms) : null,
        }
      : null,
    proven: i.proven
      ? {
          digest: i.proven.digest,
          'build-key': i.proven.key,
          record: i.proven.record,
          run: i.proven.run,
          time: i.proven.time,
        }
      : null,
    'smoke-test': {
      result: i.proven ? 'passed' : smokeVerdict(i.smoke),
      checks: (i.smoke?.checks ?? []).map((c) => ({
        kind: c.kind,
        name: c.name,
        result: !c.passed ? 'failed' : c.skipped ? 'skipped' : 'passed',
        seconds: tenths(c.durationMs),
        ...(c.passed ? {} : { message: c.message ?? '', expected: c.expected ?? null, actual: c.actual ?? null }),
        ...(c.passed && c.skipped ? { skipped: c.skipped } : {}),
      })),
    },
  };
}
