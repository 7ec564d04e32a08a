// The state one run of the pipeline carries from phase to phase (setup-phase.ts makes it; login-, build-,
// smoke- and push-phase.ts read and add to it): the options the run was started with and what the phases
// made so far. Also the small rules every phase shares: the run's id, whose credentials a push uses, and
// stopping when the run is cancelled. (The commands over the phases are in commands/.)
import { randomBytes } from 'node:crypto';
import type { CacheArgs } from '../cache/cache.js';
import type { BuilderInfo } from '../docker/builder.js';
import type { BuilderKind } from '../docker/detect.js';
import type { Docker } from '../docker/docker.js';
import { MlImageError } from '../errors.js';
import type { Env } from '../meta/context.js';
import type { Plan, PlanFilters } from '../plan/plan.js';
import type { Exec } from '../process/exec.js';
import { credentialsFor, type RegistryCredential } from '../registry/auth.js';
import type { RetryPolicy } from '../registry/retry.js';
import type { Logger } from '../log/log.js';
import type { PipelineResult } from '../report/result.js';
import type { Resources } from '../resources/resources.js';
import type { StructureSuite } from '../smoke/check-model.js';

/**
 * What the phases take from a front end's request (the Action's inputs, the command line), fixed for the
 * whole run. What to plan is the build command's part of the request (commands/build-test-push.ts).
 */
export interface PipelineOptions {
  cwd: string;
  env: Env;
  /** The plan's filters; with `only` (one fan-out entry) the push is by digest alone, for `merge`. */
  filters?: PlanFilters;
  credentials?: RegistryCredential[];
  sharedCredential?: { username: string; password: string };
  /** false: log in to the caller's docker config and stay logged in (docker/login-action's logout). */
  logout?: boolean;
  docker?: string;
  builder?: BuilderKind;
  /** An existing buildx builder instance to use (docker/build-push-action's builder). */
  buildxBuilder?: string;
  /** Where a pushed-by-digest entry (filters.only) writes its digest file (for `merge`). */
  digestsDir?: string;
  /** Attempts and backoff for logins and pushes (tests shorten the waits). */
  retry?: RetryPolicy;
  /** Fail before building below this much free space under the engine's data root (bytes). */
  minFreeBytes?: number;
  log: Logger;
  /** The run's id when the front end chose it (else newRunId()). */
  runId?: string;
  exec?: Exec;
  signal?: AbortSignal;
  /** Test every image again, even one whose digest a test record proves (the fast path is off). */
  retest?: boolean;
  /** Told about resources the post step must remove if this process dies (Action state). */
  onResource?: (resource: { kind: 'docker-config'; path: string } | { kind: 'run-id'; id: string }) => void;
}

/** What one run has made so far, handed from phase to phase. */
export interface PipelineState {
  options: PipelineOptions;
  log: Logger;
  exec: Exec;
  runId: string;
  plan: Plan;
  docker: Docker;
  builder: BuilderInfo;
  secrets: Record<string, string>;
  result: PipelineResult;
  resources: Resources;
  /** container-structure-test files of each job, read before building. */
  suites: Map<string, StructureSuite[]>;
  /** Each job's builder and cache flags, as it was built (a push by digest builds it again from the cache). */
  buildSetup: Map<string, { builder: BuilderInfo; builderName?: string; cache: CacheArgs }>;
  /** Each job's build key (build/probe.ts), once known: the fast path's lookup, and the full path's record. */
  buildKeys: Map<string, string>;
  /** A docker-container builder created for this run, once a cache backend needed one. */
  containerBuilder?: Promise<string | undefined>;
}

export const pushCredentials = (plan: Plan, options: PipelineOptions): RegistryCredential[] =>
  credentialsFor(plan.registries, options.credentials ?? [], options.sharedCredential);

export function stopIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new MlImageError('cancelled; nothing more was built, tested or pushed', 130);
}

/**
 * A run's id: the label on every container, network, volume and builder it makes, so that cleanup (here or
 * in the Action's post step) finds them. Not GitHub's run id: two runs in one workflow run differ.
 */
export function newRunId(): string {
  return randomBytes(4).toString('hex');
}
