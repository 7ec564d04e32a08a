// How the plan names things: job ids (matrix entries, containers, caches), platform slugs, digest files,
// an image's repository in a registry, and jobs in messages. Pure string functions; plan.ts re-exports them.
import type { BuildJob } from './types.js';

export function jobId(name: string, variant = ''): string {
  return [name, variant]
    .filter(Boolean)
    .join('-')
    .replace(/[^a-z0-9]+/g, '-');
}

/** linux/arm64/v8 → linux-arm64-v8: a platform as part of an id, a tag or a cache reference. */
export function platformSlug(platform: string): string {
  return platform.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
}

/** The file a fan-out entry writes its digest to (pipeline/digests.ts), for `merge` to read back. */
export function digestFileName(entry: string): string {
  return `${entry}.json`;
}

/** The repository an image has in a push registry; Docker Hub's one-part names live under library/, as the docker CLI reads them. */
export function repositoryIn(registry: string, name: string): string {
  return registry === 'docker.io' && !name.includes('/') ? `docker.io/library/${name}` : `${registry}/${name}`;
}

/** How a job is named in logs and messages: image, or image (variant). */
export function jobName(job: Pick<BuildJob, 'image' | 'variant'>): string {
  return job.variant ? `${job.image} (${job.variant})` : job.image;
}

/** The publish target of a job: its image × variant, shared by its platform builds. */
export const targetOf = (job: Pick<BuildJob, 'id' | 'target'>): string => job.target ?? job.id;
