// Where a job's layer cache lives, as far as the plan can tell without an engine: its scope and, for the
// registry backend, which cache references this run writes and reads. Pure. Which backend is used in the
// end depends on the builder too (cache/cache.ts, above the plan, reads this spec).
import type { CacheConfig } from '../config/types.js';
import type { GitContext } from '../meta/context.js';
import { sanitizeTag } from '../meta/tags.js';

export interface CacheSpec extends CacheConfig {
  scope: string;
  /** Registry cache references: the one this run may write, and those it reads (own first). */
  registry?: { write?: string; read: string[] };
}

export interface CacheSpecInput {
  cache: CacheConfig;
  image: string;
  variant: string;
  jobId: string;
  registries: readonly string[];
  git: GitContext;
}

/**
 * The default branch (and tags, schedules, releases) writes `<registry>/<image>:buildcache[-<variant>]`; any
 * other branch writes its own `…-<branch>` and reads the default one after it, so a new branch starts warm;
 * a pull request writes nothing and reads its base branch's cache and the default one. A `ref` in the config
 * is used as it is, for every branch.
 */
export function cacheSpec(input: CacheSpecInput): CacheSpec {
  const { cache, git } = input;
  const scope = cache.scope ?? input.jobId;
  if (cache.ref)
    return { ...cache, scope, registry: { write: isPullRequest(git) ? undefined : cache.ref, read: [cache.ref] } };
  const registry = input.registries[0];
  if (!registry) return { ...cache, scope };
  const base = `${registry}/${input.image}:buildcache${input.variant ? `-${input.variant}` : ''}`;
  // Without a known default branch (a checkout without origin/HEAD) every branch shares the one cache.
  const forBranch = (branch: string) =>
    git.defaultBranch === undefined || branch === git.defaultBranch
      ? base
      : `${base}-${sanitizeTag(branch).slice(0, 60)}`;
  if (isPullRequest(git)) {
    const read = git.baseRef ? [forBranch(git.baseRef)] : [];
    return { ...cache, scope, registry: { read: unique([...read, base]) } };
  }
  const branch = git.ref.startsWith('refs/heads/') ? git.ref.slice('refs/heads/'.length) : undefined;
  const own = branch === undefined ? base : forBranch(branch);
  return { ...cache, scope, registry: { write: own, read: unique([own, base]) } };
}

const isPullRequest = (git: GitContext): boolean =>
  git.eventName === 'pull_request' || git.eventName === 'pull_request_target';
const unique = (xs: string[]): string[] => [...new Set(xs)];
