// Parses the `ml-image` command line into a typed command. No side effects; errors are UsageErrors.
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import { sizeBytes } from '../config/resolve.js';
import { SIZE_PATTERN } from '../config/schema.js';
import { registryProblem } from '../config/names.js';
import type { CacheBackend } from '../config/types.js';
import type { BuilderKind } from '../docker/detect.js';

const CACHE_BACKENDS: readonly CacheBackend[] = ['auto', 'registry', 'gha', 'local', 'inline', 'none'];
import type { PlanFormat } from '../plan/format.js';
import type { PlanFilters } from '../plan/plan.js';
import type { SmokeReportFiles } from '../report/smoke-report.js';

export const USAGE = `usage: ml-image <command> [options]

commands:
  build      build every image, smoke-test it in a container, and with --push push it
  merge      fan-out's last step: put each target's platform digests (--digests DIR) under every tag of
             the plan (--plan FILE) in every registry, and check them
  test IMAGE run the smoke test against an existing image: the config's (with --config, --image,
             --variant) and/or container-structure-test files (--structure-test); exit 1 when a check fails
  plan       print what build would do: images, variants, tags, labels, runners
  verify IMAGE@DIGEST  print what the registry holds about that digest: its test records (exit 1 when
             none); --json FILE writes them as JSON
  validate   check the config file and the plan it gives, and report every problem
  schema     print the config file's JSON Schema
  help       show this text

options:
  -c, --config FILE       config file (default: ml-image.yml)
      --image NAME        only this image (repeatable)
      --variant NAME      only this variant (repeatable)
      --format F          plan output: table (default), json, or matrix (GitHub strategy.matrix)
      --push              push to the registries after all smoke tests passed
      --retest            build and smoke-test even an image whose digest a test record already proves
      --registry HOST     push to HOST instead of push.registries (repeatable)
      --username USER     registry username (with --password-stdin), for every push registry
      --password-stdin    read the registry password from standard input
      --docker PATH       docker client to use (default: the best one on PATH)
      --build-engine E    auto | buildx | buildkit (default auto: buildx when available)
      --builder NAME      an existing buildx builder instance (default: the current one)
      --cache-backend B   replaces cache.backend: auto | registry | gha | local | inline | none
      --min-free-space S  fail before building with less free space under the engine's data root, e.g. 20GB
      --images-file F     write the images JSON (the Action's images output) to F
      --plan FILE         use this plan file (ml-image plan --format json) for tags, labels and dates (build, merge)
      --only ID           build, test and push by digest only this matrix entry (build; with --digests-dir)
      --digests-dir DIR   where --only writes the entry's digest file (default ml-image-digests)
      --digests DIR       the digest files of every matrix entry (merge)
      --output-refs FILE  write every pushed reference@digest, per image, variant and platform (build, merge)
      --junit FILE        write the smoke-test results as JUnit XML (build, test)
      --json FILE         write the smoke-test results as JSON (build, test)
      --structure-test F  a container-structure-test file (test; repeatable)
  -v, --verbose           show every command and its output

environment:
  ML_IMAGE_REGISTRY_AUTH  YAML list of {registry, username, password}
  ML_IMAGE_USERNAME, ML_IMAGE_PASSWORD  credentials for every push registry
`;

export type CliCommand =
  | { command: 'help' }
  | { command: 'validate'; config: string }
  | { command: 'schema' }
  | { command: 'verify'; image: string; json?: string }
  | { command: 'plan'; config: string; format: PlanFormat; push: boolean; registries?: string[]; filters: PlanFilters }
  | {
      command: 'build';
      config: string;
      filters: PlanFilters;
      push: boolean;
      registries?: string[];
      username?: string;
      passwordStdin: boolean;
      docker?: string;
      builder?: BuilderKind;
      buildxBuilder?: string;
      cacheBackend?: CacheBackend;
      minFreeBytes?: number;
      imagesFile?: string;
      reports: SmokeReportFiles;
      planFile?: string;
      digestsDir?: string;
      outputRefs?: string;
      retest: boolean;
      verbose: boolean;
    }
  | {
      command: 'merge';
      config: string;
      planFile: string;
      digests: string;
      username?: string;
      passwordStdin: boolean;
      docker?: string;
      outputRefs?: string;
      verbose: boolean;
    }
  | {
      command: 'test';
      image: string;
      config?: string;
      filters: PlanFilters;
      structureTests: string[];
      docker?: string;
      reports: SmokeReportFiles;
      verbose: boolean;
    };

export type { SmokeReportFiles };

/**
 * The command line as a typed command, in named steps: the flags (parseFlags), the registries, then the
 * command's own checks; `validate`, `schema`, `plan` and `build` share the config's default and the filters.
 * Which problem is reported when several apply is the order below.
 */
export function parseCli(argv: readonly string[]): CliCommand {
  const { values, positionals } = parseFlags(argv);
  const [command = 'help', ...rest] = positionals;
  checkRegistries(values.registry ?? []);
  if (values.help || command === 'help') return { command: 'help' };
  if (command === 'test') return testCommand(values, rest);
  if (values['structure-test'] !== undefined)
    throw new UsageError('--structure-test goes with test (in a config: smoke-test.structure-tests)');
  if (command === 'merge') return mergeCommand(values, rest);
  if (command === 'verify') return verifyCommand(values, rest);
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  return configCommand(command, values);
}

/** Every flag of every command, checked by node's parseArgs (strict: an unknown flag is a usage error). */
function parseFlags(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        junit: { type: 'string' },
        json: { type: 'string' },
        'structure-test': { type: 'string', multiple: true },
        plan: { type: 'string' },
        only: { type: 'string' },
        'digests-dir': { type: 'string' },
        digests: { type: 'string' },
        'output-refs': { type: 'string' },
        image: { type: 'string', multiple: true },
        variant: { type: 'string', multiple: true },
        format: { type: 'string' },
        push: { type: 'boolean', default: false },
        retest: { type: 'boolean', default: false },
        registry: { type: 'string', multiple: true },
        username: { type: 'string' },
        'password-stdin': { type: 'boolean', default: false },
        docker: { type: 'string' },
        'build-engine': { type: 'string' },
        'images-file': { type: 'string' },
        builder: { type: 'string' },
        'cache-backend': { type: 'string' },
        'min-free-space': { type: 'string' },
        // Renamed: buildx uses this name for its build metadata.
        'metadata-file': { type: 'string' },
        verbose: { type: 'boolean', short: 'v', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err: unknown) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

type Flags = ReturnType<typeof parseFlags>['values'];

/** Checked here, not when planning, so that the message names the flag (and exits 2, as usage errors do). */
function checkRegistries(registries: readonly string[]): void {
  for (const r of registries) {
    const problem = registryProblem(r);
    if (problem) throw new UsageError(`--registry: ${problem}`);
  }
}

const reportsOf = (values: Flags): SmokeReportFiles => ({ junit: values.junit, json: values.json });

/** `test IMAGE`: one image, and something to test it with (a config's smoke test, structure-test files). */
function testCommand(values: Flags, rest: readonly string[]): Extract<CliCommand, { command: 'test' }> {
  if (rest.length !== 1)
    throw new UsageError(
      rest.length === 0
        ? 'test needs the image to test, e.g. ml-image test acme/iris:latest'
        : `unexpected argument "${rest[1]}"`,
    );
  if (!values.config && !values['structure-test'])
    throw new UsageError('test needs --config (its smoke test) and/or --structure-test FILE');
  return {
    command: 'test',
    image: rest[0],
    config: values.config,
    filters: { images: values.image, variants: values.variant },
    structureTests: values['structure-test'] ?? [],
    docker: values.docker,
    reports: reportsOf(values),
    verbose: values.verbose,
  };
}

/** `verify IMAGE@DIGEST`: one image, by digest. */
function verifyCommand(values: Flags, rest: readonly string[]): Extract<CliCommand, { command: 'verify' }> {
  if (rest.length !== 1)
    throw new UsageError(
      rest.length === 0
        ? 'verify needs an image by digest, e.g. ml-image verify ghcr.io/acme/iris@sha256:…'
        : `unexpected argument "${rest[1]}"`,
    );
  return { command: 'verify', image: rest[0], json: values.json };
}

/** `merge`: the plan file and the digest files it puts under the plan's tags. */
function mergeCommand(values: Flags, rest: readonly string[]): Extract<CliCommand, { command: 'merge' }> {
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  if (!values.plan || !values.digests)
    throw new UsageError(
      "merge needs --plan FILE (from ml-image plan --format json) and --digests DIR (the matrix entries' digest files)",
    );
  if (values['password-stdin'] && !values.username) throw new UsageError('--password-stdin needs --username');
  return {
    command: 'merge',
    config: values.config ?? 'ml-image.yml',
    planFile: values.plan,
    digests: values.digests,
    username: values.username,
    passwordStdin: values['password-stdin'],
    docker: values.docker,
    outputRefs: values['output-refs'],
    verbose: values.verbose,
  };
}

/** The commands over the config file (default ml-image.yml): validate, schema, plan and build. */
function configCommand(command: string, values: Flags): CliCommand {
  const config = values.config ?? 'ml-image.yml';
  const filters: PlanFilters = {
    images: values.image,
    variants: values.variant,
    ...(values.only ? { only: values.only } : {}),
  };
  if (command !== 'plan' && values.format !== undefined) throw new UsageError('--format goes with plan');
  if (command === 'validate') return { command, config };
  if (command === 'schema') return { command };
  if (command === 'plan') {
    const format = values.format ?? 'table';
    if (format !== 'table' && format !== 'json' && format !== 'matrix')
      throw new UsageError(`--format must be table, json or matrix, got "${format}"`);
    return { command, config, format, push: values.push, registries: values.registry, filters };
  }
  if (command !== 'build')
    throw new UsageError(
      `unknown command "${command}" (expected build, test, merge, plan, verify, validate, schema or help)`,
    );
  return buildCommand(values, config, filters);
}

/** `build`: the engine, builder and cache flags checked, each naming the flag it is about. */
function buildCommand(values: Flags, config: string, filters: PlanFilters): Extract<CliCommand, { command: 'build' }> {
  const { engine, cacheBackend, minFree } = buildEngineFlags(values);
  if (values['password-stdin'] && !values.username) throw new UsageError('--password-stdin needs --username');
  return {
    command: 'build',
    config,
    filters,
    push: values.push,
    registries: values.registry,
    username: values.username,
    passwordStdin: values['password-stdin'],
    docker: values.docker,
    builder: engine === 'auto' ? undefined : engine,
    buildxBuilder: values.builder,
    cacheBackend,
    minFreeBytes: minFree === undefined ? undefined : sizeBytes(minFree),
    imagesFile: values['images-file'],
    reports: reportsOf(values),
    planFile: values.plan,
    digestsDir: values['digests-dir'],
    outputRefs: values['output-refs'],
    retest: values.retest,
    verbose: values.verbose,
  };
}

/** The flags that go with build alone, or that build spells its own way (a renamed flag names its new name). */
function buildEngineFlags(values: Flags): {
  engine: 'auto' | BuilderKind;
  cacheBackend?: CacheBackend;
  minFree?: string;
} {
  if (values.digests !== undefined)
    throw new UsageError('--digests goes with merge (build --only writes to --digests-dir)');
  if (values.builder === 'buildx' || values.builder === 'buildkit') {
    throw new UsageError(
      `--builder names a buildx builder instance (as in docker buildx build); to choose ${values.builder}, use --build-engine ${values.builder}`,
    );
  }
  const cacheBackend = values['cache-backend'];
  if (cacheBackend !== undefined && !CACHE_BACKENDS.includes(cacheBackend as CacheBackend)) {
    throw new UsageError(`--cache-backend must be one of ${CACHE_BACKENDS.join(', ')}, got "${cacheBackend}"`);
  }
  const minFree = values['min-free-space'];
  if (minFree !== undefined && !new RegExp(SIZE_PATTERN).test(minFree))
    throw new UsageError(`--min-free-space must be a size like 20GB, got "${minFree}"`);
  if (values['metadata-file'] !== undefined)
    throw new UsageError('--metadata-file is now --images-file (buildx uses --metadata-file for its build metadata)');
  const engine = values['build-engine'] ?? 'auto';
  if (engine !== 'auto' && engine !== 'buildx' && engine !== 'buildkit') {
    throw new UsageError(`--build-engine must be auto, buildx or buildkit, got "${engine}"`);
  }
  return { engine, cacheBackend: cacheBackend as CacheBackend | undefined, minFree };
}
