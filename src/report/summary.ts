// The job summary (GITHUB_STEP_SUMMARY): one table row per image and variant, the resolved plan folded
// away, and for every failed check what was expected next to what came and the container log's tail.
// Pure: markdown from the result.
import { megabytes, seconds } from '../log/log.js';
import { registryOfRef, smokeVerdict, whyNotPushed, type ImageResult, type PipelineResult } from './result.js';

const ICON = { passed: '✅', failed: '❌', skipped: '➖' } as const;

/** The summary of a run; without a result (a failure before anything was planned), just the reason. */
export function summaryMarkdown(result: PipelineResult | undefined, failure?: string): string {
  const lines = [`## ml-image ${failure ? '❌ failed' : '✅ passed'}`, ''];
  if (failure) lines.push(`> ${escapeHtml(failure.split('\n')[0])}`, '');
  if (!result) return lines.join('\n').trimEnd() + '\n';
  lines.push(
    '| image | tags | digest | size | build | cached steps | smoke test | pushed |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const i of result.images) lines.push(row(i, result));
  lines.push('', details('Plan', fenced(result.plan.trimEnd())));
  const failed = result.images.flatMap((i) => (i.smoke?.checks ?? []).filter((c) => !c.passed).map((c) => ({ i, c })));
  if (failed.length > 0) {
    lines.push('', '### Failed checks', '');
    for (const { i, c } of failed) {
      const body = [
        ...(c.expected !== undefined ? ['**expected**', '', fenced(c.expected), ''] : []),
        ...(c.actual !== undefined ? ['**actual**', '', fenced(c.actual), ''] : []),
        ...(c.log ? ['**container log** (last lines)', '', fenced(c.log), ''] : []),
      ];
      const title = `${imageName(i)} ${c.kind} <b>${escapeHtml(c.name)}</b>: ${escapeHtml((c.message ?? 'failed').split('\n')[0])}`;
      lines.push(body.length > 0 ? details(title, body.join('\n').trimEnd()) : `- ${title}`, '');
    }
  }
  return lines.join('\n').trimEnd() + '\n';
}

function row(i: ImageResult, result: PipelineResult): string {
  const smoke = smokeVerdict(i.smoke);
  const checks = (i.smoke?.checks ?? []).map((c) =>
    !c.passed
      ? `✗ ${escapeHtml(c.name)} ${seconds(c.durationMs)}`
      : c.skipped
        ? `➖ ${escapeHtml(c.name)} (skipped: ${escapeHtml(c.skipped)})`
        : `✓ ${escapeHtml(c.name)} ${seconds(c.durationMs)}`,
  );
  const why = whyNotPushed(i, result);
  const pushed = i.pushed.map((p) => `\`${p.ref}\`${p.kept ? ' (release tag kept: same layers)' : ''}`);
  const digests = [...new Map(i.pushed.map((p) => [registryOfRef(p.ref, i.name), p.digest])).values()];
  return (
    '| ' +
    [
      imageName(i),
      i.tags.map((t) => `\`${t}\``).join('<br>') || '—',
      [...new Set(digests)].map((d) => `\`${d.slice(0, 19)}…\``).join('<br>') || '—',
      i.build?.sizeBytes !== undefined ? megabytes(i.build.sizeBytes) : '—',
      i.build ? seconds(i.build.durationMs) : '—',
      i.build ? `${i.build.steps.cached}/${i.build.steps.total}` : '—',
      [`${ICON[smoke]} ${smoke}`, ...checks].join('<br>'),
      [...pushed, ...(why ? [`not pushed: ${escapeHtml(why)}`] : [])].join('<br>'),
    ]
      .map(cell)
      .join(' | ') +
    ' |'
  );
}

const imageName = (i: ImageResult): string =>
  `<code>${escapeHtml(i.name)}</code>${i.variant ? ` (${escapeHtml(i.variant)})` : ''}`;

/** A table cell: a pipe would end it and a newline would end the row. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

/** A code block whose fence is longer than any backtick run inside, so output cannot close it early. */
export function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}
