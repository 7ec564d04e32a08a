import { describe, expect, it } from '@jest/globals';
import { cacheArgs, effectiveBackend, type CacheArgs } from '../../src/cache/cache.js';
import type { CacheBackend } from '../../src/config/types.js';
import type { BuilderKind } from '../../src/docker/detect.js';

const REFS = ['ghcr.io/acme/iris:1.0', '127.0.0.1:5000/acme/iris:1.0'];

const NOTHING: CacheArgs = { args: [], buildArgs: {} };
const BUILDX_FROM: CacheArgs = { args: ['--cache-from', 'type=registry,ref=ghcr.io/acme/iris:1.0', '--cache-to', 'type=inline'], buildArgs: {} };
const BUILDX_TO_ONLY: CacheArgs = { args: ['--cache-to', 'type=inline'], buildArgs: {} };
const BUILDKIT_FROM: CacheArgs = { args: ['--cache-from', 'ghcr.io/acme/iris:1.0'], buildArgs: { BUILDKIT_INLINE_CACHE: '1' } };
const BUILDKIT_TO_ONLY: CacheArgs = { args: [], buildArgs: { BUILDKIT_INLINE_CACHE: '1' } };

describe('effectiveBackend', () => {
  it.each([
    { backend: 'auto', push: true, want: 'inline' },
    { backend: 'auto', push: false, want: 'none' },
    { backend: 'inline', push: true, want: 'inline' },
    { backend: 'inline', push: false, want: 'inline' },
    { backend: 'none', push: true, want: 'none' },
    { backend: 'none', push: false, want: 'none' },
  ] as { backend: CacheBackend; push: boolean; want: string }[])('$backend, push $push → $want', ({ backend, push, want }) => {
    expect(effectiveBackend(backend, push)).toBe(want);
  });
});

describe('cacheArgs', () => {
  const cases: { builder: BuilderKind; backend: CacheBackend; push: boolean; refs: boolean; want: CacheArgs }[] = [
    { builder: 'buildx', backend: 'auto', push: true, refs: true, want: BUILDX_FROM },
    { builder: 'buildx', backend: 'auto', push: true, refs: false, want: BUILDX_TO_ONLY },
    { builder: 'buildx', backend: 'auto', push: false, refs: true, want: NOTHING },
    { builder: 'buildx', backend: 'auto', push: false, refs: false, want: NOTHING },
    { builder: 'buildx', backend: 'inline', push: true, refs: true, want: BUILDX_FROM },
    { builder: 'buildx', backend: 'inline', push: true, refs: false, want: BUILDX_TO_ONLY },
    { builder: 'buildx', backend: 'inline', push: false, refs: true, want: BUILDX_FROM },
    { builder: 'buildx', backend: 'inline', push: false, refs: false, want: BUILDX_TO_ONLY },
    { builder: 'buildx', backend: 'none', push: true, refs: true, want: NOTHING },
    { builder: 'buildx', backend: 'none', push: true, refs: false, want: NOTHING },
    { builder: 'buildx', backend: 'none', push: false, refs: true, want: NOTHING },
    { builder: 'buildx', backend: 'none', push: false, refs: false, want: NOTHING },
    { builder: 'buildkit', backend: 'auto', push: true, refs: true, want: BUILDKIT_FROM },
    { builder: 'buildkit', backend: 'auto', push: true, refs: false, want: BUILDKIT_TO_ONLY },
    { builder: 'buildkit', backend: 'auto', push: false, refs: true, want: NOTHING },
    { builder: 'buildkit', backend: 'auto', push: false, refs: false, want: NOTHING },
    { builder: 'buildkit', backend: 'inline', push: true, refs: true, want: BUILDKIT_FROM },
    { builder: 'buildkit', backend: 'inline', push: true, refs: false, want: BUILDKIT_TO_ONLY },
    { builder: 'buildkit', backend: 'inline', push: false, refs: true, want: BUILDKIT_FROM },
    { builder: 'buildkit', backend: 'inline', push: false, refs: false, want: BUILDKIT_TO_ONLY },
    { builder: 'buildkit', backend: 'none', push: true, refs: true, want: NOTHING },
    { builder: 'buildkit', backend: 'none', push: true, refs: false, want: NOTHING },
    { builder: 'buildkit', backend: 'none', push: false, refs: true, want: NOTHING },
    { builder: 'buildkit', backend: 'none', push: false, refs: false, want: NOTHING },
  ];
  it.each(cases)('$builder, $backend, push $push, push refs $refs', ({ builder, backend, push, refs, want }) => {
    expect(cacheArgs({ builder, backend, push, pushRefs: refs ? REFS : [] })).toEqual(want);
  });
});
