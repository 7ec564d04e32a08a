// Chooses the docker client and the builder. GitHub's runners have buildx; a plain engine (like Debian's
// docker.io) has only the built-in BuildKit, which a docker client ≥ 23 without buildx refuses. So every
// `docker` on PATH is probed and the best one wins: buildx first, then a client that still drives the
// built-in BuildKit. The choice itself is a pure function, tested without probing.
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { MlImageError } from '../errors.js';
import type { Exec } from '../process/exec.js';

export type BuilderKind = 'buildx' | 'buildkit';

export interface DockerProbe {
  path: string;
  /** Client version, e.g. "20.10.24"; undefined when `docker --version` failed. */
  version?: string;
  buildx: boolean;
}

export interface DockerChoice {
  docker: string;
  builder: BuilderKind;
  version?: string;
}

/** Clients from 18.09 (BuildKit's arrival) to before 23.0 build with the engine's BuildKit, without buildx. */
export function drivesBuiltinBuildkit(version: string | undefined): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return (major > 18 || (major === 18 && minor >= 9)) && major < 23;
}

export function chooseDocker(probes: readonly DockerProbe[], prefer?: BuilderKind): DockerChoice {
  const usable = probes.filter((p) => p.version !== undefined);
  const buildx = usable.find((p) => p.buildx);
  const builtin = usable.find((p) => drivesBuiltinBuildkit(p.version));
  for (const kind of prefer ? [prefer] : (['buildx', 'buildkit'] as const)) {
    const p = kind === 'buildx' ? buildx : builtin;
    if (p) return { docker: p.path, builder: kind, version: p.version };
  }
  const seen = probes.map((p) => `${p.path} (${p.version ?? 'not runnable'}${p.buildx ? ', buildx' : ''})`).join('; ');
  throw new MlImageError(
    probes.length === 0
      ? 'no docker client found on PATH'
      : `no docker client here can build with BuildKit${prefer ? ` using ${prefer}` : ''}: need buildx, or a client older than 23.0 for the engine's built-in BuildKit. Found: ${seen}`,
  );
}

/** Every distinct `docker` executable on PATH, in PATH order. */
export function dockerCandidates(pathVar: string | undefined): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  for (const dir of (pathVar ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, 'docker');
    try {
      accessSync(file, constants.X_OK);
      if (!statSync(file).isFile()) continue;
      const real = realpathSync(file);
      if (!seen.has(real)) {
        seen.add(real);
        found.push(file);
      }
    } catch {
      // not here
    }
  }
  return found;
}

export async function probeDocker(exec: Exec, file: string): Promise<DockerProbe> {
  const version = await exec(file, ['--version'], { timeoutMs: 15_000 });
  const buildx = await exec(file, ['buildx', 'version'], { timeoutMs: 15_000 });
  return {
    path: file,
    // Only Docker's own client counts: podman's docker shim also says "version 4.x", but drives no BuildKit.
    version: version.exitCode === 0 ? /^Docker version ([0-9][^\s,]*)/.exec(version.stdout.trim())?.[1] : undefined,
    buildx: buildx.exitCode === 0,
  };
}

export interface DetectOptions {
  /** An explicit client (input `docker` / ML_IMAGE_DOCKER); only it is probed. */
  docker?: string;
  builder?: BuilderKind;
  pathVar?: string;
}

export async function detectDocker(exec: Exec, options: DetectOptions): Promise<DockerChoice> {
  const files = options.docker ? [options.docker] : dockerCandidates(options.pathVar);
  const probes = await Promise.all(files.map((f) => probeDocker(exec, f)));
  return chooseDocker(probes, options.builder);
}
