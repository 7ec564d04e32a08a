// The ONE definition of the config file's shape. It is plain JSON Schema (a subset, interpreted by
// validate.ts), so the same object validates configs at run time and can be published for editors.
// Every key here must be understood by load.ts; every key load.ts reads must be here. This file holds the
// top level (version, push, policy); each larger section has a file of its own: schema-image.ts (an
// image and its variants), schema-cache.ts, schema-smoke.ts, on the builders of schema-base.ts.
import { REGISTRY_MESSAGE, REGISTRY_PATTERN } from './names.js';
import { str, type Schema } from './schema-base.js';
import { image } from './schema-image.js';

export type { JsonType, Schema } from './schema-base.js';
export { SIZE_PATTERN } from './schema-cache.js';
export { TAG_PATTERN, VARIANT_PATTERN } from './schema-image.js';

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
