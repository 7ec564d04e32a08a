// Where the parts of a plan are written in the config file: an image's name, a variant's key, a platform,
// the tag rule, tag-suffix or latest-tag a tag came from, a cache scope. For messages about the plan as a
// whole (two targets pushing one reference), which must point at both places. Pure over a ConfigSource.
import type { ImageConfig, VariantConfig } from '../config/types.js';
import { formatPath, type PathSegment } from '../config/validate.js';
import type { SourceLocation } from '../errors.js';
import type { BuildJob } from './types.js';
import type { TagSource } from './variant-tags.js';

/** What the config file can say about its key paths (SourceMap in config/source-map.ts). */
export interface ConfigSource {
  locate(keyPath: readonly PathSegment[], atKey?: boolean): SourceLocation;
  has(keyPath: readonly PathSegment[]): boolean;
}

/** A place in the config file: its position and key path (e.g. images[0].variants.cuda.tag-suffix). */
export interface Place {
  location: SourceLocation;
  path: string;
}

/** For a config built by hand (tests) rather than read from a file: every place is the file's first line. */
export function noSource(file: string): ConfigSource {
  return { locate: () => ({ file, line: 1, column: 1 }), has: () => false };
}

export function placeAt(source: ConfigSource, keyPath: readonly PathSegment[], atKey = false): Place {
  return { location: source.locate(keyPath, atKey), path: formatPath(keyPath) };
}

const imageAt = (image: ImageConfig): PathSegment[] => ['images', image.index];
const variantAt = (image: ImageConfig, variant: VariantConfig): PathSegment[] => [
  ...imageAt(image),
  'variants',
  variant.name,
];

/** A publish target (image × variant): the variant's key, or the image's name when it has no variants. */
export function targetPlace(source: ConfigSource, image: ImageConfig, variant: VariantConfig): Place {
  return variant.name ? placeAt(source, variantAt(image, variant), true) : placeAt(source, [...imageAt(image), 'name']);
}

/** One platform of a target: the item in the platforms list the variant uses (its own, or its image's). */
export function platformPlace(
  source: ConfigSource,
  image: ImageConfig,
  variant: VariantConfig,
  platform: string,
): Place {
  const own = variant.name ? [...variantAt(image, variant), 'platforms'] : undefined;
  const list = own && source.has(own) ? own : [...imageAt(image), 'platforms'];
  return placeAt(source, [...list, variant.platforms.indexOf(platform)]);
}

/** A job: its platform when its target is built for several, else its target. */
export function jobPlace(
  source: ConfigSource,
  image: ImageConfig,
  variant: VariantConfig,
  job: Pick<BuildJob, 'target' | 'platform'>,
): Place {
  return job.target !== undefined && job.platform
    ? platformPlace(source, image, variant, job.platform)
    : targetPlace(source, image, variant);
}

/**
 * Where a target's tag is decided: the variant's latest-tag or tag-suffix when one made it (a suffix not
 * written is the variant's name), else the tag rule it came from (`rule`, -1: the flavor's latest tag or
 * the default rules, which are written nowhere: the image's name).
 */
export function tagPlace(
  source: ConfigSource,
  image: ImageConfig,
  variant: VariantConfig,
  by: TagSource,
  rule: number,
): Place {
  if (by !== 'tag') {
    const key = [...variantAt(image, variant), by];
    return source.has(key) ? placeAt(source, key) : targetPlace(source, image, variant);
  }
  if (rule < 0 || image.tags.length === 0) return placeAt(source, [...imageAt(image), 'name']);
  const item = [...imageAt(image), 'tags', rule];
  // A block string (tags: |) is one scalar: its lines have no key path of their own.
  return placeAt(source, source.has(item) ? item : [...imageAt(image), 'tags']);
}

/** Where a job's cache scope is set: the variant's cache.scope, the image's, or (the default, its id) the job. */
export function scopePlace(source: ConfigSource, image: ImageConfig, variant: VariantConfig, job: Place): Place {
  const own = variant.name ? [...variantAt(image, variant), 'cache', 'scope'] : undefined;
  if (own && source.has(own)) return placeAt(source, own);
  const inherited = [...imageAt(image), 'cache', 'scope'];
  return source.has(inherited) ? placeAt(source, inherited) : job;
}
