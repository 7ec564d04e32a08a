// Makes the Plan (types.ts) from the resolved config and the git context only, so it can be printed, diffed
// and tested without an engine: tags, labels, cache references and ids per job, then the checks over the
// whole plan (uniqueness.ts, output-values.ts). The face of plan/: its types and ids are handed on from here.
import { DEFAULT_PLATFORM_RUNS_ON } from '../config/resolve.js';
import { readFileSync } from 'node:fs';
import { cacheSpec } from './cache-spec.js';
import type { Config, ImageConfig, PushEvent, VariantConfig } from '../config/types.js';
import { ConfigError, MlImageError, sortIssues } from '../errors.js';
import { baseImageOf } from '../meta/base-image.js';
import type { GitContext } from '../meta/context.js';
import { imageLabels } from '../meta/labels.js';
import { computeTags, DEFAULT_TAG_RULES, parseFlavor, parseTagRules, type MetaContext } from '../meta/tags.js';
import { jobId, jobName, platformSlug, repositoryIn } from './ids.js';
import { outputValueIssues } from './output-values.js';
import { noSource, type ConfigSource } from './places.js';
import type { BuildJob, Plan } from './types.js';
import { uniquenessIssues, type PlannedJob } from './uniqueness.js';
import { variantTags } from './variant-tags.js';

export type { BuildJob, BuildSpec, Plan } from './types.js';
export { digestFileName, jobId, jobName, platformSlug, repositoryIn, targetOf } from './ids.js';
export { variantTags } from './variant-tags.js';

export interface PlanFilters {
  images?: string[];
  variants?: string[];
  /** One matrix entry (job id) of the fan-out; the rest of the plan is left out. */
  only?: string;
}

export interface PlanOptions {
  push: boolean;
  /** Replaces push.registries from the config when given. */
  registries?: string[];
  /** The build date (SOURCE_DATE_EPOCH applied): what tag templates' {{date}} reads. */
  date: Date;
  /**
   * SOURCE_DATE_EPOCH as the caller's environment set it, when it did: a reproducible image takes its dates
   * from this, else from the commit.
   */
  sourceDate?: Date;
  filters?: PlanFilters;
  /** Reads a Dockerfile, to find the base image for labels; injectable for tests. */
  readFile?: (file: string) => string | undefined;
  /** The config file's positions, for errors about the plan as a whole (none: a config built by hand). */
  source?: ConfigSource;
  /** Where `registries` came from, for those errors: "--registry" or "input registries". */
  registriesFrom?: string;
}

export function metaContext(git: GitContext, date: Date): MetaContext {
  return {
    eventName: git.eventName,
    ref: git.ref,
    sha: git.sha,
    prHeadSha: git.prHeadSha,
    baseRef: git.baseRef,
    defaultBranch: git.defaultBranch,
    date,
    commitDate: git.commitDate,
    usePrHeadSha: git.usePrHeadSha,
  };
}

/**
 * The date an image carries (its created label, SOURCE_DATE_EPOCH): for a reproducible image the
 * caller's SOURCE_DATE_EPOCH or else the commit's date, so that rebuilding one commit gives one digest;
 * otherwise the build date. Whole seconds, as SOURCE_DATE_EPOCH has them, so the label and the image
 * config agree.
 */
export function imageDate(reproducible: boolean, git: GitContext, options: PlanOptions): Date {
  const date = reproducible ? (options.sourceDate ?? git.commitDate ?? options.date) : options.date;
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

export function makePlan(config: Config, git: GitContext, options: PlanOptions): Plan {
  const registries = options.registries ?? config.push.registries;
  const meta = metaContext(git, options.date);
  const read = options.readFile ?? readText;
  const images = selectImages(config.images, options.filters);
  checkVariantFilter(images, options.filters);
  const planned = images.flatMap((image): PlannedJob[] => {
    const rules = parseTagRules(image.tags.length > 0 ? image.tags : DEFAULT_TAG_RULES).rules;
    const flavor = parseFlavor(image.flavor).flavor;
    let computed: ReturnType<typeof computeTags>;
    try {
      computed = computeTags(rules, flavor, meta);
    } catch (err: unknown) {
      // e.g. an enable= expression that renders to neither true nor false for this event.
      throw new MlImageError(`tags of ${image.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return selectVariants(image, options.filters).flatMap((variant): PlannedJob[] => {
      const tags = variantTags(computed.tags, variant, flavor);
      const dockerfileText = read(variant.dockerfile);
      const baseImage =
        dockerfileText === undefined ? undefined : baseImageOf(dockerfileText, variant.buildArgs, variant.target);
      const target = jobId(image.name, variant.name);
      const platforms: (string | undefined)[] = variant.platforms.length > 0 ? variant.platforms : [undefined];
      const multi = platforms.length > 1;
      const created = imageDate(image.reproducible, git, options);
      const labels = imageLabels({
        image: image.name,
        variant,
        version: computed.version ?? tags[0],
        ctx: git,
        created: created.toISOString(),
        baseImage,
      });
      const pushed = registries.flatMap((r) =>
        tags.map((t) => ({ registry: r, tag: t, ref: `${repositoryIn(r, image.name)}:${t}` })),
      );
      return platforms.map((platform): PlannedJob => {
        // One publish target (image × variant) has a build per platform; with several, each platform's build
        // has its own id, local names and cache, and they share the target's tags and registry references.
        const slug = platform ? platformSlug(platform) : '';
        const id = multi ? `${target}-${slug}` : target;
        const job: BuildJob = {
          id,
          ...(multi ? { target } : {}),
          image: image.name,
          variant: variant.name,
          platform,
          build: {
            context: image.context,
            dockerfile: variant.dockerfile,
            target: variant.target,
            buildArgs: variant.buildArgs,
            secrets: image.secrets,
            cache: cacheSpec({
              cache: variant.cache,
              image: image.name,
              variant: [variant.name, multi ? slug : ''].filter(Boolean).join('-'),
              jobId: id,
              registries,
              git,
            }),
            // A reproducible image takes its timestamps from the commit. Without that, several platforms are
            // still pushed by digest from a second, cached build: the same timestamps make it the very image
            // that was tested (checked by its config digest).
            reproducible: image.reproducible,
            ...(image.reproducible || multi ? { sourceDateEpoch: Math.floor(created.getTime() / 1000) } : {}),
          },
          smokeTest: variant.smokeTest,
          gpu: variant.gpu,
          runsOn:
            (platform && (variant.platformRunsOn?.[platform] ?? DEFAULT_PLATFORM_RUNS_ON[platform])) || variant.runsOn,
          tags,
          version: computed.version,
          localRefs: tags.map((t) => `${image.name}:${multi ? `${t}-${slug}`.slice(0, 128) : t}`),
          pushRefs: pushed.map((p) => p.ref),
          labels,
        };
        return { job, name: jobName(job), image, variant, imageTags: computed, flavor, pushed };
      });
    });
  });
  // Before the --only filter: a matrix entry must not collide with the entries it is not.
  const source = options.source ?? noSource(config.file);
  const issues = [
    ...uniquenessIssues(planned, source, options.registriesFrom ?? 'push.registries'),
    ...outputValueIssues(planned, source),
  ];
  if (issues.length > 0) throw new ConfigError(sortIssues(issues));
  const jobs = planned.map((p) => p.job);
  const only = options.filters?.only;
  if (only !== undefined) {
    const entry = jobs.filter((j) => j.id === only);
    if (entry.length === 0)
      throw new MlImageError(
        `no matrix entry "${only}" in the plan (entries: ${jobs.map((j) => j.id).join(', ') || 'none'})`,
      );
    jobs.splice(0, jobs.length, ...entry);
  }
  return {
    configFile: config.file,
    root: config.root,
    registries,
    push: options.push,
    immutableTags: config.push.immutableTags,
    secretBuildArgs: config.policy.secretBuildArgs,
    date: options.date.toISOString(),
    jobs,
  };
}

function checkVariantFilter(images: readonly ImageConfig[], filters?: PlanFilters): void {
  const known = [...new Set(images.flatMap((i) => i.variants.map((v) => v.name)).filter(Boolean))];
  for (const w of filters?.variants ?? []) {
    if (!known.includes(w))
      throw new MlImageError(
        `no variant named "${w}" in the selected images (variants: ${known.join(', ') || 'none'})`,
      );
  }
}

function selectImages(images: readonly ImageConfig[], filters?: PlanFilters): ImageConfig[] {
  const wanted = filters?.images;
  if (!wanted || wanted.length === 0) return [...images];
  const known = images.map((i) => i.name);
  for (const w of wanted) {
    if (!known.includes(w.toLowerCase()))
      throw new MlImageError(`no image named "${w}" in the config (images: ${known.join(', ')})`);
  }
  return images.filter((i) => wanted.some((w) => w.toLowerCase() === i.name));
}

function selectVariants(image: ImageConfig, filters?: PlanFilters): VariantConfig[] {
  const wanted = filters?.variants;
  if (!wanted || wanted.length === 0) return image.variants;
  return image.variants.filter((v) => wanted.includes(v.name));
}

/** Whether push.when lets this event push (the Action's push: auto). */
export function pushAllowed(when: readonly PushEvent[], git: GitContext): boolean {
  const e = git.eventName;
  const isTag = git.ref.startsWith('refs/tags/');
  const branch = git.ref.startsWith('refs/heads/') ? git.ref.slice('refs/heads/'.length) : undefined;
  return when.some((w) => {
    switch (w) {
      case 'always':
        return true;
      case 'pull-request':
        return e === 'pull_request' || e === 'pull_request_target';
      case 'tag':
        return isTag && e !== 'pull_request' && e !== 'pull_request_target';
      case 'branch':
        return branch !== undefined && (e === 'push' || e === 'local');
      case 'default-branch':
        return (
          branch !== undefined && branch === git.defaultBranch && e !== 'pull_request' && e !== 'pull_request_target'
        );
      case 'schedule':
        return e === 'schedule';
      case 'workflow-dispatch':
        return e === 'workflow_dispatch';
      case 'release':
        return e === 'release';
    }
  });
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
