// The index that puts a target's platforms under every tag (`docker buildx imagetools create`) in every
// repository, checked from the registry side afterwards: each tag must be an index holding every
// platform's tested config. The platforms are pushed by digest first (push-by-digest.ts); one job makes
// the indexes after its own pushes, a fan-out's `merge` after every entry's.
import type { Docker } from '../docker/docker.js';
import { MlImageError } from '../errors.js';
import type { BuildJob } from '../plan/plan.js';
import { tailOf } from '../process/exec.js';
import type { Logger } from '../log/log.js';
import type { Login } from './auth.js';
import type { RegistryClient } from './client.js';
import { repositoriesOf, type PlatformDigest } from './push-by-digest.js';

/** The index argv for one repository: every tag, every platform's digest. Pure. */
export function indexCommand(repository: string, tags: readonly string[], digests: readonly string[]): string[] {
  return [
    'buildx',
    'imagetools',
    'create',
    ...tags.flatMap((t) => ['--tag', `${repository}:${t}`]),
    ...digests.map((d) => `${repository}@${d}`),
  ];
}

export interface IndexResult {
  ref: string;
  digest: string;
}

/**
 * Puts a target's platform digests under every tag in every repository, then reads each tag back: it must
 * be an index holding every platform with the tested config. Running it again gives the same index.
 */
export async function createIndexes(
  ctx: { docker: Docker; auth: Login; log: Logger; client: RegistryClient; signal?: AbortSignal },
  job: Pick<BuildJob, 'pushRefs' | 'tags' | 'image' | 'variant'>,
  platforms: readonly PlatformDigest[],
): Promise<IndexResult[]> {
  const out: IndexResult[] = [];
  for (const repo of repositoriesOf(job)) {
    const args = indexCommand(
      repo,
      job.tags,
      platforms.map((p) => p.digest),
    );
    const r = await ctx.docker.call(args, {
      configDir: ctx.auth.configFor(repo),
      signal: ctx.signal,
      timeoutMs: 10 * 60_000,
    });
    if (r.exitCode !== 0)
      throw new MlImageError(
        `imagetools create for ${repo} failed: ${tailOf(r, 3)}; landed: ${out.map((o) => `${o.ref}@${o.digest}`).join(', ') || 'nothing of this target'}`,
      );
    for (const tag of job.tags) {
      const ref = `${repo}:${tag}`;
      const digest = await verifyIndex(ctx.client, ref, platforms);
      out.push({ ref, digest });
    }
    ctx.log.info(
      `${repo}: ${job.tags.join(', ')} → ${platforms.map((p) => p.platform ?? 'default').join(' + ')} (${out.at(-1)!.digest})`,
    );
  }
  return out;
}

/** A tag, read from the registry: an index with each expected platform's tested config. Returns its digest. */
export async function verifyIndex(
  client: RegistryClient,
  ref: string,
  platforms: readonly PlatformDigest[],
): Promise<string> {
  let digest = '';
  for (const p of platforms) {
    const seen = await client.inspect(ref, p.platform ?? 'linux/amd64');
    if (!seen) throw new MlImageError(`${ref} is not in the registry after imagetools create`);
    if (seen.configDigest !== p.configDigest)
      throw new MlImageError(
        `${ref} (${p.platform}) has config ${seen.configDigest}, not the tested ${p.configDigest}`,
      );
    digest = seen.digest;
  }
  return digest;
}
