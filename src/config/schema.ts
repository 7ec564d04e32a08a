// The ONE definition of the config file's shape. It is plain JSON Schema (a subset, interpreted by
// validate.ts), so the same object validates configs at run time and can be published for editors.
// Every key here must be understood by load.ts; every key load.ts reads must be here.
import { REGISTRY_MESSAGE, REGISTRY_PATTERN } from './names.js';

export type JsonType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'null';

export interface Schema {
  type?: JsonType;
  description?: string;
  properties?: Record<string, Schema>;
  required?: readonly string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  enum?: readonly (string | number | boolean)[];
  const?: string | number | boolean;
  pattern?: string;
  /** Shown instead of the raw pattern when a string does not match it. */
  patternMessage?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  /** Alternatives of distinct JSON types (e.g. a duration is "30s" or 30). */
  oneOf?: readonly Schema[];
  default?: unknown;
}

const str = (description: string, extra: Partial<Schema> = {}): Schema => ({ type: 'string', description, ...extra });

const duration = (description: string, dflt: string): Schema => ({
  description: `${description} A number of seconds or a string like 90s, 2m, 500ms.`,
  default: dflt,
  oneOf: [
    // The lookahead rejects zero ("0s", "0.0ms"): a limit of 0 would mean no limit at all.
    {
      type: 'string',
      pattern: '^(?![0.]+(ms|s|m|h)$)[0-9]{1,7}(\\.[0-9]{1,3})?(ms|s|m|h)$',
      patternMessage: 'a positive duration like 30s, 2m or 500ms',
    },
    { type: 'integer', minimum: 1, maximum: 86_400 },
  ],
});

const stringMap = (description: string): Schema => ({
  type: 'object',
  description,
  additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
});

const commandCheck: Schema = {
  type: 'object',
  description:
    'Runs a command in a fresh container of the image; passes when it exits as expected and its output matches.',
  required: ['run'],
  additionalProperties: false,
  properties: {
    name: str('Name shown in logs and reports.'),
    run: {
      type: 'array',
      minItems: 1,
      items: { type: 'string' },
      description:
        'Argument array; the first item replaces the image entrypoint, the rest are its arguments. No shell.',
    },
    'expect-output': {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: 'Regular expressions (multiline) that must all match the combined stdout and stderr.',
    },
    'exclude-output': {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: 'Regular expressions (multiline) that must not match the combined stdout and stderr.',
    },
    'expect-error': {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: 'Regular expressions that must all match stderr alone.',
    },
    'exclude-error': {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: 'Regular expressions that must not match stderr alone.',
    },
    'expect-exit-code': { type: 'integer', minimum: 0, maximum: 255, default: 0, description: 'Expected exit code.' },
    env: stringMap('Environment variables for this command, over smoke-test.env.'),
    workdir: str('Working directory inside the container.', { pattern: '^/', patternMessage: 'an absolute path' }),
    user: str('User (name or uid[:gid]) the command runs as.', {
      pattern: '^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$',
      patternMessage: 'a user like app, 1000 or 1000:1000',
    }),
    'requires-gpu': {
      type: 'boolean',
      default: false,
      description: 'A GPU-only check: skipped with a notice on a runner without a GPU under gpu: auto.',
    },
    timeout: duration('Time limit for this command.', '60s'),
  },
};

const fileCheck: Schema = {
  type: 'object',
  description:
    "A file in the image, read from a created (never started) container: the image's entrypoint does not run.",
  required: ['path'],
  additionalProperties: false,
  properties: {
    name: str('Name shown in logs and reports.'),
    path: str('Absolute path in the image.', { pattern: '^/', patternMessage: 'an absolute path' }),
    exists: { type: 'boolean', default: true, description: 'false: the file must be absent.' },
    permissions: str('Mode as -rwxr-xr-x or octal 0755.', {
      pattern: '^([-dlcbps]?[-r][-w][-xsS][-r][-w][-xsS][-r][-w][-xtT]|0?[0-7]{3,4})$',
      patternMessage: 'a mode like -rw-r--r-- or 0644',
    }),
    uid: { type: 'integer', minimum: 0, description: 'Owner user id.' },
    gid: { type: 'integer', minimum: 0, description: 'Owner group id.' },
    'executable-by': { type: 'string', enum: ['owner', 'group', 'other', 'any'], description: 'Who may execute it.' },
    'expect-content': {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: 'Regular expressions (multiline) the content must match.',
    },
    'exclude-content': {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: 'Regular expressions the content must not match.',
    },
  },
};

const metadataCheck: Schema = {
  type: 'object',
  description: 'Expectations on the image config (docker image inspect); keys left out are not checked.',
  additionalProperties: false,
  properties: {
    env: stringMap('Environment variables the image sets, with their exact values.'),
    'unset-env': {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: 'Variables the image must not set.',
    },
    labels: stringMap('Labels with their exact values.'),
    entrypoint: { type: 'array', items: { type: 'string' }, description: 'The exact entrypoint ([] for none).' },
    cmd: { type: 'array', items: { type: 'string' }, description: 'The exact command ([] for none).' },
    'exposed-ports': {
      type: 'array',
      items: { type: 'string', pattern: '^[0-9]+(/(tcp|udp|sctp))?$', patternMessage: 'a port like 8080 or 8080/tcp' },
      description: 'Ports the image must expose.',
    },
    'unexposed-ports': {
      type: 'array',
      items: { type: 'string', pattern: '^[0-9]+(/(tcp|udp|sctp))?$', patternMessage: 'a port like 8080 or 8080/tcp' },
      description: 'Ports it must not expose.',
    },
    volumes: {
      type: 'array',
      items: { type: 'string', pattern: '^/', patternMessage: 'an absolute path' },
      description: 'Volumes it must declare.',
    },
    workdir: str('The exact working directory.'),
    user: str('The exact user.'),
  },
};

const volume: Schema = {
  type: 'object',
  description:
    'Data mounted into every container of the image under test (and its side services): a host path from the repository, or a named volume created for the test and removed afterwards.',
  required: ['target'],
  additionalProperties: false,
  properties: {
    source: str('A path relative to the config file (must stay inside the repository).'),
    name: str('A named volume created for the test.', {
      pattern: '^[a-z0-9][a-z0-9_.-]{0,40}$',
      patternMessage: 'a name like model-weights',
    }),
    target: str('Mount point inside the container.', { pattern: '^/', patternMessage: 'an absolute path' }),
    'read-only': { type: 'boolean', default: false },
  },
};

const service: Schema = {
  type: 'object',
  description: 'A side container on a network made for the test, reachable from the image under test by its name.',
  required: ['name', 'image'],
  additionalProperties: false,
  properties: {
    name: str('Its name on the network.', {
      pattern: '^[a-z0-9][a-z0-9-]{0,40}$',
      patternMessage: 'a name like redis or feature-store',
    }),
    image: str('Image reference (must be available to the engine).', { minLength: 1 }),
    env: stringMap('Its environment.'),
    command: { type: 'array', items: { type: 'string' }, description: 'Replaces its command.' },
    ready: {
      type: 'object',
      additionalProperties: false,
      description: 'When it counts as started: a TCP port accepting connections, or a command (docker exec) exiting 0.',
      properties: {
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        command: { type: 'array', minItems: 1, items: { type: 'string' } },
        timeout: duration('How long it may take.', '60s'),
      },
    },
  },
};

const httpCheck: Schema = {
  type: 'object',
  required: ['path'],
  additionalProperties: false,
  properties: {
    name: str('Name shown in logs and reports.'),
    method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'], default: 'GET' },
    path: str('Request path.', { pattern: '^/', patternMessage: 'a path starting with /' }),
    headers: stringMap('Request headers.'),
    json: { description: 'Request body, sent as JSON with Content-Type: application/json.' },
    body: str('Raw request body.'),
    'expect-status': { type: 'integer', minimum: 100, maximum: 599, default: 200 },
    'expect-body': str('Regular expression the response body must match.'),
    'expect-json': {
      description: 'A JSON value the response body must contain: objects match by subset, arrays and scalars exactly.',
    },
    'max-latency': duration('The response must arrive within this time.', '30s'),
  },
};

const smokeTest: Schema = {
  type: 'object',
  additionalProperties: false,
  description: 'Checks run against the built image in a real container before anything is pushed.',
  properties: {
    timeout: duration('Time limit for the whole smoke test.', '300s'),
    gpu: {
      type: 'string',
      enum: ['auto', 'required', 'none'],
      default: 'auto',
      description: 'auto: use GPUs when the runner has them; required: fail without one; none: never.',
    },
    emulated: {
      type: 'string',
      enum: ['run', 'skip'],
      default: 'run',
      description:
        "A platform this runner's CPU cannot run natively (arm64 on an amd64 runner): run its checks under QEMU emulation (slow), or skip them with a notice.",
    },
    'gpu-check': {
      type: 'boolean',
      default: true,
      description:
        'When the smoke test has GPUs: also check that the container sees one (nvidia-smi -L) and, when the image has PyTorch, that it runs a kernel on it.',
    },
    env: stringMap('Environment variables for every container the smoke test starts.'),
    commands: { type: 'array', items: commandCheck, description: 'Commands run in fresh containers of the image.' },
    http: {
      type: 'object',
      required: ['port'],
      additionalProperties: false,
      description: 'Starts the image as a service (its own CMD) and sends HTTP requests to it.',
      properties: {
        port: { type: 'integer', minimum: 1, maximum: 65535, description: 'Container port the service listens on.' },
        ready: {
          type: 'object',
          additionalProperties: false,
          description: 'When the service counts as started.',
          properties: {
            path: str('Polled until it answers the expected status.', {
              pattern: '^/',
              patternMessage: 'a path starting with /',
              default: '/',
            }),
            status: { type: 'integer', minimum: 100, maximum: 599, default: 200 },
            timeout: duration('How long the service may take to become ready.', '60s'),
            body: str('Regular expression the readiness answer must match too.'),
          },
        },
        checks: { type: 'array', items: httpCheck, description: 'Requests sent once the service is ready.' },
      },
    },
    files: {
      type: 'array',
      items: fileCheck,
      description: 'Files that must (not) exist, with their mode, owner and content.',
    },
    metadata: metadataCheck,
    'structure-tests': {
      type: 'array',
      items: str('A container-structure-test file (schemaVersion 1.0.0 or 2.0.0), relative to this config file.', {
        minLength: 1,
      }),
      description: 'container-structure-test files run against the image, unchanged.',
    },
    volumes: {
      type: 'array',
      items: volume,
      description: 'Host paths or named volumes mounted into the test containers.',
    },
    services: {
      type: 'array',
      items: service,
      description: 'Side containers on a private network, started before the checks.',
    },
    compose: {
      type: 'object',
      required: ['file', 'service'],
      additionalProperties: false,
      description:
        "A Compose project brought up for the HTTP checks, with one service's image replaced by the image under test; always taken down with its volumes.",
      properties: {
        file: str('Compose file, relative to this config file.', { minLength: 1 }),
        service: str('The service that runs the image under test.', { minLength: 1 }),
      },
    },
  },
};

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

/** Sizes as people write them: 500MB, 2GB, 1.5GiB. */
export const SIZE_PATTERN = '^[0-9]+(\\.[0-9]+)?(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$';

const cache: Schema = {
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

const image: Schema = {
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

export const configSchema: Schema = {
  type: 'object',
  required: ['version', 'images'],
  additionalProperties: false,
  properties: {
    $schema: str('JSON Schema of this file, for editors.'),
    version: { const: 1, description: 'Config format version.' },
    images: { type: 'array', minItems: 1, items: image, description: 'The images this repository builds.' },
    push: {
      type: 'object',
      additionalProperties: false,
      description: 'Where and when tested images are pushed.',
      properties: {
        when: {
          type: 'array',
          items: {
            type: 'string',
            enum: [
              'always',
              'default-branch',
              'branch',
              'tag',
              'pull-request',
              'schedule',
              'workflow-dispatch',
              'release',
            ],
          },
          description: 'Events that push when the Action has push: auto (default: every event but pull requests).',
        },
        'immutable-tags': {
          type: 'boolean',
          default: false,
          description:
            'Refuse to move a release tag (a full version such as 1.2.3, v2.0.0-rc.1 or 1.2.3.post1) that already exists in a push registry: refused before building when it was built from another commit, and before pushing when its layers differ. Moving tags (latest, branches, sha, 1.2) are unaffected.',
        },
        registries: {
          type: 'array',
          items: str('Registry host[:port], optionally with a namespace path, e.g. ghcr.io or 127.0.0.1:5000.', {
            pattern: REGISTRY_PATTERN,
            patternMessage: REGISTRY_MESSAGE,
          }),
        },
      },
    },
    policy: {
      type: 'object',
      additionalProperties: false,
      description: 'What ml-image allows.',
      properties: {
        'secret-build-args': {
          type: 'string',
          enum: ['warn', 'error', 'off'],
          default: 'warn',
          description:
            'A build argument that looks like a secret (a name with TOKEN, SECRET, PASSWORD, KEY…, or a value shaped like a GitHub, Hugging Face, GitLab, Slack, OpenAI or AWS key) is stored in the image history: warn (default), error (refused, at its line) or off. Pass secrets with secrets: instead.',
        },
      },
    },
  },
};
