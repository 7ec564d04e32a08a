// What the chosen builder can do, read from the engine and buildx: the buildx builder in use and its
// driver, its BuildKit version, and whether the engine keeps images in the containerd image store. Those
// decide the cache backends, multi-platform builds and how the built image reaches the engine (README's
// builder table). The parsing is pure; `inspectBuilder` runs the two commands.
import type { ExecResult } from '../process/exec.js';
import type { BuilderKind } from './detect.js';

export type Driver = 'docker' | 'docker-container' | 'remote' | 'kubernetes' | 'builtin';

export interface BuilderInfo {
  kind: BuilderKind;
  /** The buildx builder instance; undefined for the engine's built-in BuildKit. */
  name?: string;
  driver: Driver;
  /** e.g. "v0.12.5"; undefined when buildx did not say. */
  buildkitVersion?: string;
  /** buildx's own version, e.g. "v0.13.1". */
  buildxVersion?: string;
  /** The engine stores images in containerd (docker info's driver-type io.containerd.snapshotter.v1). */
  containerdStore: boolean;
  /** The engine's data root, for the free-space check. */
  dataRoot?: string;
}

const DRIVERS: readonly Driver[] = ['docker', 'docker-container', 'remote', 'kubernetes'];

/** `docker buildx inspect [name]`: the builder's name, driver and the first node's BuildKit version. */
export function parseBuildxInspect(text: string): { name?: string; driver?: Driver; buildkitVersion?: string } {
  const name = /^Name:\s+(\S+)/m.exec(text)?.[1];
  const driver = /^Driver:\s+(\S+)/m.exec(text)?.[1];
  const buildkitVersion = /^(?:BuildKit version|BuildKit|Buildkit):\s+(v?\d[^\s]*)/m.exec(text)?.[1];
  return { name, driver: DRIVERS.find((d) => d === driver), buildkitVersion };
}

/** `docker info --format '{{json .}}'`: the containerd image store and the data root. */
export function parseDockerInfo(json: string): { containerdStore: boolean; dataRoot?: string } {
  try {
    const info = JSON.parse(json) as { DriverStatus?: unknown; DockerRootDir?: unknown };
    const status = Array.isArray(info.DriverStatus) ? (info.DriverStatus as unknown[]) : [];
    const containerdStore = status.some(
      (pair) => Array.isArray(pair) && pair[0] === 'driver-type' && pair[1] === 'io.containerd.snapshotter.v1',
    );
    return { containerdStore, dataRoot: typeof info.DockerRootDir === 'string' ? info.DockerRootDir : undefined };
  } catch {
    return { containerdStore: false };
  }
}

/** `docker buildx version`: "github.com/docker/buildx 0.13.1+ds1 …" → "v0.13.1". */
export function parseBuildxVersion(text: string): string | undefined {
  const m = /\bv?(\d+\.\d+\.\d+)/.exec(text);
  return m ? `v${m[1]}` : undefined;
}

/** Whether a version ("v0.20.1", "0.13.1+ds1") is at least major.minor. */
export function atLeast(version: string | undefined, major: number, minor: number): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return false;
  return Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor);
}

type Call = (args: readonly string[]) => Promise<ExecResult>;

export async function inspectBuilder(call: Call, kind: BuilderKind, builder?: string): Promise<BuilderInfo> {
  const info = parseDockerInfo((await call(['info', '--format', '{{json .}}'])).stdout);
  if (kind === 'buildkit') return { kind, driver: 'builtin', ...info };
  // --bootstrap: an inactive builder (a named docker-container one) reports its BuildKit version only once started.
  const inspect = await call(['buildx', 'inspect', '--bootstrap', ...(builder ? [builder] : [])]);
  const parsed = parseBuildxInspect(inspect.stdout);
  const buildxVersion = parseBuildxVersion((await call(['buildx', 'version'])).stdout);
  return {
    kind,
    name: parsed.name ?? builder,
    driver: parsed.driver ?? 'docker',
    buildkitVersion: parsed.buildkitVersion,
    buildxVersion,
    ...info,
  };
}
