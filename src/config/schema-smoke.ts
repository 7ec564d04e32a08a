// The schema of the smoke-test section (an image's or a variant's `smoke-test`): command, file, metadata
// and HTTP checks, container-structure-test files, and the test's environment (volumes, side services or
// a Compose project). config/resolve.ts's resolveSmoke reads what this allows.
import { duration, str, stringMap, type Schema } from './schema-base.js';

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

export const smokeTest: Schema = {
  type: 'object',
  additionalProperties: false,
  description: 'Checks run against the built image in a real container before anything is pushed.',
  properties: {
    timeout: duration('Time limit for the whole smoke test.', '300s'),
    retest: {
      type: 'string',
      enum: ['on-change', 'always'],
      default: 'on-change',
      description:
        'on-change: an image whose digest already passed this very smoke test (a test record in the registry) is not tested, built or pushed again: its tags are moved to it; always: test every run.',
    },
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
