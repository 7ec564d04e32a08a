// The schema of one entry of `images`: the repository name, build context and Dockerfile, the keys a
// variant may override (build args, labels, platforms, runners, cache, smoke test), the variants
// themselves, and metadata-action's tag rules and flavor. The name, tag and variant patterns live here.
import { cache } from './schema-cache.js';
import { str, stringMap, type Schema } from './schema-base.js';
import { smokeTest } from './schema-smoke.js';

// Upper case is accepted and lowercased (as metadata-action does with its images input).
const REPOSITORY = '^[A-Za-z0-9]+(?:(?:[._]|__|-+)[A-Za-z0-9]+)*(?:/[A-Za-z0-9]+(?:(?:[._]|__|-+)[A-Za-z0-9]+)*)*$';
export const TAG_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$';
export const VARIANT_PATTERN = '^[a-z0-9][a-z0-9_.-]{0,40}$';

const platforms: Schema = {
  type: 'array',
  items: str('os/arch[/variant]', {
    pattern: '^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$',
    patternMessage: 'a platform like linux/amd64',
  }),
};

const runsOn: Schema = {
  description: 'Runner labels for this build in the fan-out matrix (ml-image plan --format matrix).',
  oneOf: [
    { type: 'string', minLength: 1 },
    { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
  ],
};

/** Keys a variant may set; they override (build-args and labels: extend; cache: key by key) the image's own. */
const variantKeys: Record<string, Schema> = {
  cache,
  dockerfile: str('Dockerfile, relative to the context.'),
  target: str('Dockerfile stage to build.'),
  'build-args': stringMap('Build arguments (never put secrets here: they are stored in the image history).'),
  labels: stringMap('Image labels; override the generated ones.'),
  platforms,
  gpu: { type: 'boolean', description: 'The image needs a GPU at run time (e.g. a CUDA image).' },
  'runs-on': runsOn,
  'platform-runs-on': {
    type: 'object',
    description:
      'Runner labels per platform for the fan-out matrix, e.g. {"linux/arm64": "ubuntu-24.04-arm"} (the default for linux/arm64; other platforms use runs-on).',
    additionalProperties: runsOn,
  },
  'smoke-test': smokeTest,
};

const variant: Schema = {
  type: 'object',
  additionalProperties: false,
  description: 'A variant is built, smoke-tested and tagged on its own (e.g. cpu and cuda12).',
  properties: {
    ...variantKeys,
    'tag-suffix': str('Appended to every tag of a non-default variant (default: -<variant>).', {
      pattern: '^[A-Za-z0-9_.-]{0,40}$',
      patternMessage: 'a suffix of letters, digits, _ . -',
    }),
    'latest-tag': str(
      'The tag a non-default variant gets where the default one gets latest (default: latest-<variant>).',
      {
        pattern: TAG_PATTERN,
        patternMessage: 'a tag of letters, digits, _ . - (at most 128, not starting with . or -)',
      },
    ),
  },
};

/** metadata-action inputs are multi-line strings in workflows; a YAML list is accepted as well. */
const ruleLines = (description: string, line: string): Schema => ({
  description,
  oneOf: [{ type: 'array', items: str(line, { minLength: 1 }) }, { type: 'string' }],
});

export const image: Schema = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: str('Repository name without registry, e.g. acme/iris-classifier (at most 200 characters).', {
      maxLength: 200,
      pattern: REPOSITORY,
      patternMessage: 'a repository name like acme/iris-classifier (letters, digits, . _ - and /)',
    }),
    context: str('Build context, relative to the config file.', { default: '.' }),
    ...variantKeys,
    dockerfile: str('Dockerfile, relative to the context.', { default: 'Dockerfile' }),
    reproducible: {
      type: 'boolean',
      default: true,
      description:
        "One commit, one digest: SOURCE_DATE_EPOCH and the created label from the commit's date, layer timestamps rewritten where the builder can (BuildKit >= 0.13). false: build-time dates, as docker build gives.",
    },
    secrets: {
      type: 'array',
      items: str('Name of an environment variable passed to the build as a BuildKit secret of the same id.', {
        pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
        patternMessage: 'an environment variable name like HF_TOKEN',
      }),
      description: 'Mounted in RUN --mount=type=secret,id=NAME steps; never stored in the image or printed.',
    },
    variants: {
      type: 'object',
      // `cpu:` with nothing after it is a variant without overrides.
      additionalProperties: { oneOf: [variant, { type: 'null' }] },
      description: 'Variants by name; each is built, tested and tagged separately.',
    },
    'default-variant': str('The variant whose tags carry no suffix (default: the first).', {
      pattern: VARIANT_PATTERN,
      patternMessage: 'a variant name (lowercase letters, digits, _ . -)',
    }),
    tags: ruleLines(
      "docker/metadata-action's tags input (default: its default rules): a list, or a block string of lines as in a workflow (tags: |).",
      'A tag rule, e.g. type=semver,pattern={{version}}, or a plain tag.',
    ),
    flavor: ruleLines(
      "docker/metadata-action's flavor input: a list, or a block string of lines.",
      'A flavor line, e.g. latest=auto or suffix=-py312,onlatest=true.',
    ),
  },
};
