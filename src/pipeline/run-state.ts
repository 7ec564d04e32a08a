// The state one run of the pipeline carries from phase to phase (pipeline.ts, push-phase.ts): the options it
// was started with and what the phases made so far, and the two small rules every phase shares: whose credentials a push uses, and stopping when the run is cancelled.
import type { CacheArgs } from '../cache/cache.js';
import type { BuilderInfo } from '../docker/builder.js';
import type { BuilderKind } from '../docker/detect.js';
import type { Docker } from '../docker/docker.js';
import { MlImageError } from '../errors.js';
import type { Plan } from '../plan/plan.js';
import type { Exec } from '../process/exec.js';
import { credentialsFor, type RegistryCredential } from '../registry/auth.js';
import type { RetryPolicy } from '../registry/retry.js';
import type { Logger } from '../log/log.js';
import type { PipelineResult } from '../report/result.js';
import type { Resources } from '../resources/resources.js';
import type { StructureSuite } from '../smoke/check-model.js';
import type { PrepareOptions } from './prepare.js';

/** What a front end asks of one run (the Action's inputs, the command line), fixed for the whole run. */
export interface PipelineOptions extends Omit<PrepareOptions, 'exec'> {
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
  runId?: string;
  exec?: Exec;
  signal?: AbortSignal;
  /** Told about resources the post step must remove if this process dies (Action state). */
  onResource?: (resource: { kind: 'docker-config'; path: string } | { kind: 'run-id'; id: string }) => void;
}

export interface Run {
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
  /** A docker-container builder created for this run, once a cache backend needed one. */
  containerBuilder?: Promise<string | undefined>;
}

export const pushCredentials = (plan: Plan, options: PipelineOptions): RegistryCredential[] =>
  credentialsFor(plan.registries, options.credentials ?? [], options.sharedCredential);

export function stopIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new MlImageError('cancelled; nothing more was built, tested or pushed', 130);
}
