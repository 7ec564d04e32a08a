// Small helpers shared by the unit tests: caught() and hand-built fixtures of the resolved types.
import type { VariantConfig } from '../../src/config/types.js';
import type { GitContext } from '../../src/meta/context.js';

/** The Error a function throws; fails the test when it throws nothing or a non-Error. */
export function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (err: unknown) {
    if (err instanceof Error) return err;
    throw new Error(`threw a non-Error: ${String(err)}`);
  }
  throw new Error('expected an error, but none was thrown');
}

/** The one variant of an image without variants, as resolve.ts makes it; `over` replaces keys. */
export const variantConfig = (over: Partial<VariantConfig> = {}): VariantConfig => ({
  name: '',
  isDefault: true,
  dockerfile: '/repo/model/Dockerfile',
  buildArgs: {},
  labels: {},
  platforms: [],
  gpu: false,
  runsOn: ['ubuntu-latest'],
  tagSuffix: '',
  ...over,
});

/** A git context with no repository information; `over` replaces keys. */
export const gitContext = (over: Partial<GitContext> = {}): GitContext => ({
  sha: 'abc',
  ref: 'refs/heads/main',
  eventName: 'push',
  serverUrl: 'https://github.com',
  repo: {},
  usePrHeadSha: false,
  ...over,
});
