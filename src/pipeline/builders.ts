// The builder a run uses beyond the default one: a docker-container builder created for the run when the
// chosen cache backend needs one the current builder cannot export (removed at the end and by the post
// step, found by its name), and where local caches live.
import os from 'node:os';
import path from 'node:path';
import type { BuilderInfo } from '../docker/builder.js';
import type { Env } from '../meta/context.js';
import type { Docker } from '../docker/docker.js';
import type { Logger } from '../log/log.js';
import type { Resources } from '../resources/resources.js';

/** Builders this run creates are named after it, so the post step can find them. */
export const containerBuilderName = (runId: string): string => `ml-image-${runId}`;

export function describeBuilder(b: BuilderInfo): string {
  if (b.driver === 'builtin')
    return `the engine's built-in BuildKit${b.containerdStore ? ' (containerd image store)' : ''}`;
  return `buildx ${b.buildxVersion ?? '?'} builder ${b.name ?? 'default'} (${b.driver} driver, BuildKit ${b.buildkitVersion ?? '?'}${b.driver === 'docker' ? `, ${b.containerdStore ? 'containerd' : 'classic'} image store` : ''})`;
}

/** Local caches: RUNNER_TEMP in the Action (kept within a job), the user's cache dir otherwise. */
export function localCacheDir(env: Env): string {
  if (env.ML_IMAGE_CACHE_DIR) return env.ML_IMAGE_CACHE_DIR;
  if (env.GITHUB_ACTIONS === 'true' && env.RUNNER_TEMP) return path.join(env.RUNNER_TEMP, 'ml-image', 'buildkit');
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'ml-image', 'buildkit');
}

/** What creating the run's builder takes of the pipeline's state (state.ts). */
interface BuilderContext {
  docker: Docker;
  runId: string;
  log: Logger;
  resources: Resources;
  options: { env: Env };
}

/** `docker buildx create` for the run's builder; host networking as docker/setup-buildx-action sets it. */
export function createBuilderArgs(name: string, env: Env): string[] {
  return [
    'buildx',
    'create',
    '--name',
    name,
    '--driver',
    'docker-container',
    '--driver-opt',
    'network=host',
    ...(env.ML_IMAGE_BUILDKIT_IMAGE ? ['--driver-opt', `image=${env.ML_IMAGE_BUILDKIT_IMAGE}`] : []),
    ...(env.ML_IMAGE_BUILDKITD_CONFIG ? ['--config', env.ML_IMAGE_BUILDKITD_CONFIG] : []),
  ];
}

/**
 * Creates a docker-container builder for this run; undefined (with a warning) when it cannot be made, e.g.
 * when its BuildKit image cannot be pulled. ML_IMAGE_BUILDKIT_IMAGE names another BuildKit image and
 * ML_IMAGE_BUILDKITD_CONFIG a buildkitd.toml (e.g. registry mirrors or insecure registries).
 */
export async function createContainerBuilder(state: BuilderContext): Promise<string | undefined> {
  const name = containerBuilderName(state.runId);
  const create = await state.docker.call(createBuilderArgs(name, state.options.env), { timeoutMs: 60_000 });
  if (create.exitCode === 0) {
    state.resources.add('builder', name, async () => {
      await state.docker.call(['buildx', 'rm', name], { timeoutMs: 60_000 });
    });
    const boot = await state.docker.call(['buildx', 'inspect', '--bootstrap', name], { timeoutMs: 300_000 });
    if (boot.exitCode === 0) {
      state.log.info(`created buildx builder ${name} (docker-container driver) for this run`);
      return name;
    }
    state.log.warn(
      `buildx builder ${name} did not start: ${(boot.stderr.trim().split('\n').pop() ?? '').slice(0, 300)}`,
    );
    return undefined;
  }
  state.log.warn(
    `could not create a docker-container builder: ${(create.stderr.trim().split('\n').pop() ?? '').slice(0, 300)}`,
  );
  return undefined;
}
