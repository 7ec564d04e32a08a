// The tags of one variant from its image's tags: the default variant takes them as they are; every other
// variant appends its suffix to each (1.2.3 → 1.2.3-cuda12, latest → latest-cuda12), or replaces the latest
// tag with its own latest-tag when it sets one (latest → cuda12). Says which setting made each tag, so that
// a collision can point at it.
import type { VariantConfig } from '../config/types.js';
import { latestName, type Flavor } from '../meta/tags.js';

/** What gave a variant's tag its final form: the image's tag as it is, the variant's latest-tag, or its suffix. */
export type TagSource = 'tag' | 'latest-tag' | 'tag-suffix';

export function variantTag(tag: string, variant: VariantConfig, flavor: Flavor): { tag: string; by: TagSource } {
  if (variant.isDefault) return { tag, by: 'tag' };
  // Compared after sanitizing, as the computed tags were: suffix=+cu121 yields latest-cu121.
  if (variant.latestTag && tag === latestName(flavor)) return { tag: variant.latestTag, by: 'latest-tag' };
  return { tag: withSuffix(tag, variant.tagSuffix), by: 'tag-suffix' };
}

export function variantTags(tags: readonly string[], variant: VariantConfig, flavor: Flavor): string[] {
  return [...new Set(tags.map((t) => variantTag(t, variant, flavor).tag))];
}

/** Appends a suffix, shortening the tag itself if needed so the result keeps to 128 characters. */
function withSuffix(tag: string, suffix: string): string {
  return tag.slice(0, Math.max(1, 128 - suffix.length)) + suffix;
}
