// Reads a config file: YAML with source positions → schema validation and semantic checks (together,
// so every problem is reported in one run, in file order) → the resolved Config of types.ts.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError, MlImageError, type ConfigIssue } from '../errors.js';
import { semanticIssues } from './checks.js';
import { isFile, repositoryRoot } from './paths.js';
import { resolveConfig } from './resolve.js';
import { configSchema } from './schema.js';
import { displayPath, SourceMap } from './source-map.js';
import type { Config } from './types.js';
import { formatPath, isObject, validate } from './validate.js';

export { displayPath, SourceMap } from './source-map.js';
export { durationMs } from './resolve.js';

export interface LoadOptions {
  /** Repository root paths must stay inside; default: the nearest .git above the config file. */
  root?: string;
}

export function loadConfig(file: string, cwd = process.cwd(), options: LoadOptions = {}): Config {
  const abs = path.resolve(cwd, file);
  if (!existsSync(abs)) throw new MlImageError(`config file not found: ${displayPath(abs, cwd)}`);
  if (!isFile(abs)) throw new MlImageError(`config file is not a regular file: ${displayPath(abs, cwd)}`);
  return parseConfig(readFileSync(abs, 'utf8'), abs, cwd, options);
}

export function parseConfig(text: string, file: string, cwd = process.cwd(), options: LoadOptions = {}): Config {
  const shown = displayPath(file, cwd);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // Only the first syntax error: the parser's later ones are mostly the same mistake seen again.
    const e = doc.errors[0]!;
    const pos = lines.linePos(e.pos[0]);
    const lineText = text.split(/\r?\n/)[pos.line - 1] ?? '';
    const hint = lineText.includes('{{') && /\[/.test(lineText) ? ' ({{ starts a mapping inside [...]: quote the item, or write the rules as a block list or a "|" string)' : '';
    throw new ConfigError([{ location: { file: shown, line: pos.line, column: pos.col }, path: '', message: `YAML: ${firstLine(e.message)}${hint}` }]);
  }
  const map = new SourceMap(shown, doc, lines);
  const data: unknown = doc.toJS({ maxAliasCount: 50 });
  if (!isObject(data)) {
    throw new ConfigError([{ location: map.locate([]), path: '', message: 'expected a mapping with "version" and "images"' }]);
  }
  const dir = path.dirname(file);
  const root = options.root ?? repositoryRoot(dir);
  const found = [...validate(data, configSchema, [], (p) => map.sourceText(p)), ...semanticIssues(data, { dir, root, cwd, isFlowList: (p) => map.isFlowList(p) })];
  const issues: ConfigIssue[] = found.map((i) => ({ location: map.locate(i.path, i.atKey), path: formatPath(i.path), message: i.message }));
  if (issues.length > 0) throw new ConfigError(sortByLocation(issues));
  return { ...resolveConfig(data, dir, root, map), file };
}

/** Registries given outside the file (--registry, the registries input) obey the file's rule for them. */
export function checkRegistryOverride(registries: readonly string[], source: string): void {
  const item = configSchema.properties?.push?.properties?.registries?.items;
  for (const r of registries) {
    const issue = item ? validate(r, item)[0] : undefined;
    if (issue) throw new MlImageError(`${source}: ${issue.message}`);
  }
}

function sortByLocation(issues: ConfigIssue[]): ConfigIssue[] {
  return issues
    .map((issue, order) => ({ issue, order }))
    .sort((a, b) => a.issue.location.line - b.issue.location.line || a.issue.location.column - b.issue.location.column || a.order - b.order)
    .map((x) => x.issue);
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
