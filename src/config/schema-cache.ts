// The schema of the cache section (an image's or a variant's `cache`): the layer-cache backend, its
// reference, mode and scope, and the persisted RUN --mount=type=cache content with its size limit.
import { str, type Schema } from './schema-base.js';

/** Sizes as people write them: 500MB, 2GB, 1.5GiB. */
export const SIZE_PATTERN = '^[0-9]+(\\.[0-9]+)?(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$';

export const cache: Schema = {
  type: 'object',
  additionalProperties: false,
  description:
    "BuildKit's layer cache and persisted RUN --mount=type=cache content across CI runs; a variant's keys override its image's.",
  properties: {
    backend: {
      type: 'string',
      enum: ['auto', 'registry', 'gha', 'local', 'inline', 'none'],
      default: 'auto',
      description:
        "auto: the best the builder and the run allow (registry when there is a push registry and the builder can export caches, else local; inline on builders that export nothing else); registry: a cache image (ref) in the registry; gha: GitHub's cache service (needs BuildKit ≥ 0.20 and buildx ≥ 0.21); local: a directory on the machine (the CLI's cache dir; in the Action RUNNER_TEMP, so only within a job); inline: inside the pushed image; none.",
    },
    ref: str(
      'Registry cache reference, e.g. ghcr.io/acme/iris:buildcache (default: <first push registry>/<image>:buildcache[-<variant>]).',
      {
        pattern: '^[A-Za-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$',
        patternMessage: 'a reference with a tag, like ghcr.io/acme/iris:buildcache',
      },
    ),
    mode: {
      type: 'string',
      enum: ['max', 'min'],
      default: 'max',
      description: "max: cache every stage and step; min: only the final image's layers.",
    },
    scope: str('Name of this cache among others (gha scope, local directory); default: the image and variant.', {
      pattern: '^[A-Za-z0-9_.-]{1,100}$',
      patternMessage: 'letters, digits, _ . -',
    }),
    mounts: {
      oneOf: [
        { type: 'boolean' },
        {
          type: 'array',
          items: str('A cache mount id or target path of a RUN --mount=type=cache in the Dockerfile.', {
            minLength: 1,
          }),
        },
      ],
      description:
        'Persist RUN --mount=type=cache content across runs: true (default: every cache mount in the Dockerfile), false, or the ids/targets to persist.',
    },
    'mounts-max-size': str(
      'Upper bound of the persisted mount content per image and variant; the oldest files are dropped beyond it (default 2GB).',
      {
        pattern: SIZE_PATTERN,
        patternMessage: 'a size like 500MB or 2GB',
      },
    ),
  },
};
