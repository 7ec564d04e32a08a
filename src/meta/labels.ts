// OCI image labels (org.opencontainers.image.*, as docker/metadata-action sets them) and ml-image's own
// labels for ML images (variant, GPU, CUDA), derived from the config and the git context. Labels from
// the config win over generated ones.
import type { Env, GitContext } from './context.js';
import { cudaVersionOf } from './base-image.js';

export const LABEL_PREFIX = 'io.github.ml-image';

/** The build time: SOURCE_DATE_EPOCH when set, so that rebuilding one commit gives the same labels. */
export function buildDate(env: Env, now: () => Date = () => new Date()): Date {
  return sourceDateOf(env) ?? now();
}

/** SOURCE_DATE_EPOCH as a date, when the environment sets a usable one. */
export function sourceDateOf(env: Env): Date | undefined {
  const epoch = env.SOURCE_DATE_EPOCH;
  const date = epoch && /^[0-9]+$/.test(epoch) ? new Date(Number(epoch) * 1000) : undefined;
  // An out-of-range epoch is ignored rather than failing the build over a label.
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

/**
 * What the labels read of a config variant (config/types.ts's VariantConfig is one): named here so that meta/,
 * below config/, needs nothing from it.
 */
export interface LabelVariant {
  /** '' for an image without variants. */
  name: string;
  gpu: boolean;
  /** The config's own labels, which win over generated ones. */
  labels: Record<string, string>;
}

export interface LabelInput {
  image: string;
  variant: LabelVariant;
  /** metadata-action's main version; falls back to the first tag. */
  version?: string;
  ctx: GitContext;
  created: string;
  baseImage?: string;
}

/**
 * A generated value as one line: a repository description or URL from the event may hold line breaks,
 * and the labels output is one key=value a line (plan/output-values.ts refuses a plan that would break it).
 */
function oneLine(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
}

export function imageLabels(input: LabelInput): Record<string, string> {
  const { ctx, variant } = input;
  const source = ctx.repo.htmlUrl ?? (ctx.repository ? `${ctx.serverUrl}/${ctx.repository}` : undefined);
  const revision = ctx.usePrHeadSha && ctx.prHeadSha ? ctx.prHeadSha : ctx.sha;
  const cuda = cudaVersionOf(input.baseImage);
  const generated: Record<string, string | undefined> = {
    'org.opencontainers.image.title': input.image.split('/').pop(),
    'org.opencontainers.image.description': ctx.repo.description,
    'org.opencontainers.image.url': source,
    'org.opencontainers.image.source': source,
    'org.opencontainers.image.version': input.version,
    'org.opencontainers.image.created': input.created,
    'org.opencontainers.image.revision': revision || undefined,
    'org.opencontainers.image.licenses': ctx.repo.license,
    'org.opencontainers.image.base.name': input.baseImage,
    [`${LABEL_PREFIX}.variant`]: variant.name || undefined,
    [`${LABEL_PREFIX}.gpu`]: String(variant.gpu || cuda !== undefined),
    [`${LABEL_PREFIX}.cuda`]: cuda,
  };
  const labels = Object.fromEntries(
    Object.entries(generated)
      .map(([k, v]) => [k, v === undefined ? undefined : oneLine(v)])
      .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
  return { ...labels, ...variant.labels };
}
