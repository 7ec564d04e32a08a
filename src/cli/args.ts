// Parses the `ml-image` command line into a typed command. No side effects; errors are UsageErrors.
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import type { BuilderKind } from '../docker/detect.js';
import type { PlanFormat } from '../plan/format.js';
import type { PlanFilters } from '../plan/plan.js';

export const USAGE = `usage: ml-image <command> [options]

commands:
  build      build every image, smoke-test it in a container, and with --push push it
  plan       print what build would do: images, variants, tags, labels, runners
  validate   check the config file and report every problem
  schema     print the config file's JSON Schema
  help       show this text

options:
  -c, --config FILE       config file (default: ml-image.yml)
      --image NAME        only this image (repeatable)
      --variant NAME      only this variant (repeatable)
      --format F          plan output: table (default), json, or matrix (GitHub strategy.matrix)
      --push              push to the registries after all smoke tests passed
      --registry HOST     push to HOST instead of push.registries (repeatable)
      --username USER     registry username (with --password-stdin), for every push registry
      --password-stdin    read the registry password from standard input
      --docker PATH       docker client to use (default: the best one on PATH)
      --build-engine E    auto | buildx | buildkit (default auto: buildx when available)
      --images-file F     write the images JSON (the Action's images output) to F
  -v, --verbose           show every command and its output

environment:
  ML_IMAGE_REGISTRY_AUTH  YAML list of {registry, username, password}
  ML_IMAGE_USERNAME, ML_IMAGE_PASSWORD  credentials for every push registry
`;

export type CliCommand =
  | { command: 'help' }
  | { command: 'validate'; config: string }
  | { command: 'schema' }
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
      imagesFile?: string;
      verbose: boolean;
    };

export function parseCli(argv: readonly string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c', default: 'ml-image.yml' },
        image: { type: 'string', multiple: true },
        variant: { type: 'string', multiple: true },
        format: { type: 'string' },
        push: { type: 'boolean', default: false },
        registry: { type: 'string', multiple: true },
        username: { type: 'string' },
        'password-stdin': { type: 'boolean', default: false },
        docker: { type: 'string' },
        'build-engine': { type: 'string' },
        'images-file': { type: 'string' },
        // Renamed: buildx uses both names for something else (a builder instance; its build metadata).
        builder: { type: 'string' },
        'metadata-file': { type: 'string' },
        verbose: { type: 'boolean', short: 'v', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err: unknown) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  const [command = 'help', ...rest] = positionals;
  if (values.help || command === 'help') return { command: 'help' };
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  const filters: PlanFilters = { images: values.image, variants: values.variant };
  if (command !== 'plan' && values.format !== undefined) throw new UsageError('--format goes with plan');
  if (command === 'validate') return { command, config: values.config };
  if (command === 'schema') return { command };
  if (command === 'plan') {
    const format = values.format ?? 'table';
    if (format !== 'table' && format !== 'json' && format !== 'matrix') throw new UsageError(`--format must be table, json or matrix, got "${format}"`);
    return { command, config: values.config, format, push: values.push, registries: values.registry, filters };
  }
  if (command !== 'build') throw new UsageError(`unknown command "${command}" (expected build, plan, validate, schema or help)`);
  if (values.builder !== undefined) throw new UsageError('--builder is now --build-engine (buildx uses --builder for a builder instance)');
  if (values['metadata-file'] !== undefined) throw new UsageError('--metadata-file is now --images-file (buildx uses --metadata-file for its build metadata)');
  const engine = values['build-engine'] ?? 'auto';
  if (engine !== 'auto' && engine !== 'buildx' && engine !== 'buildkit') {
    throw new UsageError(`--build-engine must be auto, buildx or buildkit, got "${engine}"`);
  }
  if (values['password-stdin'] && !values.username) throw new UsageError('--password-stdin needs --username');
  return {
    command,
    config: values.config,
    filters,
    push: values.push,
    registries: values.registry,
    username: values.username,
    passwordStdin: values['password-stdin'],
    docker: values.docker,
    builder: engine === 'auto' ? undefined : engine,
    imagesFile: values['images-file'],
    verbose: values.verbose,
  };
}
