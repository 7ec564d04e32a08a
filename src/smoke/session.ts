// What one image's smoke test carries and what it yields: the context it runs in, the job it tests, the
// session its checks share (smoke-test.ts makes it, service.ts's HTTP checks take it) and the results. Types only,
// in a file of their own so that service.ts need not import smoke-test.ts, which calls it.
import type { SmokeTestConfig } from '../config/types.js';
import type { Docker } from '../docker/docker.js';
import type { SourceLocation } from '../errors.js';
import type { Logger } from '../log/log.js';
import type { BuildJob } from '../plan/plan.js';
import type { Resources } from '../resources/resources.js';
import type { ContainerSpec } from './container-args.js';
import type { TestEnvironment } from './environment-base.js';
import type { GpuDevice } from './gpu.js';

export interface CheckResult {
  name: string;
  kind: 'command' | 'ready' | 'http' | 'file' | 'metadata' | 'license' | 'service';
  passed: boolean;
  durationMs: number;
  message?: string;
  /** For a failed check: what the config asked for and what came, side by side in the summary. */
  expected?: string;
  actual?: string;
  /** For a failed service check: the container log's last lines. */
  log?: string;
  /** The check in the config file, for an annotation on its line. */
  location?: SourceLocation;
  /** Why the check did not run (a skipped check counts as passed), e.g. a GPU-only check without a GPU. */
  skipped?: string;
}

export interface SmokeResult {
  passed: boolean;
  gpus: boolean;
  checks: CheckResult[];
}

export interface SmokeContext {
  docker: Docker;
  log: Logger;
  resources: Resources;
  runId: string;
  gpuPresent: boolean;
  /** How the engine hands GPUs over (CDI when it has NVIDIA CDI specs). */
  gpuDevice?: GpuDevice;
  signal?: AbortSignal;
}

/** What a smoke test needs of a job (`ml-image test` makes one without a build). */
export type SmokeTarget = Pick<BuildJob, 'id' | 'image' | 'variant' | 'platform' | 'gpu' | 'smokeTest'>;

/** One run: the job, the image under test, what the checks share. */
export interface Session {
  ctx: SmokeContext;
  job: SmokeTarget;
  image: string;
  config: SmokeTestConfig;
  gpus: boolean;
  env?: TestEnvironment;
  remaining: () => number;
  spec: (over?: Partial<ContainerSpec>) => ContainerSpec;
  record: (r: CheckResult) => void;
}
