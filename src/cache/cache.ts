// Which layer-cache backend a build uses, and the build arguments for it. Pure: from the job's cache spec,
// what the builder can do (docker/builder.ts) and what the run allows. README's "cache: auto" table is
// this function. Import and export failures never fail a build: exports carry ignore-error=true, and
// BuildKit only warns about a cache it cannot import.
import path from 'node:path';
import { atLeast, type BuilderInfo } from '../docker/builder.js';
import type { CacheSpec } from '../plan/cache-spec.js';

export type Backend = 'registry' | 'gha' | 'local' | 'inline' | 'none';

export interface CacheRun {
  /** This run pushes its images (and may so write registry caches). */
  push: boolean;
  /** GitHub's cache service is reachable (ACTIONS_RESULTS_URL and ACTIONS_RUNTIME_TOKEN are set). */
  ghaService: boolean;
  /** Where local caches live, one directory per scope. */
  localDir: string;
}

export interface CacheChoice {
  backend: Backend;
  /** Whether this run writes the cache (imports happen whenever there is something to read). */
  write: boolean;
  /** One line for the log: why this backend. */
  reason: string;
  /** The builder cannot export this backend: a docker-container builder is needed (created for the run). */
  needsContainerBuilder: boolean;
}

/** Builders that export registry, local and gha caches: buildx on the containerd image store or a container driver. */
export function exportsCaches(b: BuilderInfo): boolean {
  return b.driver !== 'builtin' && (b.driver !== 'docker' || b.containerdStore);
}

/** GitHub's current cache protocol (v2): BuildKit ≥ 0.20 and a buildx (≥ 0.21) that passes its URL from the environment. */
export function speaksGhaV2(b: BuilderInfo): boolean {
  return exportsCaches(b) && atLeast(b.buildkitVersion, 0, 20) && atLeast(b.buildxVersion, 0, 21);
}

const builderName = (b: BuilderInfo): string =>
  b.driver === 'builtin'
    ? "the engine's built-in BuildKit"
    : `buildx ${b.driver} driver${b.driver === 'docker' ? (b.containerdStore ? ' (containerd image store)' : ' (classic image store)') : ''}`;

export function chooseCache(spec: CacheSpec, builder: BuilderInfo, run: CacheRun): CacheChoice {
  const choice = (backend: Backend, reason: string, write = run.push, needsContainerBuilder = false): CacheChoice => ({
    backend,
    write,
    reason,
    needsContainerBuilder,
  });
  const capable = exportsCaches(builder);
  switch (spec.backend) {
    case 'none':
      return choice('none', 'cache.backend: none', false);
    case 'inline':
      return choice('inline', 'cache.backend: inline');
    case 'auto': {
      if (!capable) return inlineOnly('auto', builder, run);
      if (spec.registry) {
        const write = run.push && spec.registry.write !== undefined;
        const readOnly = write
          ? ''
          : run.push
            ? ' (read only: a pull request writes no cache)'
            : ' (read only: this run pushes nothing)';
        return choice('registry', `auto: a push registry and ${builderName(builder)}${readOnly}`, write);
      }
      if (run.ghaService && speaksGhaV2(builder))
        return choice('gha', "auto: no push registry; GitHub's cache service (v2)", true);
      return choice(
        'local',
        `auto: no push registry${run.ghaService ? `; BuildKit ${builder.buildkitVersion ?? '?'} / buildx ${builder.buildxVersion ?? '?'} cannot use GitHub's cache service v2` : ''}`,
        true,
      );
    }
    case 'registry':
    case 'local':
    case 'gha':
      return explicitBackend(spec, builder, run);
  }
}

/** A builder that exports only inline cache: inline when the run pushes (into the pushed image), else none. */
function inlineOnly(why: string, builder: BuilderInfo, run: CacheRun): CacheChoice {
  const reason = `${why}; ${builderName(builder)} exports only inline cache${run.push ? '' : ', and this run pushes nothing'}`;
  return { backend: run.push ? 'inline' : 'none', write: run.push, reason, needsContainerBuilder: false };
}

/** An explicitly configured backend: what it falls back to when the run or the builder cannot have it. */
function explicitBackend(spec: CacheSpec, builder: BuilderInfo, run: CacheRun): CacheChoice {
  let backend: Backend = spec.backend as Backend;
  let reason = `cache.backend: ${backend}`;
  if (builder.kind !== 'buildx') return inlineOnly(`${reason} needs buildx`, builder, run);
  if (backend === 'registry' && !spec.registry) {
    backend = 'local';
    reason += ', but no push registry or cache.ref: local instead';
  } else if (backend === 'gha' && !run.ghaService) {
    backend = 'local';
    reason += ", but GitHub's cache service is not available here: local instead";
  } else if (backend === 'gha' && !atLeast(builder.buildxVersion, 0, 21)) {
    // No builder helps here: it is buildx that hands the cache service to BuildKit.
    backend = 'local';
    reason += `, but buildx ${builder.buildxVersion ?? '?'} cannot hand GitHub's cache service v2 to BuildKit (0.21 can): local instead`;
  }
  const write = backend === 'registry' ? run.push && spec.registry?.write !== undefined : true;
  const container = builder.driver !== 'builtin' && builder.driver !== 'docker';
  if (exportsCaches(builder) && (backend !== 'gha' || atLeast(builder.buildkitVersion, 0, 20)))
    return { backend, write, reason, needsContainerBuilder: false };
  if (backend === 'gha' && container) {
    return {
      backend: 'local',
      write: true,
      reason: `${reason}, but BuildKit ${builder.buildkitVersion ?? '?'} speaks only the retired v1 protocol: local instead`,
      needsContainerBuilder: false,
    };
  }
  return {
    backend,
    write,
    reason: `${reason}; ${builderName(builder)} cannot export it: a docker-container builder`,
    needsContainerBuilder: true,
  };
}

export interface CacheArgs {
  args: string[];
  buildArgs: Record<string, string>;
  /** A local cache is exported next to the old one and swapped in after the build (BuildKit never prunes it). */
  localSwap?: { from: string; to: string };
}

export interface CacheArgsInput {
  choice: CacheChoice;
  spec: CacheSpec;
  builder: BuilderInfo;
  localDir: string;
  /** Registry references the image is pushed as; inline cache is read back from the first. */
  pushRefs: readonly string[];
  /** Whether the local cache directory holds a previous export (BuildKit fails on a missing src). */
  localExists: boolean;
  /** This run's id: a local cache export goes to a directory of its own before the swap. */
  runId: string;
}

export function cacheArgs(input: CacheArgsInput): CacheArgs {
  const { choice, spec } = input;
  const mode = `mode=${spec.mode}`;
  const to = (attrs: string) => (choice.write ? ['--cache-to', `${attrs},ignore-error=true`] : []);
  switch (choice.backend) {
    case 'none':
      return { args: [], buildArgs: {} };
    case 'inline': {
      const from = input.pushRefs[0];
      if (input.builder.driver === 'builtin') {
        // The classic client has no --cache-to: this build argument asks the engine's BuildKit for inline cache.
        return {
          args: from ? ['--cache-from', from] : [],
          buildArgs: choice.write ? { BUILDKIT_INLINE_CACHE: '1' } : {},
        };
      }
      return {
        args: [
          ...(from ? ['--cache-from', `type=registry,ref=${from}`] : []),
          ...(choice.write ? ['--cache-to', 'type=inline'] : []),
        ],
        buildArgs: {},
      };
    }
    case 'registry': {
      const reg = spec.registry ?? { read: [] };
      return {
        args: [
          ...reg.read.flatMap((ref) => ['--cache-from', `type=registry,ref=${ref}`]),
          ...(reg.write ? to(`type=registry,ref=${reg.write},${mode},image-manifest=true,oci-mediatypes=true`) : []),
        ],
        buildArgs: {},
      };
    }
    case 'gha':
      // buildx ≥ 0.21 takes the service URL and token from the environment: the token never enters argv.
      return {
        args: ['--cache-from', `type=gha,scope=${spec.scope}`, ...to(`type=gha,scope=${spec.scope},${mode}`)],
        buildArgs: {},
      };
    case 'local': {
      const dir = path.join(input.localDir, spec.scope);
      // Each run exports beside the cache under its own name: two runs of one scope never write one directory.
      const next = `${dir}.new-${input.runId}`;
      return {
        args: [
          ...(input.localExists ? ['--cache-from', `type=local,src=${dir}`] : []),
          ...to(`type=local,dest=${next},${mode}`),
        ],
        buildArgs: {},
        localSwap: choice.write ? { from: next, to: dir } : undefined,
      };
    }
  }
}
