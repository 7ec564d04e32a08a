// Image tags from docker/metadata-action `tags:` and `flavor:` lines, with metadata-action's semantics (its
// src/meta.ts): which rule yields what for which event, priority order, the `version` output, `latest`,
// prefixes and suffixes, de-duplication and tag sanitizing; plus the OCI tag grammar limits on top, so that
// nothing from a ref (a branch name is user input) can produce an invalid or option-like tag.
import {
  checkExpressions,
  effectiveSha,
  GLOBAL_SCOPE,
  renderGlobal,
  renderSchedule,
  renderValues,
  shortSha,
} from './expressions.js';
import { pep440Clean, pep440Explain, pep440Part, pep440Valid } from './pep440.js';
import { parseSemver } from './semver.js';
import { isRawStatement } from './template.js';
import type { MetaContext } from './expressions.js';
import type { Flavor, TagRule } from './tagparse.js';

// The face of the tag rules: what parses them (tagparse.ts) and the context they are evaluated in
// (expressions.ts) are handed on from here, so callers import tags.ts alone.
export type { MetaContext } from './expressions.js';
export {
  DEFAULT_TAG_RULES,
  parseFlavor,
  parseTagRules,
  type Flavor,
  type RuleError,
  type TagAttr,
  type TagRule,
  type TagType,
} from './tagparse.js';

export interface TagsResult {
  /** The main version (metadata-action's `version` output), undefined when none. */
  version?: string;
  /** Tag names only (no image name), in metadata-action's order, de-duplicated, sanitized; includes latest when it applies. */
  tags: string[];
  /** The rule each tag came from (its TagRule.index), -1 for the latest tag the flavor adds: for messages. */
  rules: number[];
  /** Whether `latest` (possibly with flavor prefix/suffix) is among the tags. */
  latest: boolean;
}

const MAX_TAG_LENGTH = 128;

/**
 * metadata-action's sanitizeTag (every run of characters outside [A-Za-z0-9_.-] becomes one "-"), then the
 * OCI grammar: no leading "." or "-" (which also keeps a tag from reading as a command-line option) and at
 * most 128 characters. Can return "" for input with nothing usable.
 */
export function sanitizeTag(value: string): string {
  return replaceInvalid(value)
    .replace(/^[.-]+/, '')
    .slice(0, MAX_TAG_LENGTH);
}

/** metadata-action's sanitizeTag alone: every run of characters outside [A-Za-z0-9_.-] becomes one "-". */
export function replaceInvalid(value: string): string {
  return value.replace(/[^a-zA-Z0-9._-]+/g, '-');
}

const OCI_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const written = (text: string): boolean => !text.includes('{{');

/**
 * What is wrong with the tag a rule writes out in the config — type=raw with no expression in its value,
 * prefix or suffix — or with a rule's own written prefix, which starts every tag it gives. Such a tag is the
 * user's to fix, so it is an error at its line; a value from git (a branch or tag name) is cut to fit instead.
 */
export function writtenTagProblem(rule: TagRule, flavor: Flavor): string | undefined {
  const prefix = rule.attrs.prefix ?? flavor.prefix;
  const suffix = rule.attrs.suffix ?? flavor.suffix;
  const value = rule.attrs.value ?? '';
  if (rule.type === 'raw' && written(prefix + value + suffix)) {
    const text = prefix + value + suffix;
    // An empty raw value gives no tag in metadata-action either: nothing is dropped that was asked for.
    return text === '' ? undefined : ociProblem('tag', text);
  }
  const own = rule.attrs.prefix;
  if (own && written(own) && /^[.-]/.test(replaceInvalid(own)))
    return `prefix=${JSON.stringify(own)} would start the tag with ${JSON.stringify(replaceInvalid(own)[0])}: a tag starts with a letter, a digit or _`;
  return undefined;
}

function ociProblem(what: string, text: string): string | undefined {
  const tag = replaceInvalid(text);
  if (OCI_TAG.test(tag)) return undefined;
  const from = tag === text ? '' : ` (from ${quote(text)})`;
  const why =
    tag.length > MAX_TAG_LENGTH ? `is ${tag.length} characters long` : `starts with ${JSON.stringify(tag[0])}`;
  return `${what} ${quote(tag)}${from} ${why}: a tag is a letter, a digit or _ and then at most 127 of letters, digits, _ . -`;
}

const quote = (text: string): string => JSON.stringify(text.length > 60 ? text.slice(0, 57) + '...' : text);

/** Renders global expressions ({{branch}}, {{date ...}}, ...) in a string; used for labels and for tag-suffix templates by the caller. */
export function renderExpressions(text: string, ctx: MetaContext): string {
  return renderGlobal(text, ctx);
}

/**
 * The problem renderExpressions would throw for, if any, phrased for `where` (e.g. 'labels["x"]'), so that a
 * caller can report it when the config is read rather than at build time.
 */
export function checkExpressionText(text: string, where = 'the text'): string | undefined {
  return checkExpressions(text, GLOBAL_SCOPE, where);
}

interface Produced {
  value: string;
  /** What latest=auto makes of this rule (metadata-action decides latest by the first rule that yields a tag). */
  autoLatest: boolean;
}

const TAG_REF = /^refs\/tags\//;
const BRANCH_REF = /^refs\/heads\//;
const PR_REF = /^refs\/pull\//;

function versionSource(rule: TagRule, ctx: MetaContext, keepSlashes: boolean): string | undefined {
  const value = rule.attrs.value ?? '';
  // semver, pep440 and match look at the pushed tag unless given value=.
  if (!TAG_REF.test(ctx.ref) && value.length === 0) return undefined;
  let raw = value.length > 0 ? renderGlobal(value, ctx) : ctx.ref.replace(TAG_REF, '');
  if (keepSlashes) return raw;
  if (rule.attrs.match) {
    // A match= that does not match leaves the value whole (metadata-action only warns).
    const m = raw.match(new RegExp(rule.attrs.match));
    if (m) {
      if (m[1] === undefined) return undefined;
      raw = m[1];
    }
  }
  return raw.replace(/\//g, '-');
}

function semverTag(rule: TagRule, ctx: MetaContext): Produced | undefined {
  const raw = versionSource(rule, ctx, false);
  const v = raw === undefined ? undefined : parseSemver(raw);
  if (!v) return undefined;
  const values = {
    raw: v.raw,
    version: v.version,
    major: String(v.major),
    minor: String(v.minor),
    patch: String(v.patch),
    prerelease: v.prerelease.join(','),
    build: v.build.join(','),
  };
  const pattern = rule.attrs.pattern!;
  // A prerelease only ever gets its full version (or {{raw}} when that is the whole pattern), and never latest.
  if (v.prerelease.length)
    return { value: renderValues(isRawStatement(pattern) ? pattern : '{{version}}', values), autoLatest: false };
  return { value: renderValues(pattern, values), autoLatest: true };
}

function pep440Tag(rule: TagRule, ctx: MetaContext): Produced | undefined {
  const raw = versionSource(rule, ctx, false);
  if (raw === undefined || !pep440Valid(raw)) return undefined;
  const v = pep440Explain(raw)!;
  const pattern = rule.attrs.pattern!;
  if (v.isPrerelease || v.isPostrelease || v.isDevrelease) {
    // Not rendered through the template, so no HTML escaping here, unlike the stable branch below.
    return { value: isRawStatement(pattern) ? raw : pep440Clean(raw)!, autoLatest: false };
  }
  const part = (i: 0 | 1 | 2) => String(pep440Part(raw, i));
  const values = { raw, version: pep440Clean(raw)!, major: part(0), minor: part(1), patch: part(2) };
  return { value: renderValues(pattern, values), autoLatest: true };
}

function matchTag(rule: TagRule, ctx: MetaContext): Produced | undefined {
  const raw = versionSource(rule, ctx, true);
  if (raw === undefined) return undefined;
  const pattern = rule.attrs.pattern!;
  const literal = /^\/(.+)\/(.*)$/.exec(pattern);
  const m = raw.match(literal ? new RegExp(literal[1], literal[2]) : new RegExp(pattern));
  // The group is looked up by its text, as metadata-action does (so group=01 finds nothing).
  const group = m ? (m as unknown as Record<string, string | undefined>)[rule.attrs.group!] : undefined;
  return group === undefined ? undefined : { value: group, autoLatest: true };
}

function produce(rule: TagRule, ctx: MetaContext): Produced | undefined {
  const { attrs } = rule;
  switch (rule.type) {
    case 'schedule':
      return /schedule/.test(ctx.eventName)
        ? { value: renderSchedule(attrs.pattern!, ctx), autoLatest: false }
        : undefined;
    case 'semver':
      return semverTag(rule, ctx);
    case 'pep440':
      return pep440Tag(rule, ctx);
    case 'match':
      return matchTag(rule, ctx);
    case 'edge': {
      if (!BRANCH_REF.test(ctx.ref)) return undefined;
      const branch = attrs.branch || ctx.defaultBranch;
      return branch !== undefined && branch === ctx.ref.replace(BRANCH_REF, '')
        ? { value: 'edge', autoLatest: false }
        : undefined;
    }
    case 'ref':
      if (attrs.event === 'branch')
        return BRANCH_REF.test(ctx.ref) ? { value: ctx.ref.replace(BRANCH_REF, ''), autoLatest: false } : undefined;
      if (attrs.event === 'tag')
        return TAG_REF.test(ctx.ref) ? { value: ctx.ref.replace(TAG_REF, ''), autoLatest: true } : undefined;
      return PR_REF.test(ctx.ref)
        ? { value: ctx.ref.replace(PR_REF, '').replace(/\/merge$/, ''), autoLatest: false }
        : undefined;
    case 'raw':
      return { value: renderGlobal(attrs.value ?? '', ctx), autoLatest: false };
    case 'sha': {
      const sha = effectiveSha(ctx);
      if (!sha) return undefined;
      return { value: attrs.format === 'long' ? sha : shortSha(sha), autoLatest: false };
    }
  }
}

// A rule's own prefix=/suffix= (even empty) wins over the flavor's.
function affix(value: string, rule: TagRule, flavor: Flavor, ctx: MetaContext): string {
  let out = value;
  if (rule.attrs.prefix !== undefined) out = renderGlobal(rule.attrs.prefix, ctx) + out;
  else if (flavor.prefix.length > 0) out = renderGlobal(flavor.prefix, ctx) + out;
  if (rule.attrs.suffix !== undefined) out += renderGlobal(rule.attrs.suffix, ctx);
  else if (flavor.suffix.length > 0) out += renderGlobal(flavor.suffix, ctx);
  return out;
}

function enabled(rule: TagRule, ctx: MetaContext): boolean {
  const value = renderGlobal(rule.attrs.enable ?? 'true', ctx);
  if (value !== 'true' && value !== 'false') {
    throw new Error(
      `enable= of tags entry ${JSON.stringify(rule.source)} gave ${JSON.stringify(value)}, expected true or false`,
    );
  }
  return value === 'true';
}

/** The latest tag's name: the flavor prefix/suffix are added as written, without rendering expressions. */
export function latestName(flavor: Flavor): string {
  return sanitizeTag(`${flavor.prefixLatest ? flavor.prefix : ''}latest${flavor.suffixLatest ? flavor.suffix : ''}`);
}

export function computeTags(rules: readonly TagRule[], flavor: Flavor, ctx: MetaContext): TagsResult {
  // parseTagRules sorts already; sorting again (stable) keeps hand-built rule lists right too.
  const sorted = [...rules].sort((a, b) => b.priority - a.priority);
  const tags: string[] = [];
  const from: number[] = [];
  let latest: boolean | undefined;
  for (const rule of sorted) {
    if (!enabled(rule, ctx)) continue;
    const produced = produce(rule, ctx);
    if (!produced) continue;
    const value = affix(produced.value, rule, flavor, ctx);
    if (value.length === 0) continue;
    const tag = sanitizeTag(value);
    if (tag.length === 0) continue;
    if (!tags.includes(tag)) {
      tags.push(tag);
      from.push(rule.index);
    }
    latest ??= flavor.latest === 'auto' ? produced.autoLatest : flavor.latest === 'true';
  }
  if (tags.length === 0) return { version: undefined, tags: [], rules: [], latest: false };
  const name = latestName(flavor);
  if (latest && name && !tags.includes(name)) {
    tags.push(name);
    from.push(-1);
  }
  return { version: tags[0], tags, rules: from, latest: tags.includes(name) };
}
