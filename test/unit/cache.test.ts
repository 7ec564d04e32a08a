// The inline-only builders (the engine's built-in BuildKit, buildx's docker driver on the classic image
// store): which backend auto/inline/none come to, and the arguments for them. The full backend × builder
// table is in cache-choice.test.ts.
import { describe, expect, it } from '@jest/globals';
import { cacheArgs, chooseCache, type Backend, type CacheArgs } from '../../src/cache/cache.js';
import type { CacheBackend } from '../../src/config/types.js';
import type { BuilderInfo } from '../../src/docker/builder.js';
import { BUILDERS, cacheSpecOf } from './helpers.js';

const REFS = ['ghcr.io/acme/iris:1.0', '127.0.0.1:5000/acme/iris:1.0'];
const run = (push: boolean) => ({ push, ghaService: false, localDir: '/cache' });

const NOTHING: CacheArgs = { args: [], buildArgs: {} };
const BUILDX_FROM_TO: CacheArgs = {
  args: ['--cache-from', 'type=registry,ref=ghcr.io/acme/iris:1.0', '--cache-to', 'type=inline'],
  buildArgs: {},
};
const BUILDX_FROM: CacheArgs = { args: ['--cache-from', 'type=registry,ref=ghcr.io/acme/iris:1.0'], buildArgs: {} };
const BUILDX_TO_ONLY: CacheArgs = { args: ['--cache-to', 'type=inline'], buildArgs: {} };
const BUILDKIT_FROM_TO: CacheArgs = {
  args: ['--cache-from', 'ghcr.io/acme/iris:1.0'],
  buildArgs: { BUILDKIT_INLINE_CACHE: '1' },
};
const BUILDKIT_FROM: CacheArgs = { args: ['--cache-from', 'ghcr.io/acme/iris:1.0'], buildArgs: {} };
const BUILDKIT_TO_ONLY: CacheArgs = { args: [], buildArgs: { BUILDKIT_INLINE_CACHE: '1' } };

type Builder = 'buildx' | 'buildkit';
const BUILDER: Record<Builder, BuilderInfo> = { buildx: BUILDERS.dockerClassic, buildkit: BUILDERS.builtin };

describe('chooseCache on a builder that exports only inline cache (was effectiveBackend)', () => {
  it.each([
    { backend: 'auto', push: true, want: 'inline', write: true },
    { backend: 'auto', push: false, want: 'none', write: false },
    { backend: 'inline', push: true, want: 'inline', write: true },
    // Inline cache is written into the pushed image: a run that pushes nothing only reads it.
    { backend: 'inline', push: false, want: 'inline', write: false },
    { backend: 'none', push: true, want: 'none', write: false },
    { backend: 'none', push: false, want: 'none', write: false },
  ] as { backend: CacheBackend; push: boolean; want: Backend; write: boolean }[])(
    '$backend, push $push → $want (write $write)',
    ({ backend, push, want, write }) => {
      for (const builder of Object.values(BUILDER)) {
        const choice = chooseCache(cacheSpecOf({ backend }), builder, run(push));
        expect([choice.backend, choice.write, choice.needsContainerBuilder]).toEqual([want, write, false]);
      }
    },
  );
});

describe('cacheArgs after chooseCache, inline-only builders', () => {
  const cases: { builder: Builder; backend: CacheBackend; push: boolean; refs: boolean; want: CacheArgs }[] = [
    { builder: 'buildx', backend: 'auto', push: true, refs: true, want: BUILDX_FROM_TO },
    { builder: 'buildx', backend: 'auto', push: true, refs: false, want: BUILDX_TO_ONLY },
    { builder: 'buildx', backend: 'auto', push: false, refs: true, want: NOTHING },
    { builder: 'buildx', backend: 'auto', push: false, refs: false, want: NOTHING },
    { builder: 'buildx', backend: 'inline', push: true, refs: true, want: BUILDX_FROM_TO },
    { builder: 'buildx', backend: 'inline', push: true, refs: false, want: BUILDX_TO_ONLY },
    { builder: 'buildx', backend: 'inline', push: false, refs: true, want: BUILDX_FROM },
    { builder: 'buildx', backend: 'inline', push: false, refs: false, want: NOTHING },
    { builder: 'buildx', backend: 'none', push: true, refs: true, want: NOTHING },
    { builder: 'buildx', backend: 'none', push: true, refs: false, want: NOTHING },
    { builder: 'buildx', backend: 'none', push: false, refs: true, want: NOTHING },
    { builder: 'buildx', backend: 'none', push: false, refs: false, want: NOTHING },
    { builder: 'buildkit', backend: 'auto', push: true, refs: true, want: BUILDKIT_FROM_TO },
    { builder: 'buildkit', backend: 'auto', push: true, refs: false, want: BUILDKIT_TO_ONLY },
    { builder: 'buildkit', backend: 'auto', push: false, refs: true, want: NOTHING },
    { builder: 'buildkit', backend: 'auto', push: false, refs: false, want: NOTHING },
    { builder: 'buildkit', backend: 'inline', push: true, refs: true, want: BUILDKIT_FROM_TO },
    { builder: 'buildkit', backend: 'inline', push: true, refs: false, want: BUILDKIT_TO_ONLY },
    { builder: 'buildkit', backend: 'inline', push: false, refs: true, want: BUILDKIT_FROM },
    { builder: 'buildkit', backend: 'inline', push: false, refs: false, want: NOTHING },
    { builder: 'buildkit', backend: 'none', push: true, refs: true, want: NOTHING },
    { builder: 'buildkit', backend: 'none', push: true, refs: false, want: NOTHING },
    { builder: 'buildkit', backend: 'none', push: false, refs: true, want: NOTHING },
    { builder: 'buildkit', backend: 'none', push: false, refs: false, want: NOTHING },
  ];
  it.each(cases)('$builder, $backend, push $push, push refs $refs', ({ builder, backend, push, refs, want }) => {
    const spec = cacheSpecOf({ backend });
    const choice = chooseCache(spec, BUILDER[builder], run(push));
    expect(
      cacheArgs({
        choice,
        spec,
        builder: BUILDER[builder],
        localDir: '/cache',
        pushRefs: refs ? REFS : [],
        localExists: false,
        runId: 'r1',
      }),
    ).toEqual(want);
  });
});
