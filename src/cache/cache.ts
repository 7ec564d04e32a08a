// Where BuildKit imports and exports its layer cache, as build arguments. Inline cache works with both
// builders (the engine's BuildKit and buildx with any driver): the pushed image carries cache metadata and
// the next build on a fresh runner imports it from the registry with --cache-from.
import type { CacheBackend } from '../config/types.js';
import type { BuilderKind } from '../docker/detect.js';

export interface CacheInput {
  backend: CacheBackend;
  builder: BuilderKind;
  /** Whether this run pushes: inline cache is only worth writing into an image that gets pushed. */
  push: boolean;
  /** Registry references the image is pushed as; the first one is where the last build's cache lives. */
  pushRefs: readonly string[];
}

export interface CacheArgs {
  args: string[];
  buildArgs: Record<string, string>;
}

export function effectiveBackend(backend: CacheBackend, push: boolean): Exclude<CacheBackend, 'auto'> {
  return backend === 'auto' ? (push ? 'inline' : 'none') : backend;
}

export function cacheArgs(input: CacheInput): CacheArgs {
  const backend = effectiveBackend(input.backend, input.push);
  if (backend === 'none') return { args: [], buildArgs: {} };
  const from = input.pushRefs[0];
  if (input.builder === 'buildx') {
    return { args: [...(from ? ['--cache-from', `type=registry,ref=${from}`] : []), '--cache-to', 'type=inline'], buildArgs: {} };
  }
  // The engine's BuildKit writes inline cache when asked by this build argument.
  return { args: from ? ['--cache-from', from] : [], buildArgs: { BUILDKIT_INLINE_CACHE: '1' } };
}
