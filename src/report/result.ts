// What a run produced, and how it becomes the Action's outputs (tags, digest, metadata) and the job
// summary. Pure functions over the result; the front ends decide where the text goes.
import type { PushedRef } from '../registry/push.js';
import type { SmokeResult } from '../smoke/run.js';

export interface ImageResult {
  name: string;
  /** '' when the image has no variants. */
  variant: string;
  tags: string[];
  platform?: string;
  imageId?: string;
  localRefs: string[];
  pushRefs: string[];
  smoke?: SmokeResult;
  pushed: PushedRef[];
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
  images: ImageResult[];
}

export interface ActionOutputs {
  tags: string;
  digest: string;
  metadata: string;
  matrix: string;
  version: string;
}

/** tags: every reference (pushed ones when pushing, else the local ones), one a line, like metadata-action. */
export function toOutputs(result: PipelineResult): ActionOutputs {
  const tags = result.images.flatMap((i) => (result.pushRequested && i.pushRefs.length > 0 ? i.pushRefs : i.localRefs));
  const digest = result.images.flatMap((i) => i.pushed.map((p) => p.digest))[0] ?? '';
  const metadata = {
    config: result.configFile,
    builder: result.builder,
    pushed: result.images.some((i) => i.pushed.length > 0),
    images: result.images.map((i) => ({
      name: i.name,
      variant: i.variant,
      platform: i.platform ?? null,
      imageId: i.imageId ?? null,
      tags: i.tags,
      refs: i.pushRefs,
      digest: i.pushed[0]?.digest ?? null,
      smokeTest: i.smoke ? { passed: i.smoke.passed, gpus: i.smoke.gpus, checks: i.smoke.checks } : null,
    })),
  };
  return { tags: tags.join('\n'), digest, metadata: JSON.stringify(metadata), matrix: result.matrix, version: result.version };
}

export function summaryMarkdown(result: PipelineResult, failure?: string): string {
  const lines = [`## ml-image ${failure ? '❌ failed' : '✅ passed'}`, ''];
  if (failure) lines.push(`> ${failure.split('\n')[0]}`, '');
  lines.push('| image | smoke test | pushed |', '| --- | --- | --- |');
  for (const i of result.images) {
    const smoke = !i.smoke ? 'not run' : `${i.smoke.checks.filter((c) => c.passed).length}/${i.smoke.checks.length} passed`;
    const pushed = i.pushed.length > 0 ? i.pushed.map((p) => `\`${p.ref}\``).join('<br>') : result.pushRequested ? 'nothing' : 'not requested';
    lines.push(`| \`${i.name}\`${i.variant ? ` (${i.variant})` : ''} | ${smoke} | ${pushed} |`);
  }
  const failed = result.images.flatMap((i) =>
    (i.smoke?.checks ?? []).filter((c) => !c.passed).map((c) => ({ image: `\`${i.name}\`${i.variant ? ` (${i.variant})` : ''}`, c })),
  );
  if (failed.length > 0) {
    lines.push('', '### Failed checks', '');
    for (const { image, c } of failed) lines.push(`- ${image} ${c.kind} **${c.name}**: ${(c.message ?? '').split('\n')[0]}`);
  }
  return lines.join('\n') + '\n';
}
