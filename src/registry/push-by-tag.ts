// Push by tag: a tested single-platform image tagged and pushed (`docker push`) under each of its registry
// references, in order, reporting the manifest digest of each; with buildx, a further repository on a
// registry already pushed to gets the image by `imagetools create` with its blobs mounted instead. A
// multi-platform target goes by digest and index instead (push-by-digest.ts, image-index.ts); which image
// goes which way, and which release tags are kept, is the push phase's decision (pipeline/push-phase.ts).
import type { Docker } from '../docker/docker.js';
import { MlImageError } from '../errors.js';
import { tailOf } from '../process/exec.js';
import { seconds, type Logger } from '../log/log.js';
import { withLock } from '../resources/lock.js';
import { registryHost, type Login } from './auth.js';
import { parseRef, type RegistryClient } from './client.js';
import { DEFAULT_RETRY, withRetries, type RetryPolicy } from './retry.js';

export interface PushedRef {
  ref: string;
  digest: string;
  /** Not pushed again: an immutable release tag already held the same layers (push.immutable-tags). */
  kept?: boolean;
}

/** `docker push` ends with "<tag>: digest: sha256:… size: N". */
export function parsePushDigest(output: string): string | undefined {
  const matches = [...output.matchAll(/digest: (sha256:[a-f0-9]{64})/g)];
  return matches.pop()?.[1];
}

export interface PushByTagOptions {
  retry?: RetryPolicy;
  /**
   * With buildx: a further repository on a registry already pushed to gets the image by `imagetools
   * create` from the first one, which mounts every blob across repositories — no layer is uploaded again,
   * whatever the engine remembers about where its blobs came from. The client reads the digest back.
   */
  copyWithinRegistry?: { client: RegistryClient };
  signal?: AbortSignal;
  /** Told about each reference as it lands, so a failure later still reports what did land. */
  onPushed?: (pushed: PushedRef) => void;
}

/**
 * Tags and pushes each reference in order. A failure names the registry, what landed (with digests) and
 * what did not, so nothing is left half-tagged without saying so.
 */
export async function pushByTag(
  docker: Docker,
  imageId: string,
  refs: readonly string[],
  auth: Login,
  log: Logger,
  options: PushByTagOptions = {},
): Promise<PushedRef[]> {
  const pushed: PushedRef[] = [];
  // The first repository pushed on each registry, and the digest it got.
  const firsts = new Map<string, { repo: string; digest: string }>();
  for (const [i, ref] of refs.entries()) {
    try {
      const repo = ref.slice(0, ref.lastIndexOf(':'));
      const first = firsts.get(registryHost(ref));
      let digest: string;
      if (first && first.repo !== repo && options.copyWithinRegistry) {
        digest = await copyOne(
          docker,
          ref,
          `${first.repo}@${first.digest}`,
          auth,
          log,
          options.copyWithinRegistry.client,
          options,
        );
      } else {
        // The tag is the engine's, shared with any other run on this machine: held from tag to pushed.
        digest = await withLock(`tag ${ref}`, async () => {
          await docker.ok(['tag', imageId, ref], `tag ${ref}`);
          return pushOne(docker, ref, auth, log, options);
        });
      }
      if (!first) firsts.set(registryHost(ref), { repo, digest });
      const one = { ref, digest };
      pushed.push(one);
      options.onPushed?.(one);
    } catch (err: unknown) {
      const why = err instanceof Error ? err.message : String(err);
      const landed =
        pushed.length > 0
          ? `landed: ${pushed.map((p) => `${p.ref}@${p.digest}`).join(', ')}`
          : 'nothing of this image landed';
      throw new MlImageError(`${why}; ${landed}; not pushed: ${refs.slice(i).join(', ')}`);
    }
  }
  return pushed;
}

/** imagetools create from the registry's first repository (blobs mounted, never uploaded), with retries. */
async function copyOne(
  docker: Docker,
  ref: string,
  source: string,
  auth: Login,
  log: Logger,
  client: RegistryClient,
  options: PushByTagOptions,
): Promise<string> {
  return withRetries<string>(
    async () => {
      const r = await docker.call(['buildx', 'imagetools', 'create', '--tag', ref, source], {
        configDir: auth.configFor(ref),
        signal: options.signal,
        timeoutMs: 10 * 60_000,
      });
      if (r.exitCode !== 0) return { failure: { output: `${r.stdout}\n${r.stderr}`, why: tailOf(r, 3) } };
      const digest = (await client.manifest(parseRef(ref)))?.digest;
      if (!digest) throw new MlImageError(`${ref} is not in the registry after imagetools create`);
      log.info(`pushed ${ref}@${digest} (from ${source}: blobs mounted, none uploaded)`);
      return { value: digest };
    },
    {
      policy: options.retry ?? DEFAULT_RETRY,
      log,
      signal: options.signal,
      failed: `push to ${registryHost(ref)}`,
      retrying: `copy of ${source} to ${ref}`,
    },
  );
}

async function pushOne(
  docker: Docker,
  ref: string,
  auth: Login,
  log: Logger,
  options: PushByTagOptions,
): Promise<string> {
  const started = Date.now();
  return withRetries<string>(
    async (attempt) => {
      const r = await docker.call(['push', ref], {
        configDir: auth.configFor(ref),
        stream: true,
        signal: options.signal,
        timeoutMs: 30 * 60_000,
      });
      const output = `${r.stdout}\n${r.stderr}`;
      if (r.exitCode !== 0) return { failure: { output, why: tailOf(r, 3), transient: r.timedOut } };
      const digest = parsePushDigest(output);
      if (!digest) throw new MlImageError(`push of ${ref} reported no digest`);
      log.info(
        `pushed ${ref}@${digest} (${seconds(Date.now() - started)}${attempt > 1 ? `, attempt ${attempt}` : ''})`,
      );
      return { value: digest };
    },
    {
      policy: options.retry ?? DEFAULT_RETRY,
      log,
      signal: options.signal,
      failed: `push to ${registryHost(ref)}`,
      retrying: `push of ${ref}`,
    },
  );
}
