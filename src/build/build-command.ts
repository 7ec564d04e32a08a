// Pure construction of the build command for each builder. Table-driven tests pin these argv arrays;
// nothing here touches the engine.
import type { CacheArgs } from '../cache/cache.js';
import type { BuilderInfo } from '../docker/builder.js';
import type { BuildJob } from '../plan/plan.js';

export interface BuildCommand {
  args: string[];
  env: Record<string, string>;
}

export interface BuildCommandOptions {
  iidFile: string;
  cache: CacheArgs;
  /** A buildx builder instance to build with (--builder); the current one when undefined. */
  builderName?: string;
  /** buildx's --metadata-file: the image digest and BuildKit's record of the build. */
  metadataFile?: string;
  /** More local names for the image (a run's own name, which holds the image while the run uses it). */
  extraTags?: readonly string[];
  /**
   * Push the image by digest (no tag) to these repositories instead of loading it: the tested build run
   * again from the cache, for a multi-platform index or a fan-out entry. Cache exports are left out.
   */
  pushByDigest?: readonly string[];
}

/** An --output value for pushing by digest; names with a comma list go in a quoted CSV field. */
export function pushByDigestOutput(repositories: readonly string[]): string {
  return `type=image,"name=${repositories.join(',')}",push-by-digest=true,name-canonical=true,push=true`;
}

/** Cache flags without the exports (--cache-to and its value). */
const importsOnly = (args: readonly string[]): string[] =>
  args.filter((a, i) => a !== '--cache-to' && args[i - 1] !== '--cache-to');

const sortedPairs = (flag: string, map: Record<string, string>): string[] =>
  Object.keys(map)
    .sort()
    .flatMap((k) => [flag, `${k}=${map[k]}`]);

export function buildCommand(job: BuildJob, builder: BuilderInfo, options: BuildCommandOptions): BuildCommand {
  const { build } = job;
  const common = [
    '--progress=plain',
    '--file',
    build.dockerfile,
    ...(build.target ? ['--target', build.target] : []),
    ...(job.platform ? ['--platform', job.platform] : []),
    ...sortedPairs('--build-arg', {
      ...build.buildArgs,
      ...options.cache.buildArgs,
      ...(build.sourceDateEpoch !== undefined ? { SOURCE_DATE_EPOCH: String(build.sourceDateEpoch) } : {}),
    }),
    // Secrets are named, never valued: BuildKit reads each from the environment of the build command.
    ...build.secrets.flatMap((name) => ['--secret', `id=${name},env=${name}`]),
    ...sortedPairs('--label', job.labels),
    ...(options.pushByDigest ? importsOnly(options.cache.args) : options.cache.args),
    '--iidfile',
    options.iidFile,
    ...(options.pushByDigest ? [] : [...job.localRefs, ...(options.extraTags ?? [])].flatMap((r) => ['--tag', r])),
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
        ...(options.pushByDigest ? ['--output', pushByDigestOutput(options.pushByDigest)] : ['--load']),
        build.context,
      ],
      env: {},
    };
  }
  return { args: ['build', ...common, build.context], env: { DOCKER_BUILDKIT: '1' } };
}
