// Pure construction of the `docker run` commands the smoke test uses. Containers are always named and
// labelled with the run id, so cleanup (in this process or in the Action's post step) can find them.
import { RUN_LABEL } from '../docker/docker.js';
import type { ContainerRunOptions } from './check-model.js';

export interface ContainerSpec {
  name: string;
  runId: string;
  image: string;
  platform?: string;
  gpus: boolean;
  /** How GPUs are handed over when `gpus`: Docker's --gpus, or a CDI device the engine knows. */
  gpuDevice?: 'gpus-flag' | 'cdi';
  env: Record<string, string>;
  user?: string;
  workdir?: string;
  /** More `docker run` flags: volumes, the test network, container-structure-test's run options. */
  extra?: string[];
}

function common(spec: ContainerSpec): string[] {
  return [
    '--name',
    spec.name,
    '--label',
    `${RUN_LABEL}=${spec.runId}`,
    ...(spec.platform ? ['--platform', spec.platform] : []),
    ...(spec.gpus ? (spec.gpuDevice === 'cdi' ? ['--device', 'nvidia.com/gpu=all'] : ['--gpus', 'all']) : []),
    ...Object.keys(spec.env)
      .sort()
      .flatMap((k) => ['--env', `${k}=${spec.env[k]}`]),
    ...(spec.user ? ['--user', spec.user] : []),
    ...(spec.workdir ? ['--workdir', spec.workdir] : []),
    ...(spec.extra ?? []),
  ];
}

/** container-structure-test's containerRunOptions as `docker run` flags. */
export function containerRunOptionArgs(o: ContainerRunOptions): string[] {
  return [
    ...(o.privileged ? ['--privileged'] : []),
    ...o.capabilities.flatMap((c) => ['--cap-add', c]),
    ...(o.envFile ? ['--env-file', o.envFile] : []),
    ...o.bindMounts.flatMap((m) => ['--volume', m]),
  ];
}

/** A setup command's container, kept (not --rm) so it can be committed into the image the check runs in. */
export function setupRunArgs(spec: ContainerSpec, run: readonly string[]): string[] {
  const [entrypoint, ...args] = run;
  return ['run', ...common(spec), '--entrypoint', entrypoint, spec.image, ...args];
}

/** A one-off command: run[0] replaces the entrypoint so the check runs exactly what the config says. */
export function commandRunArgs(spec: ContainerSpec, run: readonly string[]): string[] {
  const [entrypoint, ...args] = run;
  return ['run', '--rm', ...common(spec), '--entrypoint', entrypoint, spec.image, ...args];
}

/** The image's own command as a service, its port published on loopback at a free host port. */
export function serviceRunArgs(spec: ContainerSpec, port: number): string[] {
  return ['run', '--detach', ...common(spec), '--publish', `127.0.0.1::${port}`, spec.image];
}

/** Parses `docker port NAME PORT/tcp` output ("127.0.0.1:49153", possibly several lines). */
export function parsePublishedPort(output: string): number | undefined {
  for (const line of output.split('\n')) {
    const m = /^(?:127\.0\.0\.1|0\.0\.0\.0):(\d+)$/.exec(line.trim());
    if (m) return Number(m[1]);
  }
  return undefined;
}
