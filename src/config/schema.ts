// The ONE definition of the config file's shape. It is plain JSON Schema (a subset, interpreted by
// validate.ts), so the same object validates configs at run time and can be published for editors.
// Every key here must be understood by load.ts; every key load.ts reads must be here.

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
    { type: 'string', pattern: '^(?![0.]+(ms|s|m|h)$)[0-9]+(\\.[0-9]+)?(ms|s|m|h)$', patternMessage: 'a positive duration like 30s, 2m or 500ms' },
    { type: 'integer', minimum: 1 },
  ],
});

const stringMap = (description: string): Schema => ({
  type: 'object',
  description,
  additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
});

const commandCheck: Schema = {
  type: 'object',
  description: 'Runs a command in a fresh container of the image; passes when it exits as expected and its output matches.',
  required: ['run'],
  additionalProperties: false,
  properties: {
    name: str('Name shown in logs and reports.'),
    run: {
      type: 'array',
      minItems: 1,
      items: { type: 'string' },
      description: 'Argument array; the first item replaces the image entrypoint, the rest are its arguments. No shell.',
    },
    'expect-output': {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: 'Regular expressions (multiline) that must all match the combined stdout and stderr.',
    },
    'expect-exit-code': { type: 'integer', minimum: 0, maximum: 255, default: 0, description: 'Expected exit code.' },
    timeout: duration('Time limit for this command.', '60s'),
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
    env: stringMap('Environment variables for every container the smoke test starts.'),
    commands: { type: 'array', items: commandCheck },
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
          properties: {
            path: str('Polled until it answers the expected status.', { pattern: '^/', patternMessage: 'a path starting with /', default: '/' }),
            status: { type: 'integer', minimum: 100, maximum: 599, default: 200 },
            timeout: duration('How long the service may take to become ready.', '60s'),
          },
        },
        checks: { type: 'array', items: httpCheck },
      },
    },
  },
};

const REPOSITORY = '^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$';
export const TAG_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$';

const image: Schema = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: str('Repository name without registry, e.g. acme/iris-classifier.', {
      pattern: REPOSITORY,
      patternMessage: 'a lowercase repository name like acme/iris-classifier',
    }),
    context: str('Build context, relative to the config file.', { default: '.' }),
    dockerfile: str('Dockerfile, relative to the context.', { default: 'Dockerfile' }),
    target: str('Dockerfile stage to build.'),
    'build-args': stringMap('Build arguments (never put secrets here: they are stored in the image history).'),
    labels: stringMap('Image labels; override the generated OCI labels.'),
    platforms: {
      type: 'array',
      items: str('os/arch[/variant]', { pattern: '^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$', patternMessage: 'a platform like linux/amd64' }),
    },
    tags: {
      type: 'array',
      minItems: 1,
      items: str('Tag', { pattern: TAG_PATTERN, patternMessage: 'a tag of letters, digits, _ . - (at most 128, not starting with . or -)' }),
      default: ['latest'],
    },
    gpu: { type: 'boolean', default: false, description: 'The image needs a GPU at run time (e.g. a CUDA image).' },
    'smoke-test': smokeTest,
  },
};

export const configSchema: Schema = {
  type: 'object',
  required: ['version', 'images'],
  additionalProperties: false,
  properties: {
    version: { const: 1, description: 'Config format version.' },
    images: { type: 'array', minItems: 1, items: image },
    push: {
      type: 'object',
      additionalProperties: false,
      properties: {
        registries: {
          type: 'array',
          items: str('Registry host[:port], optionally with a namespace path, e.g. ghcr.io or 127.0.0.1:5000.', {
            pattern: '^[A-Za-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)*$',
            patternMessage: 'a registry host like ghcr.io or 127.0.0.1:5000',
          }),
        },
      },
    },
  },
};
