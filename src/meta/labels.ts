// OCI image labels (org.opencontainers.image.*) and ml-image's own labels, derived from the config and the
// git context. User labels from the config win over generated ones.
import type { ImageConfig } from '../config/types.js';
import type { Env, GitContext } from './context.js';

export const LABEL_PREFIX = 'io.github.ml-image';

/** The build time: SOURCE_DATE_EPOCH when set, so that rebuilding one commit gives the same labels. */
export function createdAt(env: Env, now: () => Date = () => new Date()): string {
  const epoch = env.SOURCE_DATE_EPOCH;
  const date = epoch && /^[0-9]+$/.test(epoch) ? new Date(Number(epoch) * 1000) : undefined;
  // An out-of-range epoch is ignored rather than failing the build over a label.
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : now().toISOString();
}

export function imageLabels(image: ImageConfig, ctx: GitContext, created: string): Record<string, string> {
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': image.name.split('/').pop()!,
    'org.opencontainers.image.created': created,
    'org.opencontainers.image.version': image.tags[0]!,
  };
  if (ctx.sha) labels['org.opencontainers.image.revision'] = ctx.prHeadSha ?? ctx.sha;
  if (ctx.repository) {
    labels['org.opencontainers.image.source'] = `${ctx.serverUrl}/${ctx.repository}`;
    labels['org.opencontainers.image.url'] = `${ctx.serverUrl}/${ctx.repository}`;
  }
  labels[`${LABEL_PREFIX}.gpu`] = String(image.gpu);
  return { ...labels, ...image.labels };
}
