// The Plan: pure data saying what a run will do — which images are built, with which tags, labels and
// smoke tests, and where they are pushed. Computed from the resolved config and the git context only,
// so it can be printed, diffed and tested without an engine.
import type { Config, ImageConfig } from '../config/types.js';
import type { GitContext } from '../meta/context.js';
import { imageLabels } from '../meta/labels.js';

export interface BuildJob {
  /** Stable id used in logs, container names and reports, e.g. "acme-iris-classifier". */
  id: string;
  image: ImageConfig;
  platform?: string;
  /** Local references the built image gets (name:tag), before any registry is involved. */
  localRefs: string[];
  /** Registry references pushed after the smoke test passed. */
  pushRefs: string[];
  labels: Record<string, string>;
}

export interface Plan {
  configFile: string;
  jobs: BuildJob[];
  registries: string[];
  push: boolean;
}

export interface PlanOptions {
  push: boolean;
  /** Replaces push.registries from the config when given. */
  registries?: string[];
  created: string;
}

export function makePlan(config: Config, ctx: GitContext, options: PlanOptions): Plan {
  const registries = options.registries ?? config.push.registries;
  return {
    configFile: config.file,
    registries,
    push: options.push,
    jobs: config.images.map((image) => ({
      id: jobId(image.name),
      image,
      platform: image.platforms[0],
      localRefs: image.tags.map((t) => `${image.name}:${t}`),
      pushRefs: registries.flatMap((r) => image.tags.map((t) => `${r}/${image.name}:${t}`)),
      labels: imageLabels(image, ctx, options.created),
    })),
  };
}

export function jobId(name: string): string {
  return name.replace(/[^a-z0-9]+/g, '-');
}

/** The registry host of a push reference (everything before the first slash). */
export function registryOf(ref: string): string {
  return ref.slice(0, ref.indexOf('/'));
}
