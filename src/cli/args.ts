// Parses the `ml-image` command line into a typed command. No side effects; errors are UsageErrors.
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import type { BuilderKind } from '../docker/detect.js';

export const USAGE = `usage: ml-image <command> [options]

commands:
  build      build every image, smoke-test it in a container, and with --push push it
  validate   check the config file and report every problem
  help       show this text

options:
  -c, --config FILE       config file (default: ml-image.yml)
      --push              push to the registries after all smoke tests passed
      --registry HOST     push to HOST instead of push.registries (repeatable)
      --username USER     registry username (with --password-stdin), for every push registry
      --password-stdin    read the registry password from standard input
      --docker PATH       docker client to use (default: the best one on PATH)
      --builder KIND      buildx | buildkit (default: buildx when available)
      --metadata-file F   write the run's metadata JSON to F
  -v, --verbose           show every command and its output

environment:
  ML_IMAGE_REGISTRY_AUTH  YAML list of {registry, username, password}
  ML_IMAGE_USERNAME, ML_IMAGE_PASSWORD  credentials for every push registry
`;

export type CliCommand =
  | { command: 'help' }
  | { command: 'validate'; config: string }
  | {
      command: 'build';
      config: string;
      push: boolean;
      registries?: string[];
      username?: string;
      passwordStdin: boolean;
      docker?: string;
      builder?: BuilderKind;
      metadataFile?: string;
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
        push: { type: 'boolean', default: false },
        registry: { type: 'string', multiple: true },
        username: { type: 'string' },
        'password-stdin': { type: 'boolean', default: false },
        docker: { type: 'string' },
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
  if (command === 'validate') return { command, config: values.config };
  if (command !== 'build') throw new UsageError(`unknown command "${command}" (expected build, validate or help)`);
  const builder = values.builder;
  if (builder !== undefined && builder !== 'buildx' && builder !== 'buildkit') {
    throw new UsageError(`--builder must be buildx or buildkit, got "${builder}"`);
  }
  if (values['password-stdin'] && !values.username) throw new UsageError('--password-stdin needs --username');
  return {
    command,
    config: values.config,
    push: values.push,
    registries: values.registry,
    username: values.username,
    passwordStdin: values['password-stdin'],
    docker: values.docker,
    builder,
    metadataFile: values['metadata-file'],
    verbose: values.verbose,
  };
}
