// The Plan: pure data saying what a run will do — which image variants are built, with which tags,
// labels, secrets and smoke tests, on which runners, and where they are pushed. Computed from the resolved
// config and the git context only, so it can be printed, diffed and tested without an engine.
import { DEFAULT_PLATFORM_RUNS_ON } from '../config/resolve.js';
import { readFileSync } from 'node:fs';
import { cacheSpec, type CacheSpec } from '../cache/plan.js';
import type { Config, ImageConfig, PushEvent, SecretBuildArgsPolicy, SmokeTestConfig, VariantConfig } from '../config/types.js';
import { MlImageError } from '../errors.js';
import { baseImageOf } from '../meta/base-image.js';
import type { GitContext } from '../meta/context.js';
import { imageLabels } from '../meta/labels.js';
import { computeTags, DEFAULT_TAG_RULES, parseFlavor, parseTagRules, sanitizeTag, type Flavor, type MetaContext } from '../meta/tags.js';

export interface BuildSpec {
  context: string;
  dockerfile: string;
  target?: string;
  buildArgs: Record<string, string>;
  /** Environment variable names passed as BuildKit secrets. */
  secrets: string[];
  cache: CacheSpec;
  /** SOURCE_DATE_EPOCH for the build (set for multi-platform and fan-out builds, pushed by digest). */
  sourceDateEpoch?: number;
}

export interface BuildJob {
  /** Stable id used in logs, container names and reports, e.g. "acme-iris-classifier-cuda12". */
  id: string;
  /** The publish target (image × variant) this platform build belongs to; absent: the job is its own target. */
  target?: string;
  image: string;
  /** '' for an image without variants. */
  variant: string;
  platform?: string;
  build: BuildSpec;
  smokeTest?: SmokeTestConfig;
  gpu: boolean;
  runsOn: string[];
  /** Tag names, in metadata-action's order. */
  tags: string[];
  /** metadata-action's main version, when the rules give one. */
  version?: string;
  /** Local references the built image gets (name:tag), before any registry is involved. */
  localRefs: string[];
  /** Registry references pushed after the smoke test passed. */
  pushRefs: string[];
  labels: Record<string, string>;
}

export interface Plan {
  configFile: string;
  root: string;
  jobs: BuildJob[];
  registries: string[];
  push: boolean;
  /** push.immutable-tags: release tags already in a registry are not moved. */
  immutableTags: boolean;
  /** policy.secret-build-args: warn about, refuse or ignore build arguments that look like secrets. */
  secretBuildArgs: SecretBuildArgsPolicy;
  /** The build date the tags and labels were computed for (ISO). */
  date?: string;
}

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
  /** The build date (SOURCE_DATE_EPOCH applied). */
  date: Date;
  filters?: PlanFilters;
  /** Reads a Dockerfile, to find the base image for labels; injectable for tests. */
  readFile?: (file: string) => string | undefined;
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

export function makePlan(config: Config, git: GitContext, options: PlanOptions): Plan {
  const registries = options.registries ?? config.push.registries;
  const meta = metaContext(git, options.date);
  const read = options.readFile ?? readText;
  const images = selectImages(config.images, options.filters);
  checkVariantFilter(images, options.filters);
  const jobs = images.flatMap((image) => {
    const rules = parseTagRules(image.tags.length > 0 ? image.tags : DEFAULT_TAG_RULES).rules;
    const flavor = parseFlavor(image.flavor).flavor;
    let computed: ReturnType<typeof computeTags>;
    try {
      computed = computeTags(rules, flavor, meta);
    } catch (err: unknown) {
      // e.g. an enable= expression that renders to neither true nor false for this event.
      throw new MlImageError(`tags of ${image.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return selectVariants(image, options.filters).flatMap((variant): BuildJob[] => {
      const tags = variantTags(computed.tags, variant, flavor);
      const dockerfileText = read(variant.dockerfile);
      const baseImage = dockerfileText === undefined ? undefined : baseImageOf(dockerfileText, variant.buildArgs, variant.target);
      const target = jobId(image.name, variant.name);
      const platforms: (string | undefined)[] = variant.platforms.length > 0 ? variant.platforms : [undefined];
      const multi = platforms.length > 1;
      const labels = imageLabels({ image: image.name, variant, version: computed.version ?? tags[0], ctx: git, created: options.date.toISOString(), baseImage });
      return platforms.map((platform): BuildJob => {
        // One publish target (image × variant) has a build per platform; with several, each platform's build
        // has its own id, local names and cache, and they share the target's tags and registry references.
        const slug = platform ? platformSlug(platform) : '';
        const id = multi ? `${target}-${slug}` : target;
        return {
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
            cache: cacheSpec({ cache: variant.cache, image: image.name, variant: [variant.name, multi ? slug : ''].filter(Boolean).join('-'), jobId: id, registries, git }),
            // Several platforms are pushed by digest from a second, cached build: the same timestamps make it
            // the very image that was tested (checked by its config digest).
            ...(multi ? { sourceDateEpoch: Math.floor(options.date.getTime() / 1000) } : {}),
          },
          smokeTest: variant.smokeTest,
          gpu: variant.gpu,
          runsOn: (platform && (variant.platformRunsOn?.[platform] ?? DEFAULT_PLATFORM_RUNS_ON[platform])) || variant.runsOn,
          tags,
          version: computed.version,
          localRefs: tags.map((t) => `${image.name}:${multi ? `${t}-${slug}`.slice(0, 128) : t}`),
          pushRefs: registries.flatMap((r) => tags.map((t) => `${repositoryIn(r, image.name)}:${t}`)),
          labels,
        };
      });
    });
  });
  assertDistinct(jobs);
  const only = options.filters?.only;
  if (only !== undefined) {
    const entry = jobs.filter((j) => j.id === only);
    if (entry.length === 0) throw new MlImageError(`no matrix entry "${only}" in the plan (entries: ${jobs.map((j) => j.id).join(', ') || 'none'})`);
    jobs.splice(0, jobs.length, ...entry);
  }
  return { configFile: config.file, root: config.root, registries, push: options.push, immutableTags: config.push.immutableTags, secretBuildArgs: config.policy.secretBuildArgs, date: options.date.toISOString(), jobs };
}

/** The repository an image has in a push registry; Docker Hub's one-part names live under library/, as the docker CLI reads them. */
export function repositoryIn(registry: string, name: string): string {
  return registry === 'docker.io' && !name.includes('/') ? `docker.io/library/${name}` : `${registry}/${name}`;
}

/** Two jobs pushing one reference would silently replace each other's image; ids name containers. */
function assertDistinct(jobs: readonly BuildJob[]): void {
  const owner = new Map<string, BuildJob>();
  for (const job of jobs) {
    for (const key of [`id ${job.id}`, ...job.localRefs.map((r) => `tag ${r}`)]) {
      const other = owner.get(key);
      if (other) throw new MlImageError(`${jobName(other)} and ${jobName(job)} would both be ${key.startsWith('id') ? 'job' : 'tagged'} ${key.slice(key.indexOf(' ') + 1)}`);
      owner.set(key, job);
    }
  }
}

function checkVariantFilter(images: readonly ImageConfig[], filters?: PlanFilters): void {
  const known = [...new Set(images.flatMap((i) => i.variants.map((v) => v.name)).filter(Boolean))];
  for (const w of filters?.variants ?? []) {
    if (!known.includes(w)) throw new MlImageError(`no variant named "${w}" in the selected images (variants: ${known.join(', ') || 'none'})`);
  }
}

/**
 * Tags of a variant: the default variant takes metadata-action's tags as they are; every other variant
 * appends its suffix to each (1.2.3 → 1.2.3-cuda12, latest → latest-cuda12), or replaces the latest tag
 * with its own latest-tag when it sets one (latest → cuda12).
 */
export function variantTags(tags: readonly string[], variant: VariantConfig, flavor: Flavor): string[] {
  if (variant.isDefault) return [...tags];
  // Compared after sanitizing, as the computed tags were: suffix=+cu121 yields latest-cu121.
  const latest = sanitizeTag(`${flavor.prefixLatest ? flavor.prefix : ''}latest${flavor.suffixLatest ? flavor.suffix : ''}`);
  const out = tags.map((t) => (t === latest && variant.latestTag ? variant.latestTag : withSuffix(t, variant.tagSuffix)));
  return [...new Set(out)];
}

/** Appends a suffix, shortening the tag itself if needed so the result keeps to 128 characters. */
function withSuffix(tag: string, suffix: string): string {
  return tag.slice(0, Math.max(1, 128 - suffix.length)) + suffix;
}

function selectImages(images: readonly ImageConfig[], filters?: PlanFilters): ImageConfig[] {
  const wanted = filters?.images;
  if (!wanted || wanted.length === 0) return [...images];
  const known = images.map((i) => i.name);
  for (const w of wanted) {
    if (!known.includes(w.toLowerCase())) throw new MlImageError(`no image named "${w}" in the config (images: ${known.join(', ')})`);
  }
  return images.filter((i) => wanted.some((w) => w.toLowerCase() === i.name));
}

function selectVariants(image: ImageConfig, filters?: PlanFilters): VariantConfig[] {
  const wanted = filters?.variants;
  if (!wanted || wanted.length === 0) return image.variants;
  return image.variants.filter((v) => wanted.includes(v.name));
}

/** How a job is named in logs and messages: image, or image (variant). */
export function jobName(job: Pick<BuildJob, 'image' | 'variant'>): string {
  return job.variant ? `${job.image} (${job.variant})` : job.image;
}

/** The publish target of a job: its image × variant, shared by its platform builds. */
export const targetOf = (job: Pick<BuildJob, 'id' | 'target'>): string => job.target ?? job.id;

/** linux/arm64/v8 → linux-arm64-v8: a platform as part of an id, a tag or a cache reference. */
export function platformSlug(platform: string): string {
  return platform.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
}

export function jobId(name: string, variant = ''): string {
  return [name, variant].filter(Boolean).join('-').replace(/[^a-z0-9]+/g, '-');
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
        return branch !== undefined && branch === git.defaultBranch && e !== 'pull_request' && e !== 'pull_request_target';
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
