// Parsing and checking of docker/metadata-action `tags:` and `flavor:` lines (its src/tag.ts and src/flavor.ts):
// the same CSV reading, key handling and per-type defaults, but with every problem collected per line instead
// of a thrown "Invalid ..." for the first one, and with typos caught that metadata-action silently ignores.
import {
  checkExpressions,
  didYouMean,
  GLOBAL_SCOPE,
  PEP440_SCOPE,
  SCHEDULE_SCOPE,
  SEMVER_SCOPE,
  type Scope,
} from './expressions.js';
import { backtrackingRisk } from './regex.js';

export const TAG_TYPES = ['schedule', 'semver', 'pep440', 'match', 'edge', 'ref', 'raw', 'sha'] as const;
export type TagType = (typeof TAG_TYPES)[number];
export type TagAttr =
  'enable' | 'priority' | 'prefix' | 'suffix' | 'value' | 'pattern' | 'match' | 'group' | 'branch' | 'event' | 'format';

export interface TagRule {
  /** Index of the line in the input given to parseTagRules; -1 for DEFAULT_TAG_RULES. */
  index: number;
  /** The line as written (trimmed). */
  source: string;
  type: TagType;
  /** Attributes with metadata-action's per-type defaults filled in (e.g. ref,event=pr gets prefix=pr-). */
  attrs: Readonly<Partial<Record<TagAttr, string>>>;
  priority: number;
}

export interface Flavor {
  latest: 'auto' | 'true' | 'false';
  prefix: string;
  prefixLatest: boolean;
  suffix: string;
  suffixLatest: boolean;
}

export interface RuleError {
  index: number;
  message: string;
}

const COMMON: readonly TagAttr[] = ['enable', 'priority', 'prefix', 'suffix'];
const TYPE_ATTRS: Record<TagType, readonly TagAttr[]> = {
  schedule: ['pattern'],
  semver: ['pattern', 'value', 'match'],
  pep440: ['pattern', 'value', 'match'],
  match: ['pattern', 'group', 'value'],
  edge: ['branch'],
  ref: ['event'],
  raw: ['value'],
  sha: ['format'],
};
const ALL_ATTRS: readonly string[] = [
  'type',
  ...COMMON,
  'pattern',
  'value',
  'match',
  'group',
  'branch',
  'event',
  'format',
];
const DEFAULT_PRIORITY: Record<TagType, number> = {
  schedule: 1000,
  semver: 900,
  pep440: 900,
  match: 800,
  edge: 700,
  ref: 600,
  raw: 200,
  sha: 100,
};

/** metadata-action's entries when `tags` is empty. */
export const DEFAULT_TAG_RULES: readonly string[] = [
  'type=schedule',
  'type=ref,event=branch',
  'type=ref,event=tag',
  'type=ref,event=pr',
];

/**
 * One CSV record as csv-parse reads it with metadata-action's options: "," separates, a field may be wholly
 * quoted with "" as an escaped quote, and a quote anywhere else is an error.
 *
 * Why not csv-parse itself: 70 KB of bundle and about 3 ms of start-up (bench/lib-cost.mjs) for these 35 lines
 * (1.3 KB), which give the same fields, and an error of the same kind, on metadata-action's entries and on
 * 10,682 generated ones (test/unit/parity-csv.test.ts), with messages that say what to fix. On purpose, a line
 * break is an error: csv-parse ends the record there, and metadata-action keeps the first one without a word.
 */
export function splitFields(line: string): { fields: string[] } | { error: string } {
  if (/[\r\n]/.test(line)) return { error: 'a line break inside an entry is not allowed' };
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return { error: 'unclosed quote' };
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',')
        return { error: `unexpected ${JSON.stringify(line[i])} after a closing quote` };
    } else {
      while (i < line.length && line[i] !== ',') {
        if (line[i] === '"')
          return { error: 'a quote inside a field; quote the whole field instead, e.g. "pattern=a,b"' };
        field += line[i++];
      }
    }
    fields.push(field);
    if (i >= line.length) return { fields };
    i++;
  }
}

// Only the first "=" separates key and value (a key needs at least one character); both sides are trimmed
// and the key is case-insensitive.
function splitField(field: string): [string | undefined, string] {
  const eq = field.indexOf('=');
  return eq > 0 ? [field.slice(0, eq).trim().toLowerCase(), field.slice(eq + 1).trim()] : [undefined, field.trim()];
}

// Lines as metadata-action's getInputList leaves them: trimmed, without blanks and "#" comment lines.
function entries(lines: readonly string[]): { index: number; line: string }[] {
  return lines
    .map((line, index) => ({ index, line: line.trim() }))
    .filter((e) => e.line !== '' && !e.line.startsWith('#'));
}

function checkRegex(source: string, flags: string, where: string): string | undefined {
  try {
    new RegExp(source, flags);
    const risk = backtrackingRisk(source);
    return risk ? `${where} ${risk}: it can take exponential time on some refs (README "Limits")` : undefined;
  } catch (err: unknown) {
    const detail =
      err instanceof Error ? err.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '') : String(err);
    return `${where} is not a valid regular expression: ${detail}`;
  }
}

function checkAttrs(type: TagType, attrs: Partial<Record<TagAttr, string>>): string[] {
  const errors: string[] = [];
  const template = (attr: TagAttr, scope: Scope) => {
    const v = attrs[attr];
    const problem = v === undefined ? undefined : checkExpressions(v, scope, `${attr}=`);
    if (problem) errors.push(problem);
  };
  const enable = attrs.enable;
  if (enable !== undefined && !enable.includes('{{') && enable !== 'true' && enable !== 'false') {
    errors.push(`enable= must be true or false, got ${JSON.stringify(enable)}`);
  }
  template('enable', GLOBAL_SCOPE);
  const priority = attrs.priority;
  if (priority !== undefined && (priority === '' || !Number.isFinite(Number(priority)))) {
    errors.push(`priority= must be a number, got ${JSON.stringify(priority)}`);
  }
  template('prefix', GLOBAL_SCOPE);
  template('suffix', GLOBAL_SCOPE);
  template('value', GLOBAL_SCOPE);
  if (attrs.pattern === undefined && (type === 'semver' || type === 'pep440' || type === 'match'))
    errors.push(`type=${type} needs pattern=`);
  if (type === 'schedule') template('pattern', SCHEDULE_SCOPE);
  if (type === 'semver') template('pattern', SEMVER_SCOPE);
  if (type === 'pep440') template('pattern', PEP440_SCOPE);
  if (type === 'match' && attrs.pattern !== undefined) {
    // "/re/flags" is a regex literal; anything else is a regex source (String.prototype.match semantics).
    const literal = /^\/(.+)\/(.*)$/.exec(attrs.pattern);
    const problem = literal
      ? checkRegex(literal[1], literal[2], 'pattern=')
      : checkRegex(attrs.pattern, '', 'pattern=');
    if (problem) errors.push(problem);
  }
  if (attrs.match) {
    const problem = checkRegex(attrs.match, '', 'match=');
    // metadata-action takes capture group 1 of match= and crashes without one.
    if (problem) errors.push(problem);
    else if (new RegExp(`${attrs.match}|`).exec('')!.length < 2)
      errors.push('match= needs a capturing group, e.g. match=v(\\d+\\.\\d+\\.\\d+)$');
  }
  if (attrs.group !== undefined && !/^\d+$/.test(attrs.group))
    errors.push(`group= must be a capture group number, got ${JSON.stringify(attrs.group)}`);
  if (type === 'ref') {
    const event = attrs.event;
    if (event === undefined) errors.push('type=ref needs event= (branch, tag or pr)');
    else if (!['branch', 'tag', 'pr'].includes(event))
      errors.push(
        `event= must be branch, tag or pr, got ${JSON.stringify(event)}${didYouMean(event, ['branch', 'tag', 'pr'])}`,
      );
  }
  if (type === 'raw' && attrs.value === undefined) errors.push('type=raw needs value= (or a bare word)');
  if (attrs.format !== undefined && attrs.format !== 'short' && attrs.format !== 'long') {
    errors.push(`format= must be short or long, got ${JSON.stringify(attrs.format)}`);
  }
  return errors;
}

function parseRule(line: string, index: number): { rule?: TagRule; errors: string[] } {
  const split = splitFields(line);
  if ('error' in split) return { errors: [split.error] };
  const errors: string[] = [];
  let type: TagType | undefined;
  let typeError = false;
  const raw: Partial<Record<TagAttr, string>> = {};
  for (const field of split.fields) {
    const [key, value] = splitField(field);
    if (key === undefined) {
      raw.value = value;
    } else if (key === 'type') {
      if ((TAG_TYPES as readonly string[]).includes(value)) type = value as TagType;
      else {
        errors.push(`unknown type ${JSON.stringify(value)}${didYouMean(value, TAG_TYPES)}`);
        typeError = true;
      }
    } else if (ALL_ATTRS.includes(key)) {
      raw[key as TagAttr] = value;
    } else {
      errors.push(`unknown attribute ${JSON.stringify(key)}${didYouMean(key, ALL_ATTRS)}`);
    }
  }
  if (typeError) return { errors };
  type ??= 'raw';
  for (const key of Object.keys(raw) as TagAttr[]) {
    // An empty bare field (a trailing comma) is harmless where no value is used.
    if (key === 'value' && raw.value === '' && !line.includes('value=')) continue;
    if (!COMMON.includes(key) && !TYPE_ATTRS[type].includes(key)) {
      errors.push(
        key === 'value' && !line.includes('value=')
          ? `type=${type} does not take a bare value`
          : `type=${type} does not use ${key}=`,
      );
    }
  }
  errors.push(...checkAttrs(type, raw));
  if (errors.length) return { errors };
  // metadata-action's per-type defaults; prefix set here means the flavor prefix is not applied to the tag.
  const attrs: Partial<Record<TagAttr, string>> = { ...raw };
  if (type === 'schedule') attrs.pattern ??= 'nightly';
  if (type === 'semver' || type === 'pep440') {
    attrs.value ??= '';
    attrs.match ??= '';
  }
  if (type === 'match') {
    attrs.group ??= '0';
    attrs.value ??= '';
  }
  if (type === 'edge') attrs.branch ??= '';
  if (type === 'ref' && attrs.event === 'pr') attrs.prefix ??= 'pr-';
  if (type === 'sha') {
    attrs.prefix ??= 'sha-';
    attrs.format ??= 'short';
  }
  attrs.enable ??= 'true';
  const priority = raw.priority !== undefined ? Number(raw.priority) : DEFAULT_PRIORITY[type];
  return { rule: { index, source: line, type, attrs, priority }, errors };
}

/**
 * Parses `tags:` lines. Blank and "#" lines are skipped; when nothing is left, metadata-action's defaults
 * (DEFAULT_TAG_RULES, index -1) apply. Rules come back sorted by priority, highest first, stable.
 */
export function parseTagRules(lines: readonly string[]): { rules: TagRule[]; errors: RuleError[] } {
  const list = entries(lines);
  const input = list.length ? list : DEFAULT_TAG_RULES.map((line) => ({ index: -1, line }));
  const rules: TagRule[] = [];
  const errors: RuleError[] = [];
  for (const { index, line } of input) {
    const parsed = parseRule(line, index);
    if (parsed.rule) rules.push(parsed.rule);
    for (const message of parsed.errors) errors.push({ index, message });
  }
  rules.sort((a, b) => b.priority - a.priority);
  return { rules, errors };
}

const FLAVOR_KEYS = ['latest', 'prefix', 'suffix', 'onlatest'];

export function parseFlavor(lines: readonly string[]): { flavor: Flavor; errors: RuleError[] } {
  const flavor: Flavor = { latest: 'auto', prefix: '', prefixLatest: false, suffix: '', suffixLatest: false };
  const errors: RuleError[] = [];
  for (const { index, line } of entries(lines)) {
    const split = splitFields(line);
    if ('error' in split) {
      errors.push({ index, message: split.error });
      continue;
    }
    let onlatestFor: 'prefix' | 'suffix' | undefined;
    for (const field of split.fields) {
      // Flavor splits on every "=" and keeps the second part, so "prefix=a=b" means prefix "a".
      const parts = field.split('=').map((p) => p.trim());
      const key = parts[0].toLowerCase();
      const value = parts[1] ?? '';
      if (parts.length === 1)
        errors.push({
          index,
          message: `flavor entry ${JSON.stringify(field.trim())} needs key=value (latest=, prefix=, suffix=, onlatest=)`,
        });
      else if (key === 'latest') {
        if (value === 'auto' || value === 'true' || value === 'false') flavor.latest = value;
        else errors.push({ index, message: `latest= must be auto, true or false, got ${JSON.stringify(value)}` });
      } else if (key === 'prefix' || key === 'suffix') {
        const problem = checkExpressions(value, GLOBAL_SCOPE, `${key}=`);
        if (problem) errors.push({ index, message: problem });
        flavor[key] = value;
        onlatestFor = key;
      } else if (key === 'onlatest') {
        if (value !== 'true' && value !== 'false')
          errors.push({ index, message: `onlatest= must be true or false, got ${JSON.stringify(value)}` });
        else if (!onlatestFor)
          errors.push({ index, message: 'onlatest= applies to a prefix= or suffix= before it on the same line' });
        else flavor[onlatestFor === 'prefix' ? 'prefixLatest' : 'suffixLatest'] = value === 'true';
      } else
        errors.push({
          index,
          message: `unknown flavor attribute ${JSON.stringify(key)}${didYouMean(key, FLAVOR_KEYS)}`,
        });
    }
  }
  return { flavor, errors };
}
