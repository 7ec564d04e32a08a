// The config schema as a standard JSON Schema document (draft 2020-12), published as
// schema/ml-image.schema.json for editors (`# yaml-language-server: $schema=...`). It is derived from the
// same object that validates configs at run time, so the two cannot drift apart.
import { configSchema, type Schema } from './schema.js';

export const SCHEMA_ID =
  'https://raw.githubusercontent.com/ml-image-action/ml-image-action/main/schema/ml-image.schema.json';

/** Our schema minus the keys only ml-image's own validator reads. */
function standard(schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'patternMessage') continue;
    if (key === 'properties')
      out[key] = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, standard(v)]));
    else if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object'))
      out[key] = standard(value as Schema);
    else if (key === 'oneOf') out[key] = (value as Schema[]).map(standard);
    else out[key] = value;
  }
  return out;
}

export function jsonSchemaDocument(): string {
  const doc = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: SCHEMA_ID,
    title: 'ml-image config',
    description: 'Build, smoke-test and push ML model images: the ml-image.yml file of ml-image-action.',
    ...standard(configSchema),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
