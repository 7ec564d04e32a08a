// Nothing one target pushes may overwrite another's: across the whole plan (every image, variant and
// platform) each pushed reference and each local image name belongs to one publish target, and each job
// id, digest file and cache scope to one job. A collision is a config error at the later of the two places,
// naming the earlier one and what they share. Pure: claims in, issues out.
import type { ImageConfig, VariantConfig } from '../config/types.js';
import type { ConfigIssue, SourceLocation } from '../errors.js';
import type { Flavor } from '../meta/tags.js';
import { digestFileName } from './ids.js';
import { jobPlace, scopePlace, tagPlace, type ConfigSource, type Place } from './places.js';
import type { BuildJob } from './types.js';
import { variantTag } from './variant-tags.js';

/** One job of the plan with what it was made from, for the checks over the whole plan. */
export interface PlannedJob {
  job: BuildJob;
  /** Its name in messages, e.g. "acme/iris (cuda)". */
  name: string;
  image: ImageConfig;
  variant: VariantConfig;
  /** The image's tags before the variant changed them, and the rule each came from (TagsResult). */
  imageTags: { tags: readonly string[]; rules: readonly number[] };
  flavor: Flavor;
  /** job.pushRefs with the registry and tag each is made of. */
  pushed: readonly { registry: string; tag: string; ref: string }[];
}

/** Where the push registries came from, for messages: "push.registries", "--registry", "input registries". */
export type RegistriesFrom = string;

type Kind = 'job id' | 'digest file' | 'cache scope' | 'reference' | 'image name';

interface Claim {
  kind: Kind;
  value: string;
  /** Who may hold it more than once: the job itself (ids, caches) or its publish target (references). */
  owner: string;
  who: string;
  place: Place;
  registry?: string;
}

const WHY: Record<Kind, (value: string) => string> = {
  'job id': (v) => `would both get job id ${v}, which names their matrix entry, digest file, containers and cache`,
  'digest file': (v) => `would both write the digest file ${v}`,
  'cache scope': (v) => `would both use cache scope ${v}, each overwriting the other's cache`,
  reference: (v) => `would both push ${v}: whichever pushes last replaces the other's image`,
  'image name': (v) => `would both be tagged ${v} before their smoke tests: one image would replace the other`,
};

/** Every collision in the plan, one per pair of jobs (names) or targets (references): the first thing they share. */
export function uniquenessIssues(
  planned: readonly PlannedJob[],
  source: ConfigSource,
  from: RegistriesFrom,
): ConfigIssue[] {
  const claimed = new Map<string, Claim>();
  const reported = new Set<string>();
  const issues: ConfigIssue[] = [];
  planned.forEach((p, index) => {
    for (const claim of claimsOf(p, index, source)) {
      const key = `${claim.kind}\u0000${claim.value}`;
      const other = claimed.get(key);
      if (!other) claimed.set(key, claim);
      else if (other.owner !== claim.owner && !reported.has(`${other.owner}\u0000${claim.owner}`)) {
        reported.add(`${other.owner}\u0000${claim.owner}`);
        issues.push(collision(other, claim, from));
      }
    }
  });
  return issues;
}

function collision(first: Claim, second: Claim, from: RegistriesFrom): ConfigIssue {
  const via =
    first.registry !== undefined && first.registry !== second.registry
      ? ` (through ${from} ${first.registry} and ${second.registry})`
      : '';
  const there = `${formatLocation(first.place.location)}${first.place.path ? ` (${first.place.path})` : ''}`;
  return {
    location: second.place.location,
    path: second.place.path,
    message: `${second.who} and ${first.who} at ${there} ${WHY[second.kind](second.value)}${via}`,
  };
}

export const formatLocation = (l: SourceLocation): string => `${l.file}:${l.line}:${l.column}`;

/** What a job claims, names before references, pushed references before local names (what is published first). */
function claimsOf(p: PlannedJob, index: number, source: ConfigSource): Claim[] {
  const { job, image, variant } = p;
  const multi = job.target !== undefined;
  const place = jobPlace(source, image, variant, job);
  // Owners: a job by its position (its id may be the very thing that collides); a target by its image and variant.
  const self = { owner: `job ${index}`, who: multi ? `${p.name} on ${job.platform}` : p.name };
  const target = { owner: `target ${image.index} ${variant.name}`, who: p.name };
  const places = tagPlaces(p, source);
  return [
    { ...self, kind: 'job id', value: job.id, place },
    { ...self, kind: 'digest file', value: digestFileName(job.id), place },
    { ...self, kind: 'cache scope', value: job.build.cache.scope, place: scopePlace(source, image, variant, place) },
    ...p.pushed.map((r): Claim => ({
      ...target,
      kind: 'reference',
      value: r.ref,
      place: places.get(r.tag)!,
      registry: r.registry,
    })),
    ...job.localRefs.map((ref, i): Claim => ({
      ...target,
      kind: 'image name',
      value: ref,
      place: places.get(job.tags[i])!,
    })),
  ];
}

/** Each of the job's tags → where it is decided (the first image tag that gives it). */
function tagPlaces(p: PlannedJob, source: ConfigSource): Map<string, Place> {
  const places = new Map<string, Place>();
  p.imageTags.tags.forEach((base, i) => {
    const { tag, by } = variantTag(base, p.variant, p.flavor);
    if (!places.has(tag)) places.set(tag, tagPlace(source, p.image, p.variant, by, p.imageTags.rules[i] ?? -1));
  });
  return places;
}
