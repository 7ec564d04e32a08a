// Pure construction of the build command for each builder. Table-driven tests pin these argv arrays;
// nothing here touches the engine.
import type { CacheArgs } from '../cache/cache.js';
import type { BuilderInfo } from '../docker/builder.js';
import type { BuildJob } from '../plan/plan.js';

export interface BuildCommand {
  args: string[];
  env: Record<string, string>;
}

export interface BuildArgvOptions {
  iidFile: string;
  cache: CacheArgs;
  /** A buildx builder instance to build with (--builder); the current one when undefined. */
  builderName?: string;
  /** buildx's --metadata-file: the image digest and BuildKit's record of the build. */
  metadataFile?: string;
}

const sortedPairs = (flag: string, map: Record<string, string>): string[] =>
  Object.keys(map)
    .sort()
    .flatMap((k) => [flag, `${k}=${map[k]}`]);

export function buildCommand(job: BuildJob, builder: BuilderInfo, options: BuildArgvOptions): BuildCommand {
  const { build } = job;
  const common = [
    '--progress=plain',
    '--file',
    build.dockerfile,
    ...(build.target ? ['--target', build.target] : []),
    ...(job.platform ? ['--platform', job.platform] : []),
    ...sortedPairs('--build-arg', { ...build.buildArgs, ...options.cache.buildArgs }),
    // Secrets are named, never valued: BuildKit reads each from the environment of the build command.
    ...build.secrets.flatMap((name) => ['--secret', `id=${name},env=${name}`]),
    ...sortedPairs('--label', job.labels),
    ...options.cache.args,
    '--iidfile',
    options.iidFile,
    ...job.localRefs.flatMap((r) => ['--tag', r]),
  ];
  if (builder.kind === 'buildx') {
    return {
      args: [
        'buildx',
        'build',
        ...(options.builderName ? ['--builder', options.builderName] : []),
        ...common,
        ...(options.metadataFile ? ['--metadata-file', options.metadataFile] : []),
        // --load: the smoke test runs the image from the local engine before anything is pushed. With the
        // docker driver the image is already there; a container driver sends it as a tarball.
        '--load',
        build.context,
      ],
      env: {},
    };
  }
  return { args: ['build', ...common, build.context], env: { DOCKER_BUILDKIT: '1' } };
}
