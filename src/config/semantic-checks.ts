// Checks the schema cannot express: files that must exist inside the repository, variant names,
// regular expressions that must compile, unique image names, build arguments that look like secrets (an
// error under policy.secret-build-args: error, else the warning of secretBuildArgsWarning). They run beside
// the schema check, so one run reports both kinds of problem; therefore they look only at values that have
// the right type. (The smoke test's checks are another thing: smoke/check-model.ts.)
import path from 'node:path';
import { backtrackingRisk } from '../meta/regex.js';
import { parseFlavor, parseTagRules, type RuleError } from '../meta/tags.js';
import { ruleLines } from './resolve.js';
import { VARIANT_PATTERN } from './schema.js';
import { displayPath } from './source-map.js';
import { isDirectory, isFile, isInside } from './paths.js';
import type { PathSegment, SchemaIssue } from './validate.js';
import { isObject } from '../util/objects.js';
import type { SecretBuildArgsPolicy } from './types.js';
import { checkRunnerLabels, checkWrittenTags, type Problem } from './value-checks.js';

export interface CheckContext {
  /** Directory of the config file: relative paths start here. */
  dir: string;
  /** Repository root: no path may leave it. */
  root: string;
  cwd: string;
  /** Whether the list at a key path was written [in, flow, style]. */
  isFlowList?: (keyPath: readonly PathSegment[]) => boolean;
}

export function semanticIssues(data: Record<string, unknown>, ctx: CheckContext): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const problem: Problem = (keyPath, message, atKey) => issues.push({ path: keyPath, message, atKey });
  const images = Array.isArray(data.images) ? data.images : [];
  const seen = new Map<string, number>();
  images.forEach((raw: unknown, index) => {
    if (!isObject(raw)) return;
    const at = (...rest: PathSegment[]): PathSegment[] => ['images', index, ...rest];
    if (typeof raw.name === 'string') {
      const name = raw.name.toLowerCase();
      if (seen.has(name)) problem(at('name'), `duplicate image name "${raw.name}" (also images[${seen.get(name)}])`);
      seen.set(name, index);
    }
    const context =
      typeof (raw.context ?? '.') === 'string'
        ? path.resolve(ctx.dir, (raw.context as string | undefined) ?? '.')
        : undefined;
    const contextOk = context !== undefined && checkContext(context, at('context'), ctx, problem);
    const variants = isObject(raw.variants) ? raw.variants : {};
    checkVariants(raw, variants, at, problem);

    // Each build unit: the image itself, or each of its variants with the image's settings beneath.
    const units: { raw: Record<string, unknown>; at: (...rest: PathSegment[]) => PathSegment[] }[] =
      Object.keys(variants).length === 0
        ? [{ raw, at }]
        : Object.entries(variants).map(([name, v]) => ({
            raw: isObject(v) ? v : {},
            at: (...rest: PathSegment[]) => at('variants', name, ...rest),
          }));
    const reported = new Set<string>();
    for (const unit of units) {
      if (contextOk) checkDockerfile(context, unit.raw, raw, unit.at, at, ctx, reported, problem);
      const unitPlatforms = unit.raw.platforms ?? raw.platforms;
      if (Array.isArray(unitPlatforms)) {
        const where = unit.raw.platforms ? unit.at('platforms') : at('platforms');
        const seenPlatforms = new Set<unknown>();
        unitPlatforms.forEach((p: unknown, i) => {
          if (seenPlatforms.has(p) && !reported.has(`platforms:${where.join('.')}:${i}`)) {
            reported.add(`platforms:${where.join('.')}:${i}`);
            problem([...where, i], `platform ${String(p)} is listed twice`);
          }
          seenPlatforms.add(p);
        });
      }
      if (unit.raw !== raw) checkSmokeTest(unit.raw['smoke-test'], unit.at('smoke-test'), problem, ctx);
    }
    checkSmokeTest(raw['smoke-test'], at('smoke-test'), problem, ctx);
    checkKeys(raw, at, problem);
    checkRunnerLabels(raw, at, problem);
    for (const [name, v] of Object.entries(variants)) {
      if (!isObject(v)) continue;
      checkKeys(v, (...rest) => at('variants', name, ...rest), problem);
      checkRunnerLabels(v, (...rest) => at('variants', name, ...rest), problem);
    }
    if (secretPolicy(data) === 'error') {
      checkSecretBuildArgs(raw['build-args'], at('build-args'), problem);
      for (const [name, v] of Object.entries(variants))
        if (isObject(v)) checkSecretBuildArgs(v['build-args'], at('variants', name, 'build-args'), problem);
    }
    checkRules(raw.tags, at('tags'), parseTagRules, problem, ctx.isFlowList?.(at('tags')) ?? false);
    checkRules(raw.flavor, at('flavor'), parseFlavor, problem);
    checkWrittenTags(raw.tags, raw.flavor, at('tags'), problem);
  });
  return issues;
}

/** metadata-action tag rules and flavor lines, each problem at its own list item. */
function checkRules(
  value: unknown,
  at: PathSegment[],
  parse: (lines: readonly string[]) => { errors: RuleError[] },
  problem: Problem,
  flow = false,
): void {
  if (typeof value === 'string') {
    // A block string: point at the string, and name the line within it.
    const lines = ruleLines(value);
    for (const e of parse(lines).errors) problem(at, `${lines[e.index]}: ${e.message}`);
    return;
  }
  if (!Array.isArray(value) || !value.every((l): l is string => typeof l === 'string')) return;
  // In a flow list, `[type=raw,value=x]` is two items: the commas of a rule split it.
  const split =
    flow &&
    value.some((l) => /^(value|pattern|event|prefix|suffix|enable|priority|format|match|group|branch)=/.test(l));
  const hint = split
    ? ' (commas split items inside [...]: quote each rule, or write a block list or a "|" string)'
    : '';
  for (const e of parse(value).errors) problem([...at, e.index], e.message + hint);
}

function checkContext(context: string, keyPath: PathSegment[], ctx: CheckContext, problem: Problem): boolean {
  if (!isInside(ctx.root, context)) {
    problem(
      keyPath,
      `build context ${displayPath(context, ctx.cwd)} is outside the repository (${displayPath(ctx.root, ctx.cwd)})`,
    );
    return false;
  }
  if (!isDirectory(context)) {
    problem(keyPath, `build context not found: ${displayPath(context, ctx.cwd)}`);
    return false;
  }
  return true;
}

function checkDockerfile(
  context: string,
  unit: Record<string, unknown>,
  image: Record<string, unknown>,
  unitAt: (...rest: PathSegment[]) => PathSegment[],
  imageAt: (...rest: PathSegment[]) => PathSegment[],
  ctx: CheckContext,
  reported: Set<string>,
  problem: Problem,
): void {
  const own = typeof unit.dockerfile === 'string' ? unit.dockerfile : undefined;
  const inherited = typeof image.dockerfile === 'string' ? image.dockerfile : undefined;
  const file = path.resolve(context, own ?? inherited ?? 'Dockerfile');
  const where =
    own !== undefined ? unitAt('dockerfile') : inherited !== undefined ? imageAt('dockerfile') : imageAt('context');
  const key = `${where.join('.')}:${file}`;
  if (reported.has(key)) return;
  reported.add(key);
  if (!isInside(ctx.root, file))
    problem(
      where,
      `Dockerfile ${displayPath(file, ctx.cwd)} is outside the repository (${displayPath(ctx.root, ctx.cwd)})`,
    );
  else if (!isFile(file)) problem(where, `Dockerfile not found: ${displayPath(file, ctx.cwd)}`);
}

function checkVariants(
  raw: Record<string, unknown>,
  variants: Record<string, unknown>,
  at: (...rest: PathSegment[]) => PathSegment[],
  problem: Problem,
): void {
  const names = Object.keys(variants);
  for (const name of names) {
    if (!new RegExp(VARIANT_PATTERN).test(name)) {
      problem(
        at('variants', name),
        `variant name "${name}" must be lowercase letters, digits, _ . - (it becomes part of tags)`,
        true,
      );
    }
  }
  // Variants whose tags coincide are found over the whole plan, with the reference they share (plan/uniqueness.ts).
  const wanted = raw['default-variant'];
  // A malformed name is the schema's to report; "no variant named" would say it twice.
  if (typeof wanted !== 'string' || !new RegExp(VARIANT_PATTERN).test(wanted)) return;
  if (names.length === 0) problem(at('default-variant'), 'default-variant is set but the image has no variants');
  else if (!names.includes(wanted))
    problem(at('default-variant'), `no variant named "${wanted}" (variants: ${names.join(', ')})`);
}

function checkSmokeTest(smoke: unknown, at: PathSegment[], problem: Problem, ctx: CheckContext): void {
  if (!isObject(smoke)) return;
  const regexLists = (item: unknown, base: PathSegment[], keys: readonly string[]) => {
    if (!isObject(item)) return;
    for (const key of keys) {
      const list = Array.isArray(item[key]) ? (item[key] as unknown[]) : [];
      list.forEach((re, j) => checkRegex(re, [...base, key, j], problem));
    }
  };
  const commands = Array.isArray(smoke.commands) ? smoke.commands : [];
  commands.forEach((c: unknown, i) =>
    regexLists(c, [...at, 'commands', i], ['expect-output', 'exclude-output', 'expect-error', 'exclude-error']),
  );
  const files = Array.isArray(smoke.files) ? smoke.files : [];
  files.forEach((f: unknown, i) => {
    regexLists(f, [...at, 'files', i], ['expect-content', 'exclude-content']);
    if (isObject(f) && f.exists === false) {
      for (const key of ['permissions', 'uid', 'gid', 'executable-by', 'expect-content', 'exclude-content']) {
        if (f[key] !== undefined)
          problem([...at, 'files', i, key], `"${key}" cannot be checked on a file that must not exist (exists: false)`);
      }
    }
  });
  const http = isObject(smoke.http) ? smoke.http : {};
  if (isObject(http.ready)) checkRegex(http.ready.body, [...at, 'http', 'ready', 'body'], problem);
  const checks = Array.isArray(http.checks) ? http.checks : [];
  checks.forEach((c: unknown, i) => {
    if (!isObject(c)) return;
    checkRegex(c['expect-body'], [...at, 'http', 'checks', i, 'expect-body'], problem);
    if (c.json !== undefined && c.body !== undefined)
      problem([...at, 'http', 'checks', i, 'body'], 'set either "json" or "body", not both');
  });
  const structure = Array.isArray(smoke['structure-tests']) ? smoke['structure-tests'] : [];
  structure.forEach((f: unknown, i) =>
    checkFileIn(f, [...at, 'structure-tests', i], 'container-structure-test file', ctx, problem),
  );
  if (isObject(smoke.compose))
    checkFileIn(smoke.compose.file, [...at, 'compose', 'file'], 'Compose file', ctx, problem);
  const volumes = Array.isArray(smoke.volumes) ? smoke.volumes : [];
  volumes.forEach((v: unknown, i) => {
    if (!isObject(v)) return;
    if ((v.source === undefined) === (v.name === undefined))
      problem(
        [...at, 'volumes', i],
        'a volume needs either "source" (a host path) or "name" (a volume made for the test)',
      );
    if (typeof v.source !== 'string') return;
    const full = path.resolve(ctx.dir, v.source);
    if (!isInside(ctx.root, full))
      problem(
        [...at, 'volumes', i, 'source'],
        `volume source ${displayPath(full, ctx.cwd)} is outside the repository (${displayPath(ctx.root, ctx.cwd)})`,
      );
    else if (!isFile(full) && !isDirectory(full))
      problem([...at, 'volumes', i, 'source'], `volume source not found: ${displayPath(full, ctx.cwd)}`);
  });
  const services = Array.isArray(smoke.services) ? smoke.services : [];
  const names = new Map<string, number>();
  services.forEach((sv: unknown, i) => {
    if (!isObject(sv) || typeof sv.name !== 'string') return;
    if (names.has(sv.name))
      problem(
        [...at, 'services', i, 'name'],
        `duplicate service name "${sv.name}" (also services[${names.get(sv.name)}])`,
      );
    names.set(sv.name, i);
    if (isObject(sv.ready) && sv.ready.port === undefined && sv.ready.command === undefined)
      problem([...at, 'services', i, 'ready'], 'ready needs a "port" or a "command"');
  });
  if (isObject(smoke.compose) && services.length > 0)
    problem(
      [...at, 'services'],
      'use either "services" or "compose", not both (put side services in the Compose file)',
    );
}

/** A file the smoke test reads, relative to the config file, inside the repository. */
function checkFileIn(value: unknown, keyPath: PathSegment[], what: string, ctx: CheckContext, problem: Problem): void {
  if (typeof value !== 'string') return;
  const full = path.resolve(ctx.dir, value);
  if (!isInside(ctx.root, full))
    problem(
      keyPath,
      `${what} ${displayPath(full, ctx.cwd)} is outside the repository (${displayPath(ctx.root, ctx.cwd)})`,
    );
  else if (!isFile(full)) problem(keyPath, `${what} not found: ${displayPath(full, ctx.cwd)}`);
}

function checkRegex(source: unknown, keyPath: PathSegment[], problem: Problem): void {
  if (typeof source !== 'string') return;
  try {
    new RegExp(source, 'm');
  } catch (err: unknown) {
    problem(keyPath, `invalid regular expression: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  const why = backtrackingRisk(source);
  if (why) problem(keyPath, `regular expression ${why}: it can take exponential time on some inputs (README "Limits")`);
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BUILD_ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Keys and values the engine or HTTP would take differently than written: env and build-arg names, label keys, header lines. */
function checkKeys(
  raw: Record<string, unknown>,
  at: (...rest: PathSegment[]) => PathSegment[],
  problem: Problem,
): void {
  const each = (value: unknown, keyPath: PathSegment[], keyRule: RegExp, what: string, noLineBreaks = false) => {
    if (!isObject(value)) return;
    for (const [k, v] of Object.entries(value)) {
      if (!keyRule.test(k))
        problem([...keyPath, k], `"${k.replace(/[\u0000-\u001f\u007f]/g, '?')}" is not a valid ${what}`, true);
      if (typeof v === 'string' && (v.includes('\u0000') || (noLineBreaks && /[\r\n]/.test(v))))
        problem(
          [...keyPath, k],
          `the value holds ${v.includes('\u0000') ? 'a NUL byte' : 'a line break'}, which ${what === 'HTTP header name' ? 'would split the request' : 'cannot be passed on'}`,
        );
    }
  };
  each(raw['build-args'], at('build-args'), BUILD_ARG_NAME, 'build argument name');
  // A label value goes into the labels output, one key=value a line: a line break would forge another label.
  each(raw.labels, at('labels'), LABEL_KEY, 'label key', true);
  const smoke = isObject(raw['smoke-test']) ? raw['smoke-test'] : undefined;
  if (!smoke) return;
  each(smoke.env, at('smoke-test', 'env'), ENV_NAME, 'environment variable name', true);
  (Array.isArray(smoke.commands) ? smoke.commands : []).forEach(
    (c: unknown, i) =>
      isObject(c) && each(c.env, at('smoke-test', 'commands', i, 'env'), ENV_NAME, 'environment variable name', true),
  );
  (Array.isArray(smoke.services) ? smoke.services : []).forEach(
    (c: unknown, i) =>
      isObject(c) && each(c.env, at('smoke-test', 'services', i, 'env'), ENV_NAME, 'environment variable name', true),
  );
  const http = isObject(smoke.http) ? smoke.http : {};
  (Array.isArray(http.checks) ? http.checks : []).forEach(
    (c: unknown, i) =>
      isObject(c) &&
      each(c.headers, at('smoke-test', 'http', 'checks', i, 'headers'), HEADER_NAME, 'HTTP header name', true),
  );
}

const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL)/i;
const SECRET_VALUE = /^(ghp_|gho_|ghs_|github_pat_|hf_|glpat-|xox[abp]-|sk-|AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16})/;

const secretPolicy = (data: Record<string, unknown>): unknown =>
  isObject(data.policy) ? data.policy['secret-build-args'] : undefined;

/** policy.secret-build-args: error — each secret-looking build argument refused at its own key. */
function checkSecretBuildArgs(value: unknown, keyPath: PathSegment[], problem: Problem): void {
  if (!isObject(value)) return;
  const args = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : String(v)]));
  for (const k of secretLookingBuildArgs(args)) {
    problem(
      [...keyPath, k],
      `build argument ${k} looks like a secret and would be stored in the image history (policy.secret-build-args: error) — pass it with secrets: instead`,
      true,
    );
  }
}

/**
 * The warning for build arguments that look like secrets, or undefined (none, or policy.secret-build-args:
 * off; under `error` the config was refused before). `what` names the image (variant).
 */
export function secretBuildArgsWarning(
  what: string,
  buildArgs: Record<string, string>,
  policy: SecretBuildArgsPolicy,
): string | undefined {
  if (policy === 'off') return undefined;
  const risky = secretLookingBuildArgs(buildArgs);
  if (risky.length === 0) return undefined;
  const many = risky.length > 1;
  return `${what}: build argument${many ? 's' : ''} ${risky.join(', ')} look${many ? '' : 's'} like a secret; build arguments are stored in the image history — pass it with secrets: instead`;
}

/** Build arguments that look like secrets (by name or value): they end up in the image history. */
export function secretLookingBuildArgs(buildArgs: Record<string, string>): string[] {
  return Object.entries(buildArgs)
    .filter(([k, v]) => SECRET_NAME.test(k) || SECRET_VALUE.test(v))
    .map(([k]) => k);
}
