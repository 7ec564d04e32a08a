// Pure construction of the build command for each builder. Table-driven tests pin these argv arrays;
// nothing here touches the engine.
import type { CacheArgs } from '../cache/cache.js';
import type { BuilderInfo } from '../docker/builder.js';
import type { BuildJob } from '../plan/plan.js';

export interface BuildCommand {
  args: string[];
  env: Record<string, string>;
  /** The docker tarball the command writes (options.tarball, when the image goes through one): load it. */
  tarball?: string;
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
  /**
   * Where to write the image as a docker tarball when it has to go through one (BuildCommand.tarball says
   * whether it does): the docker driver's own export cannot rewrite layer timestamps (it unpacks into the
   * engine), an exported tarball can.
   */
  tarball?: string;
}

/**
 * How a builder gives a reproducible image's layers the commit's timestamps (BuildKit >= 0.13's
 * rewrite-timestamp exporter option): in the exporter that loads or pushes the image, through a tarball
 * loaded afterwards (the docker driver), or not at all, and why.
 */
export type TimestampRewrite = { how: 'exporter' | 'tarball' } | { how: 'none'; reason: string };

export function timestampRewrite(builder: BuilderInfo): TimestampRewrite {
  if (builder.kind !== 'buildx')
    return {
      how: 'none',
      reason: "the engine's built-in BuildKit, driven by the classic `docker build`, takes no exporter options",
    };
  // Distribution builds may say v0.0.0+unknown: no version to hold against them.
  const v = /^v?(\d+)\.(\d+)\./.exec(builder.buildkitVersion ?? '');
  if (v && v[1] === '0' && v[2] !== '0' && Number(v[2]) < 13)
    return { how: 'none', reason: `BuildKit ${builder.buildkitVersion ?? ''} cannot rewrite timestamps (0.13 can)` };
  if (builder.driver !== 'docker') return { how: 'exporter' };
  return builder.containerdStore
    ? { how: 'tarball' }
    : {
        how: 'none',
        reason:
          "the engine's classic image store makes a new manifest on every push (the containerd image store keeps it)",
      };
}

/** An --output value for pushing by digest; names with a comma list go in a quoted CSV field. */
export function pushByDigestOutput(repositories: readonly string[], rewrite = false): string {
  return `type=image,"name=${repositories.join(',')}",push-by-digest=true,name-canonical=true,push=true${rewrite ? REWRITE : ''}`;
}

/**
 * The exporter options of a reproducible image: timestamps rewritten, and OCI media types always — the
 * docker driver's tarball would otherwise get Docker's and a container builder OCI's, two manifests (two
 * digests) for the same config and layers.
 */
const REWRITE = ',oci-mediatypes=true,rewrite-timestamp=true';

/**
 * Where a buildx build puts the image: pushed by digest, or into the engine (directly, or through a
 * tarball the caller loads).
 */
function output(
  job: BuildJob,
  builder: BuilderInfo,
  options: BuildCommandOptions,
): { args: string[]; tarball?: string } {
  const rewrite = job.build.reproducible ? timestampRewrite(builder) : undefined;
  if (options.pushByDigest)
    return { args: ['--output', pushByDigestOutput(options.pushByDigest, rewrite?.how === 'exporter')] };
  if (rewrite?.how === 'tarball' && options.tarball)
    return { args: ['--output', `type=docker,dest=${options.tarball}${REWRITE}`], tarball: options.tarball };
  // type=docker is what --load stands for; a container driver sends the image to the engine as a tarball.
  if (rewrite?.how === 'exporter') return { args: ['--output', `type=docker${REWRITE}`] };
  return { args: ['--load'] };
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
    const out = output(job, builder, options);
    return {
      args: [
        'buildx',
        'build',
        ...(options.builderName ? ['--builder', options.builderName] : []),
        ...common,
        ...(options.metadataFile ? ['--metadata-file', options.metadataFile] : []),
        // Into the engine (--load or its type=docker form): the smoke test runs the image from the local
        // engine before anything is pushed. Or pushed by digest, for an index or a fan-out entry.
        ...out.args,
        build.context,
      ],
      env: {},
      ...(out.tarball ? { tarball: out.tarball } : {}),
    };
  }
  return { args: ['build', ...common, build.context], env: { DOCKER_BUILDKIT: '1' } };
}

/** The name a probe's image gets: never stored or pushed (store=false, push=false), so never seen. */
export const PROBE_NAME = 'ml-image-probe.invalid/key';

/**
 * The build key probe (build/probe.ts): the job's build resolved from its layer cache to an image
 * manifest that is neither stored nor pushed — no layer is loaded, rewritten or uploaded — with the raw
 * JSON progress, which says step by step whether it came from the cache. No attestations: buildx adds a
 * provenance manifest with the build's time on container builders, which would make every key new.
 */
export function probeCommand(
  job: BuildJob,
  builder: BuilderInfo,
  options: Pick<BuildCommandOptions, 'iidFile' | 'cache' | 'builderName'> & { metadataFile: string },
): BuildCommand {
  const { args } = buildCommand(job, builder, {
    ...options,
    cache: { ...options.cache, args: importsOnly(options.cache.args) },
  });
  const context = args[args.length - 1];
  const kept = args
    .slice(0, -1)
    .filter((a, i, all) => a !== '--progress=plain' && a !== '--load' && a !== '--tag' && all[i - 1] !== '--tag');
  const out = kept.indexOf('--output');
  if (out >= 0) kept.splice(out, 2);
  return {
    args: [
      ...kept,
      '--progress=rawjson',
      '--provenance=false',
      '--metadata-file',
      options.metadataFile,
      '--output',
      `type=image,name=${PROBE_NAME},push=false,store=false,oci-mediatypes=true`,
      context,
    ],
    env: {},
  };
}
