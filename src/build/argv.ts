// Pure construction of the build command for each builder. Table-driven tests pin these argv arrays;
// nothing here touches the engine.
import { cacheArgs } from '../cache/cache.js';
import type { BuilderKind } from '../docker/detect.js';
import type { BuildJob } from '../plan/plan.js';

export interface BuildCommand {
  args: string[];
  env: Record<string, string>;
}

export interface BuildArgvOptions {
  iidFile: string;
  push: boolean;
}

const sortedPairs = (flag: string, map: Record<string, string>): string[] =>
  Object.keys(map)
    .sort()
    .flatMap((k) => [flag, `${k}=${map[k]}`]);

export function buildCommand(job: BuildJob, builder: BuilderKind, options: BuildArgvOptions): BuildCommand {
  const { build } = job;
  const cache = cacheArgs({ backend: build.cache, builder, push: options.push, pushRefs: job.pushRefs });
  const common = [
    '--progress=plain',
    '--file',
    build.dockerfile,
    ...(build.target ? ['--target', build.target] : []),
    ...(job.platform ? ['--platform', job.platform] : []),
    ...sortedPairs('--build-arg', { ...build.buildArgs, ...cache.buildArgs }),
    // Secrets are named, never valued: BuildKit reads each from the environment of the build command.
    ...build.secrets.flatMap((name) => ['--secret', `id=${name},env=${name}`]),
    ...sortedPairs('--label', job.labels),
    ...cache.args,
    '--iidfile',
    options.iidFile,
    ...job.localRefs.flatMap((r) => ['--tag', r]),
  ];
  if (builder === 'buildx') {
    // --load: the smoke test runs the image from the local engine before anything is pushed.
    return { args: ['buildx', 'build', ...common, '--load', build.context], env: {} };
  }
  return { args: ['build', ...common, build.context], env: { DOCKER_BUILDKIT: '1' } };
}
