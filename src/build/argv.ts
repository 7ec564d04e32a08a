// Pure construction of the build command for each builder. Table-driven tests pin these argv arrays;
// nothing here touches the engine.
import type { BuilderKind } from '../docker/detect.js';
import type { BuildJob } from '../plan/plan.js';

export interface BuildCommand {
  args: string[];
  env: Record<string, string>;
}

export interface BuildArgvOptions {
  iidFile: string;
}

const sortedPairs = (flag: string, map: Record<string, string>): string[] =>
  Object.keys(map)
    .sort()
    .flatMap((k) => [flag, `${k}=${map[k]}`]);

export function buildCommand(job: BuildJob, builder: BuilderKind, options: BuildArgvOptions): BuildCommand {
  const { image } = job;
  const common = [
    '--progress=plain',
    '--file',
    image.dockerfile,
    ...(image.target ? ['--target', image.target] : []),
    ...(job.platform ? ['--platform', job.platform] : []),
    ...sortedPairs('--build-arg', image.buildArgs),
    ...sortedPairs('--label', job.labels),
    '--iidfile',
    options.iidFile,
    ...job.localRefs.flatMap((r) => ['--tag', r]),
  ];
  if (builder === 'buildx') {
    // --load: the smoke test runs the image from the local engine before anything is pushed.
    return { args: ['buildx', 'build', ...common, '--load', image.context], env: {} };
  }
  return { args: ['build', ...common, image.context], env: { DOCKER_BUILDKIT: '1' } };
}
