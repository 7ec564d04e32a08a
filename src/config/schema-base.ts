// The building blocks of the config file's schema (schema.ts assembles it, one file per section): the
// Schema type, the JSON Schema subset that validate.ts interprets and json-schema.ts publishes, and the
// small builders the sections share (a described string, a duration, a map of scalars).
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

export const str = (description: string, extra: Partial<Schema> = {}): Schema => ({
  type: 'string',
  description,
  ...extra,
});

export const duration = (description: string, dflt: string): Schema => ({
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

export const stringMap = (description: string): Schema => ({
  type: 'object',
  description,
  additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
});
