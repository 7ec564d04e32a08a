// The Plan: pure data saying what a run will do — which image variants are built, with which tags,
// labels, secrets and smoke tests, on which runners, and where they are pushed. Made by plan.ts; its own
// file, so that the plan's parts (ids, places, uniqueness) can name a job without importing what makes it.
import type { SecretBuildArgsPolicy, SmokeTestConfig } from '../config/types.js';
import type { CacheSpec } from './cache-spec.js';

export interface BuildSpec {
  context: string;
  dockerfile: string;
  target?: string;
  buildArgs: Record<string, string>;
  /** Environment variable names passed as BuildKit secrets. */
  secrets: string[];
  cache: CacheSpec;
  /**
   * SOURCE_DATE_EPOCH for the build: the commit's date for a reproducible image; else set only for
   * multi-platform and fan-out builds, pushed by digest.
   */
  sourceDateEpoch?: number;
  /** Layer timestamps rewritten to sourceDateEpoch where the builder can (the config's `reproducible`). */
  reproducible: boolean;
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
