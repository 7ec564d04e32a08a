// Checks of values the config hands on as they are written: runner labels (into the matrix output and a
// workflow's runs-on) and tags written out in tag rules (into docker's argv and the registry). Beside the
// schema check like the rest of semantic-checks.ts, so they look only at values of the right type.
import { parseFlavor, parseTagRules, writtenTagProblem } from '../meta/tags.js';
import { runnerLabelProblem, shown } from './names.js';
import { ruleLines } from './resolve.js';
import type { PathSegment } from './validate.js';
import { isObject } from '../util/objects.js';

export type Problem = (keyPath: PathSegment[], message: string, atKey?: boolean) => void;
export type At = (...rest: PathSegment[]) => PathSegment[];

/** runs-on and platform-runs-on of an image or a variant: every label one printable line, nothing option-like. */
export function checkRunnerLabels(unit: Record<string, unknown>, at: At, problem: Problem): void {
  const labels = (value: unknown, keyPath: PathSegment[]) => {
    const check = (label: unknown, where: PathSegment[]) => {
      const why = typeof label === 'string' ? runnerLabelProblem(label) : undefined;
      if (why)
        problem(
          where,
          `runner label ${shown(label as string)} ${why}: a runner label is one line of printable characters (it goes into the matrix output)`,
        );
    };
    if (Array.isArray(value)) value.forEach((label: unknown, i) => check(label, [...keyPath, i]));
    else check(value, keyPath);
  };
  labels(unit['runs-on'], at('runs-on'));
  const perPlatform = unit['platform-runs-on'];
  if (isObject(perPlatform))
    for (const [platform, value] of Object.entries(perPlatform)) labels(value, at('platform-runs-on', platform));
}

/**
 * Tags written out in tag rules (type=raw without expressions, a rule's own prefix) obey the OCI rule as
 * written: a bad one is an error at its rule, not a tag silently dropped or cut. Rules or flavor lines that
 * do not parse are reported by checkRules already.
 */
export function checkWrittenTags(tags: unknown, flavorLines: unknown, at: PathSegment[], problem: Problem): void {
  const lines =
    typeof tags === 'string'
      ? ruleLines(tags)
      : Array.isArray(tags) && tags.every((l): l is string => typeof l === 'string')
        ? tags
        : undefined;
  if (!lines || (Array.isArray(flavorLines) && !flavorLines.every((l) => typeof l === 'string'))) return;
  const flavor = parseFlavor(ruleLines(flavorLines));
  if (flavor.errors.length > 0) return;
  for (const rule of parseTagRules(lines).rules) {
    const why = rule.index >= 0 ? writtenTagProblem(rule, flavor.flavor) : undefined;
    // A block string is one YAML scalar: point at it and name the line, as checkRules does.
    if (why)
      problem(
        typeof tags === 'string' ? at : [...at, rule.index],
        typeof tags === 'string' ? `${lines[rule.index]}: ${why}` : why,
      );
  }
}
