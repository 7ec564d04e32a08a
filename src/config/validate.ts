// Interprets the JSON Schema subset of schema.ts against plain data and returns every problem at once,
// each with the key path it belongs to. Locations in the YAML file are added by the caller (load.ts).
import { isObject } from '../util/objects.js';
import { suggest } from '../util/suggest.js';
import type { JsonType, Schema } from './schema.js';

export type PathSegment = string | number;

export interface SchemaIssue {
  path: PathSegment[];
  message: string;
  /** The issue is about the key itself (unknown key) rather than its value. */
  atKey?: boolean;
}

/** The scalar at a path as the user wrote it, for messages ("1.10", not the number 1.1). */
export type SourceText = (path: readonly PathSegment[]) => string | undefined;

export function validate(value: unknown, schema: Schema, path: PathSegment[] = [], source?: SourceText): SchemaIssue[] {
  const describe = (v: unknown) =>
    describeValue(v, typeof v === 'number' || typeof v === 'boolean' ? source?.(path) : undefined);
  if (schema.oneOf) return validateOneOf(value, schema.oneOf, path, source);
  if (schema.const !== undefined && value !== schema.const) {
    return [{ path, message: `expected ${JSON.stringify(schema.const)}, got ${describe(value)}` }];
  }
  if (schema.type && !hasType(value, schema.type)) {
    return [
      { path, message: `expected ${article(schema.type)}, got ${describe(value)}${quoteHint(value, schema.type)}` },
    ];
  }
  if (schema.enum && !schema.enum.includes(value as string)) {
    return [
      {
        path,
        message: `expected one of ${schema.enum.join(', ')}, got ${describe(value)}${suggest(String(value), schema.enum.map(String))}`,
      },
    ];
  }
  if (typeof value === 'string') return validateString(value, schema, path);
  if (typeof value === 'number') return validateNumber(value, schema, path);
  if (Array.isArray(value)) return validateArray(value, schema, path, source);
  if (isObject(value)) return validateObject(value, schema, path, source);
  return [];
}

function validateOneOf(
  value: unknown,
  options: readonly Schema[],
  path: PathSegment[],
  source?: SourceText,
): SchemaIssue[] {
  const sameType = options.filter((o) => !o.type || hasType(value, o.type));
  if (sameType.length === 0) {
    const names = options.map((o) => (o.type ? article(o.type) : 'a value'));
    const written = typeof value === 'number' || typeof value === 'boolean' ? source?.(path) : undefined;
    return [{ path, message: `expected ${names.join(' or ')}, got ${describeValue(value, written)}` }];
  }
  let first: SchemaIssue[] = [];
  for (const [i, option] of sameType.entries()) {
    const issues = validate(value, option, path, source);
    if (issues.length === 0) return [];
    if (i === 0) first = issues;
  }
  return first;
}

function validateString(value: string, schema: Schema, path: PathSegment[]): SchemaIssue[] {
  if (schema.minLength !== undefined && value.length < schema.minLength) {
    return [
      {
        path,
        message: schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters`,
      },
    ];
  }
  if (schema.maxLength !== undefined && value.length > schema.maxLength) {
    return [{ path, message: `must be at most ${schema.maxLength} characters` }];
  }
  if (schema.pattern && !new RegExp(schema.pattern).test(value)) {
    return [
      {
        path,
        message: `expected ${schema.patternMessage ?? `a string matching ${schema.pattern}`}, got ${describeValue(value)}`,
      },
    ];
  }
  return [];
}

function validateNumber(value: number, schema: Schema, path: PathSegment[]): SchemaIssue[] {
  if (schema.minimum !== undefined && value < schema.minimum)
    return [{ path, message: `must be at least ${schema.minimum}, got ${value}` }];
  if (schema.maximum !== undefined && value > schema.maximum)
    return [{ path, message: `must be at most ${schema.maximum}, got ${value}` }];
  return [];
}

function validateArray(value: unknown[], schema: Schema, path: PathSegment[], source?: SourceText): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    issues.push({
      path,
      message: schema.minItems === 1 ? 'must list at least one item' : `must list at least ${schema.minItems} items`,
    });
  }
  if (schema.items) value.forEach((item, i) => issues.push(...validate(item, schema.items!, [...path, i], source)));
  return issues;
}

function validateObject(
  value: Record<string, unknown>,
  schema: Schema,
  path: PathSegment[],
  source?: SourceText,
): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const known = Object.keys(schema.properties ?? {});
  for (const key of schema.required ?? []) {
    if (!Object.hasOwn(value, key)) issues.push({ path, message: `missing required key "${key}"` });
  }
  for (const [key, child] of Object.entries(value)) {
    // Own keys only: "constructor" or "toString" must not find Object.prototype's.
    const prop = schema.properties && Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined;
    if (prop) issues.push(...validate(child, prop, [...path, key], source));
    else if (schema.additionalProperties === false) {
      issues.push({ path: [...path, key], atKey: true, message: `unknown key "${key}"${suggest(key, known)}` });
    } else if (typeof schema.additionalProperties === 'object') {
      issues.push(...validate(child, schema.additionalProperties, [...path, key], source));
    }
  }
  return issues;
}

function hasType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

const TYPE_NAMES: Record<JsonType, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  null: 'nothing',
};

function article(type: JsonType): string {
  return TYPE_NAMES[type];
}

/** How a value is named in messages; `written` is the scalar's source text when known. */
function describeValue(value: unknown, written?: string): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (isObject(value)) return 'a mapping';
  if (typeof value === 'string') return `"${value.length > 60 ? value.slice(0, 57) + '...' : value}"`;
  // A scalar by now (null, lists and mappings are named above), so String() spells it as YAML wrote it.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  return `${typeof value === 'number' ? 'the number' : typeof value} ${written ?? String(value)}`;
}

function quoteHint(value: unknown, expected: JsonType): string {
  return expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')
    ? ' (quote it to make it a string)'
    : '';
}

export function formatPath(path: readonly PathSegment[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
