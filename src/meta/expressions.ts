// metadata-action's global expressions ({{branch}}, {{tag}}, {{sha}}, {{base_ref}}, {{is_default_branch}},
// {{is_not_default_branch}}, {{date ...}}, {{commit_date ...}}) and the narrower scopes of type=schedule,
// type=semver and type=pep440 patterns: checking a template against a scope, and evaluating it.
import { suggest } from '../util/suggest.js';
import { formatDate, isTimeZone, unsupportedDateToken } from './datefmt.js';
import { parseTemplate, renderTemplate, TemplateError, type Mustache } from './template.js';

/** What a run is about, as metadata-action's expressions and tag rules see it (plan.ts's metaContext makes it). */
export interface MetaContext {
  eventName: string; // push | pull_request | pull_request_target | schedule | workflow_dispatch | release | local | ...
  ref: string; // refs/heads/main | refs/tags/v1.2.3 | refs/pull/7/merge | '' (unknown)
  sha: string; // full commit sha (for PRs: the merge commit GitHub checks out)
  prHeadSha?: string; // pull_request.head.sha from the event
  baseRef?: string; // the PR base branch name (GITHUB_BASE_REF), for {{base_ref}}
  defaultBranch?: string; // repository.default_branch from the event, or the local origin/HEAD
  date: Date; // "now" (SOURCE_DATE_EPOCH applied by the caller)
  commitDate?: Date; // for {{commit_date}}
  usePrHeadSha?: boolean; // metadata-action's DOCKER_METADATA_PR_HEAD_SHA=true: sha tags/{{sha}} use prHeadSha on PRs
}

export interface Scope {
  names: readonly string[];
  /** Said after "unknown expression" when no name is close, so the user learns what this attribute knows. */
  hint?: string;
}

const DATE_HELPERS = ['date', 'commit_date'];
export const GLOBAL_SCOPE: Scope = {
  names: ['branch', 'tag', 'sha', 'base_ref', 'is_default_branch', 'is_not_default_branch', ...DATE_HELPERS],
};
// metadata-action compiles these patterns against their own data only, so e.g. {{branch}} in a schedule
// pattern would silently render "" there; here it is an error.
export const SCHEDULE_SCOPE: Scope = {
  names: DATE_HELPERS,
  hint: 'a type=schedule pattern knows only date and commit_date',
};
export const SEMVER_SCOPE: Scope = {
  names: ['raw', 'version', 'major', 'minor', 'patch', 'prerelease', 'build'],
  hint: 'a type=semver pattern knows raw, version, major, minor, patch',
};
export const PEP440_SCOPE: Scope = {
  names: ['raw', 'version', 'major', 'minor', 'patch'],
  hint: 'a type=pep440 pattern knows raw, version, major, minor, patch',
};

/**
 * The config validator's did-you-mean, plus a shared-prefix fallback for misspellings it finds too far off
 * (e.g. "sematic" for "semver").
 */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const near = suggest(word, candidates);
  if (near || word.length < 3) return near;
  const lower = word.toLowerCase();
  const byPrefix = candidates.filter((c) => c.length >= 3 && lower.startsWith(c.slice(0, 3).toLowerCase()));
  return byPrefix.length === 1 ? ` (did you mean "${byPrefix[0]}"?)` : '';
}

/** The first problem with `text` as a template in `scope`, phrased for attribute `where` (e.g. "value="). */
export function checkExpressions(text: string, scope: Scope, where: string): string | undefined {
  if (text.includes('${{')) return `\${{ … }} in ${where} is a GitHub Actions expression, which is not evaluated here`;
  let nodes;
  try {
    nodes = parseTemplate(text);
  } catch (err: unknown) {
    return `${err instanceof TemplateError ? err.message : String(err)} in ${where}`;
  }
  for (const node of nodes) {
    if (node.kind !== 'mustache') continue;
    const problem = checkMustache(node, scope);
    if (problem) return problem.replace('%s', where);
  }
  return undefined;
}

function checkMustache(m: Mustache, scope: Scope): string | undefined {
  if (!scope.names.includes(m.name)) {
    const hint = didYouMean(m.name, scope.names) || (scope.hint ? ` (${scope.hint})` : '');
    return `unknown expression {{${m.name}}} in %s${hint}`;
  }
  if (!DATE_HELPERS.includes(m.name)) {
    return m.params.length || m.hash.size ? `{{${m.name}}} in %s takes no arguments` : undefined;
  }
  const example = `e.g. {{${m.name} 'YYYYMMDD'}}`;
  if (m.params.length !== 1) return `{{${m.name}}} in %s needs one format string, ${example}`;
  const format = m.params[0];
  // A bare word is what metadata-action's own tests use ({{commit_date YYYY-MM-DD}}): Handlebars resolves it
  // to nothing and moment falls back to its default format, which is reproduced rather than rejected.
  if (format.kind === 'other') return `{{${m.name}}} in %s needs a quoted format, ${example}`;
  const unsupported = format.kind === 'string' ? unsupportedDateToken(format.value) : undefined;
  if (unsupported)
    return `date format token "${unsupported}" in %s is not supported (time zone names differ between moment and Intl)`;
  for (const [key, value] of m.hash) {
    if (key !== 'tz') return `{{${m.name}}} in %s takes only tz=, not ${key}=`;
    if (value.kind !== 'string') return `tz= in %s needs a quoted time zone, e.g. tz='Asia/Tokyo'`;
    if (!isTimeZone(value.value)) return `unknown time zone "${value.value}" in %s`;
  }
  return undefined;
}

/** The commit sha that sha tags and {{sha}} use (DOCKER_METADATA_PR_HEAD_SHA semantics). */
export function effectiveSha(ctx: MetaContext): string {
  return ctx.usePrHeadSha && /pull_request/.test(ctx.eventName) && ctx.prHeadSha ? ctx.prHeadSha : ctx.sha;
}

// metadata-action's Meta.shortSha with the default DOCKER_METADATA_SHORT_SHA_LENGTH of 7.
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

export function dateExpression(m: Mustache, date: Date): string {
  const format = m.params[0];
  return formatDate(date, format?.kind === 'string' ? format.value : undefined, m.hash.get('tz')?.value ?? 'UTC');
}

function isDefaultBranch(ctx: MetaContext): boolean {
  // Only refs/heads/ is stripped, so a tag ref is compared whole and never equals the default branch.
  const branch = ctx.ref.replace(/^refs\/heads\//, '');
  if (!branch) return false;
  if (ctx.defaultBranch !== undefined && ctx.defaultBranch === branch) return true;
  // These events always run on the default branch's last commit (metadata-action's list).
  return /create|discussion|issues|schedule/.test(ctx.eventName);
}

function globalValue(m: Mustache, ctx: MetaContext): string {
  switch (m.name) {
    case 'branch':
      return /^refs\/heads\//.test(ctx.ref) ? ctx.ref.replace(/^refs\/heads\//, '') : '';
    case 'tag':
      return /^refs\/tags\//.test(ctx.ref) ? ctx.ref.replace(/^refs\/tags\//, '') : '';
    case 'sha':
      return shortSha(effectiveSha(ctx));
    case 'base_ref':
      // A tag push carries the branch it was pushed from as refs/heads/x; a PR its base branch name.
      if (/^refs\/tags\//.test(ctx.ref) && ctx.baseRef) return ctx.baseRef.replace(/^refs\/heads\//, '');
      return /^refs\/pull\//.test(ctx.ref) && ctx.baseRef ? ctx.baseRef : '';
    case 'is_default_branch':
      return String(isDefaultBranch(ctx));
    case 'is_not_default_branch':
      return String(!isDefaultBranch(ctx));
    case 'date':
      return dateExpression(m, ctx.date);
    case 'commit_date':
      // moment(undefined) is "now", which is the documented fallback when the commit date is unknown.
      return dateExpression(m, ctx.commitDate ?? ctx.date);
    default:
      throw new TemplateError(`unknown expression {{${m.name}}}`);
  }
}

/** Renders global expressions; throws an Error with a short message when `text` is not a valid template. */
export function renderGlobal(text: string, ctx: MetaContext): string {
  const problem = checkExpressions(text, GLOBAL_SCOPE, 'the text');
  if (problem) throw new Error(problem);
  return renderTemplate(parseTemplate(text), (m) => globalValue(m, ctx));
}

/** Renders a pattern whose expressions are plain values (type=semver and type=pep440 patterns). */
export function renderValues(text: string, values: Readonly<Record<string, string>>): string {
  return renderTemplate(parseTemplate(text), (m) => values[m.name] ?? '');
}

/** Renders a type=schedule pattern, which knows only the date helpers. */
export function renderSchedule(text: string, ctx: MetaContext): string {
  return renderTemplate(parseTemplate(text), (m) =>
    m.name === 'commit_date' ? dateExpression(m, ctx.commitDate ?? ctx.date) : dateExpression(m, ctx.date),
  );
}
