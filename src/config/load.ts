// Reads a config file: YAML with source positions → schema validation and semantic checks (together,
// so every problem is reported in one run, in file order) → the resolved Config of types.ts.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { ConfigError, MlImageError, sortIssues, type ConfigIssue } from '../errors.js';
import { semanticIssues } from './semantic-checks.js';
import { registryProblem } from './names.js';
import { isFile, repositoryRoot } from './paths.js';
import { resolveConfig } from './resolve.js';
import { configSchema } from './schema.js';
import { displayPath, SourceMap } from './source-map.js';
import type { Config } from './types.js';
import { formatPath, validate } from './validate.js';
import { isObject } from '../util/objects.js';

export { displayPath, SourceMap } from './source-map.js';
export { durationMs } from './resolve.js';

export interface LoadOptions {
  /** Repository root paths must stay inside; default: the nearest .git above the config file. */
  root?: string;
}

/** Limits on a config file (README "Limits"): its size, flow nesting, and anchors expanded. */
export const CONFIG_LIMITS = { bytes: 1024 * 1024, depth: 64, aliases: 50 } as const;

/** A config and where its parts are written, for errors found later (the plan's, plan/uniqueness.ts). */
export interface LoadedConfig {
  config: Config;
  source: SourceMap;
}

export function loadConfig(file: string, cwd = process.cwd(), options: LoadOptions = {}): Config {
  return loadConfigSource(file, cwd, options).config;
}

export function loadConfigSource(file: string, cwd = process.cwd(), options: LoadOptions = {}): LoadedConfig {
  const abs = path.resolve(cwd, file);
  const shown = displayPath(abs, cwd);
  if (!existsSync(abs)) throw new MlImageError(`config file not found: ${shown}`);
  if (!isFile(abs)) throw new MlImageError(`config file is not a regular file: ${shown}`);
  const size = statSync(abs).size;
  if (size > CONFIG_LIMITS.bytes)
    throw new MlImageError(
      `config file ${shown} is ${(size / 1024 / 1024).toFixed(1)} MB; the limit is ${CONFIG_LIMITS.bytes / 1024 / 1024} MB`,
    );
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err: unknown) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new MlImageError(
      `cannot read config file ${shown}: ${code === 'EACCES' ? 'permission denied' : (code ?? String(err))}`,
    );
  }
  if (text.includes('\u0000')) throw new MlImageError(`config file ${shown} is not text (it holds NUL bytes)`);
  return parseConfigSource(text, abs, cwd, options);
}

/** The first place flow collections nest deeper than the limit (the parser recurses per level). */
function tooDeep(text: string): number | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else if (c === '[' || c === '{') {
      if (++depth > CONFIG_LIMITS.depth) return i;
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return undefined;
}

export function parseConfig(text: string, file: string, cwd = process.cwd(), options: LoadOptions = {}): Config {
  return parseConfigSource(text, file, cwd, options).config;
}

export function parseConfigSource(
  text: string,
  file: string,
  cwd = process.cwd(),
  options: LoadOptions = {},
): LoadedConfig {
  const shown = displayPath(file, cwd);
  const lines = new LineCounter();
  const deep = tooDeep(text);
  if (deep !== undefined) {
    const before = text.slice(0, deep).split('\n');
    throw new ConfigError([
      {
        location: { file: shown, line: before.length, column: before.at(-1)!.length + 1 },
        path: '',
        message: `nested deeper than ${CONFIG_LIMITS.depth} levels`,
      },
    ]);
  }
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // Only the first syntax error: the parser's later ones are mostly the same mistake seen again.
    const e = doc.errors[0];
    const pos = lines.linePos(e.pos[0]);
    const lineText = text.split(/\r?\n/)[pos.line - 1] ?? '';
    const hint =
      lineText.includes('{{') && /\[/.test(lineText)
        ? ' ({{ starts a mapping inside [...]: quote the item, or write the rules as a block list or a "|" string)'
        : '';
    throw new ConfigError([
      {
        location: { file: shown, line: pos.line, column: pos.col },
        path: '',
        message: `YAML: ${firstLine(e.message)}${hint}`,
      },
    ]);
  }
  // A "__proto__" key would set the prototype of the object yaml builds instead of becoming a key that
  // the schema can refuse, so it is refused here, wherever it is.
  let proto: [number, number] | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === '__proto__' && !proto)
        proto = pair.key.range ? [pair.key.range[0], 0] : [0, 0];
    },
  });
  if (proto) {
    const pos = lines.linePos(proto[0]);
    throw new ConfigError([
      {
        location: { file: shown, line: pos.line, column: pos.col },
        path: '',
        message: 'the key "__proto__" is not allowed anywhere',
      },
    ]);
  }
  const map = new SourceMap(shown, doc, lines);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: CONFIG_LIMITS.aliases });
  } catch (err: unknown) {
    // An alias to an anchor that is not there (or not yet), or more expansions than the limit: located at
    // the document's first alias, since the parser does not say which.
    const why = err instanceof Error ? firstLine(err.message) : String(err);
    const alias = /\*[^\s,\]}]+/.exec(text);
    const before = text.slice(0, alias?.index ?? 0).split('\n');
    const message = /alias count/i.test(why)
      ? `anchors and aliases expand past the limit of ${CONFIG_LIMITS.aliases} (an alias bomb?)`
      : `YAML: ${why}`;
    throw new ConfigError([
      { location: { file: shown, line: before.length, column: before.at(-1)!.length + 1 }, path: '', message },
    ]);
  }
  if (!isObject(data)) {
    throw new ConfigError([
      { location: map.locate([]), path: '', message: 'expected a mapping with "version" and "images"' },
    ]);
  }
  const dir = path.dirname(file);
  const root = options.root ?? repositoryRoot(dir);
  const found = [
    ...validate(data, configSchema, [], (p) => map.sourceText(p)),
    ...semanticIssues(data, { dir, root, cwd, isFlowList: (p) => map.isFlowList(p) }),
  ];
  const issues: ConfigIssue[] = found.map((i) => ({
    location: map.locate(i.path, i.atKey),
    path: formatPath(i.path),
    message: i.message,
  }));
  if (issues.length > 0) throw new ConfigError(sortIssues(issues));
  return { config: { ...resolveConfig(data, dir, root, map), file }, source: map };
}

/** Registries given outside the file (--registry, the registries input) obey the file's rule for them. */
export function checkRegistryOverride(registries: readonly string[], source: string): void {
  for (const r of registries) {
    const problem = registryProblem(r);
    if (problem) throw new MlImageError(`${source}: ${problem}`);
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}
