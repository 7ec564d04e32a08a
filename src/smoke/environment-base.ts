// What the parts of a smoke test's environment share (environment.ts sets it up, with side-services.ts
// for side containers and compose.ts for a Compose project): the spec and the context it is made in, the
// environment the image under test then runs in, the names of what it creates (labelled with the run id,
// so the Action's post step can sweep them), and reading a published port and a log.
import type { ComposeSpec, ServiceSpec, VolumeSpec } from '../config/types.js';
import type { Docker } from '../docker/docker.js';
import type { Logger } from '../log/log.js';
import type { ResourceKind, Resources } from '../resources/resources.js';

export interface EnvironmentSpec {
  volumes: VolumeSpec[];
  services: ServiceSpec[];
  compose?: ComposeSpec;
}

export interface TestEnvironment {
  /** extra `docker run` arguments for every container of the image under test: --network, --volume/--mount flags */
  runArgs: string[];
  /** With compose: how to reach the service under test — the compose project name, and a function giving the host port published for a container port (docker compose port). */
  compose?: {
    project: string;
    publishedPort(containerPort: number): Promise<number | undefined>;
    logs(): Promise<string>;
  };
  /** removes everything created (also registered with resources, so failures and cancellation release it) */
  close(): Promise<void>;
}

export interface EnvironmentContext {
  docker: Docker;
  log: Logger;
  resources: Resources;
  runId: string;
  signal?: AbortSignal;
}

/** How many lines of a failed container's or project's log an error shows. */
export const LOG_TAIL_LINES = 40;

/** The network and the Compose project of one job's test: lowercase, as Compose requires of project names. */
export function environmentName(runId: string, jobId: string): string {
  return `ml-image-${runId}-${jobId}`.toLowerCase().replace(/[^a-z0-9_-]+/g, '-');
}

export const volumeName = (runId: string, jobId: string, name: string): string => `ml-image-${runId}-${jobId}-${name}`;
export const serviceContainerName = (runId: string, jobId: string, name: string): string =>
  `ml-image-${runId}-${jobId}-svc-${name}`;

/** Registers one created resource with Resources and remembers its key for close(). */
export type Own = (kind: ResourceKind, name: string, release: () => Promise<void>) => void;

/** The host port in `docker port` / `docker compose port` output ("127.0.0.1:49153", "[::]:49153", "0.0.0.0:49153"). */
export function parseHostPort(output: string): number | undefined {
  const m = /:(\d+)\s*$/m.exec(output.trim().split('\n')[0] ?? '');
  return m ? Number(m[1]) : undefined;
}

/** Compose writes progress with terminal codes even under --ansi never; reports want plain lines. */
export const plain = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').trim();
