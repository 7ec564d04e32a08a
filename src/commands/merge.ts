// The `merge` command, `ml-image merge --plan FILE --digests DIR`: the last job of a fan-out. Every matrix entry pushed its
// tested platform build by digest and left a digest file; merge puts each target's platforms under every
// tag the plan computed, in every registry, and reads each tag back. Only entries whose smoke test passed
// wrote a file, so a missing entry (failed, cancelled, or never run) stops the merge by name. Running it
// again makes the same indexes.
import { detectDocker } from '../docker/detect.js';
import { Docker } from '../docker/docker.js';
import { MlImageError } from '../errors.js';
import type { Env } from '../meta/context.js';
import { jobName, targetOf } from '../plan/plan.js';
import { execProcess, type Exec } from '../process/exec.js';
import { credentialsFor, login, registryClientFor, type RegistryCredential } from '../registry/auth.js';
import { createIndexes, type IndexResult } from '../registry/image-index.js';
import type { PlatformDigest } from '../registry/push-by-digest.js';
import type { Logger } from '../log/log.js';
import { readDigestFiles } from '../pipeline/digests.js';
import { planFromConfig } from './plan-from-config.js';

export interface MergeOptions {
  config: string;
  planFile: string;
  digestsDir: string;
  cwd: string;
  env: Env;
  credentials?: RegistryCredential[];
  sharedCredential?: { username: string; password: string };
  docker?: string;
  log: Logger;
  exec?: Exec;
  signal?: AbortSignal;
}

export interface MergedTarget {
  target: string;
  platforms: PlatformDigest[];
  indexes: IndexResult[];
}

export async function merge(options: MergeOptions): Promise<MergedTarget[]> {
  const exec = options.exec ?? execProcess;
  const { plan } = await planFromConfig({
    config: options.config,
    planFile: options.planFile,
    cwd: options.cwd,
    env: options.env,
    push: true,
    exec,
  });
  const digests = readDigestFiles(options.digestsDir);
  const targets = new Map<string, typeof plan.jobs>();
  for (const job of plan.jobs) targets.set(targetOf(job), [...(targets.get(targetOf(job)) ?? []), job]);

  // Every entry first: nothing is tagged unless every target can be.
  const missing = plan.jobs
    .filter((j) => !digests.has(j.id))
    .map((j) => `${j.id} (${jobName(j)}${j.platform ? `, ${j.platform}` : ''})`);
  if (missing.length > 0) {
    throw new MlImageError(
      `cannot merge: no digest from ${missing.join('; ')} — its build or smoke test failed or did not run. Nothing was tagged.`,
    );
  }

  const choice = await detectDocker(exec, { docker: options.docker, builder: 'buildx', pathVar: options.env.PATH });
  const docker = new Docker(choice.docker, choice.builder, exec, options.log);
  const creds = credentialsFor(plan.registries, options.credentials ?? [], options.sharedCredential);
  const auth = await login(docker, creds, options.log, { env: options.env, signal: options.signal });
  const client = registryClientFor(creds, options.env, exec);
  try {
    const out: MergedTarget[] = [];
    for (const [target, jobs] of targets) {
      const platforms = jobs.map((j) => digests.get(j.id)!);
      const indexes = await options.log.group(`Merge ${jobName(jobs[0])}`, () =>
        createIndexes({ docker, auth, log: options.log, client, signal: options.signal }, jobs[0], platforms),
      );
      out.push({ target, platforms, indexes });
    }
    return out;
  } finally {
    await auth.logout();
  }
}
