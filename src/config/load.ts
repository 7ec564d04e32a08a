// Reads a config file: YAML with source positions → schema validation → the resolved Config of types.ts.
// Every problem (syntax, shape, missing paths, bad regular expressions) is collected and thrown as one
// ConfigError whose issues carry file:line:column and the key path.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError, MlImageError, type ConfigIssue, type SourceLocation } from '../errors.js';
import { configSchema } from './schema.js';
import type { CommandCheckConfig, Config, HttpCheckConfig, ImageConfig, SmokeTestConfig } from './types.js';
import { formatPath, isObject, validate, type PathSegment, type SchemaIssue } from './validate.js';

/** Finds the line and column of a key path in the parsed document. */
export class SourceMap {
  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  locate(keyPath: readonly PathSegment[], atKey = false): SourceLocation {
    let node: unknown = this.doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (const [i, seg] of keyPath.entries()) {
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
        if (!pair) break;
        if (atKey && i === keyPath.length - 1) {
          offset = rangeStart(pair.key) ?? offset;
          break;
        }
        next = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        next = node.items[seg];
      }
      if (next === undefined || next === null) break;
      node = next;
      offset = rangeStart(node) ?? offset;
    }
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col };
  }

  /** A scalar exactly as written (YAML reads `3.10` as the number 3.1; a build arg wants "3.10"). */
  sourceText(keyPath: readonly PathSegment[]): string | undefined {
    const node: unknown = this.doc.getIn(keyPath, true);
    return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
  }
}

export interface SourceMapLike {
  locate(keyPath: readonly PathSegment[], atKey?: boolean): SourceLocation;
  sourceText(keyPath: readonly PathSegment[]): string | undefined;
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | undefined)?.range?.[0];
}

/** How a file path is shown in messages: relative to the working directory when inside it. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, file);
  const outside = rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel);
  return rel && !outside ? rel : file;
}

export function loadConfig(file: string, cwd = process.cwd()): Config {
  const abs = path.resolve(cwd, file);
  if (!existsSync(abs)) throw new MlImageError(`config file not found: ${displayPath(abs, cwd)}`);
  if (!isFile(abs)) throw new MlImageError(`config file is not a regular file: ${displayPath(abs, cwd)}`);
  return parseConfig(readFileSync(abs, 'utf8'), abs, cwd);
}

export function parseConfig(text: string, file: string, cwd = process.cwd()): Config {
  const shown = displayPath(file, cwd);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { location: { file: shown, line: pos.line, column: pos.col }, path: '', message: `YAML: ${firstLine(e.message)}` };
      }),
    );
  }
  const map = new SourceMap(shown, doc, lines);
  const data: unknown = doc.toJS({ maxAliasCount: 50 });
  if (!isObject(data)) {
    throw new ConfigError([{ location: map.locate([]), path: '', message: 'expected a mapping with "version" and "images"' }]);
  }
  const issues: ConfigIssue[] = [...validate(data, configSchema, [], (p) => map.sourceText(p)), ...semanticIssues(data, path.dirname(file))].map((i) => ({
    location: map.locate(i.path, i.atKey),
    path: formatPath(i.path),
    message: i.message,
  }));
  if (issues.length > 0) throw new ConfigError(sortByLocation(issues));
  return { ...resolve(data, path.dirname(file), map), file };
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

/**
 * Checks the schema cannot express: files that must exist, regular expressions that must compile,
 * unique names. It runs beside the schema check (so one run reports both kinds of problem) and therefore
 * looks only at values that have the right type.
 */
function semanticIssues(data: Record<string, unknown>, dir: string): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const problem = (keyPath: PathSegment[], message: string) => issues.push({ path: keyPath, message });
  const images = Array.isArray(data.images) ? data.images : [];
  const seen = new Map<string, number>();
  images.forEach((raw: unknown, index) => {
    if (!isObject(raw)) return;
    const at = (...rest: PathSegment[]): PathSegment[] => ['images', index, ...rest];
    if (typeof raw.name === 'string') {
      if (seen.has(raw.name)) problem(at('name'), `duplicate image name "${raw.name}" (also images[${seen.get(raw.name)}])`);
      seen.set(raw.name, index);
    }
    const contextText = raw.context ?? '.';
    if (typeof contextText === 'string') {
      const context = path.resolve(dir, contextText);
      if (!isDirectory(context)) problem(at('context'), `build context not found: ${context}`);
      else if (typeof (raw.dockerfile ?? '') === 'string') {
        const dockerfile = path.resolve(context, (raw.dockerfile as string | undefined) ?? 'Dockerfile');
        if (!isFile(dockerfile)) problem(at(raw.dockerfile ? 'dockerfile' : 'context'), `Dockerfile not found: ${dockerfile}`);
      }
    }
    if (Array.isArray(raw.platforms) && raw.platforms.length > 1) {
      problem(at('platforms'), 'one platform per image for now: each platform is built, loaded and smoke-tested on its own runner');
    }
    const smoke = raw['smoke-test'];
    if (!isObject(smoke)) return;
    const commands = Array.isArray(smoke.commands) ? smoke.commands : [];
    commands.forEach((c: unknown, i) => {
      const patterns = isObject(c) && Array.isArray(c['expect-output']) ? c['expect-output'] : [];
      patterns.forEach((re: unknown, j) => checkRegex(re, at('smoke-test', 'commands', i, 'expect-output', j), problem));
    });
    const checks = isObject(smoke.http) && Array.isArray(smoke.http.checks) ? smoke.http.checks : [];
    checks.forEach((c: unknown, i) => {
      if (!isObject(c)) return;
      checkRegex(c['expect-body'], at('smoke-test', 'http', 'checks', i, 'expect-body'), problem);
      if (c.json !== undefined && c.body !== undefined) problem(at('smoke-test', 'http', 'checks', i, 'body'), 'set either "json" or "body", not both');
    });
  });
  return issues;
}

function checkRegex(source: unknown, keyPath: PathSegment[], problem: (p: PathSegment[], m: string) => void): void {
  if (typeof source !== 'string') return;
  try {
    new RegExp(source, 'm');
  } catch (err: unknown) {
    problem(keyPath, `invalid regular expression: ${err instanceof Error ? err.message : String(err)}`);
  }
}

// From here on the data is valid (schema and semantic checks passed): the casts only narrow what was checked.
type Raw = Record<string, unknown>;

function resolve(data: Raw, dir: string, map: SourceMapLike): Omit<Config, 'file'> {
  const images = (data.images as Raw[]).map((raw, index): ImageConfig => {
    const at = (...rest: PathSegment[]): PathSegment[] => ['images', index, ...rest];
    const context = path.resolve(dir, (raw.context as string | undefined) ?? '.');
    const smoke = raw['smoke-test'] as Raw | undefined;
    return {
      index,
      name: raw.name as string,
      context,
      dockerfile: path.resolve(context, (raw.dockerfile as string | undefined) ?? 'Dockerfile'),
      target: raw.target as string | undefined,
      buildArgs: stringMap(raw['build-args'], at('build-args'), map),
      labels: stringMap(raw.labels, at('labels'), map),
      platforms: (raw.platforms as string[] | undefined) ?? [],
      tags: [...new Set((raw.tags as string[] | undefined) ?? ['latest'])],
      gpu: (raw.gpu as boolean | undefined) ?? false,
      smokeTest: smoke ? resolveSmoke(smoke, at('smoke-test'), map) : undefined,
    };
  });
  const push = (data.push as Raw | undefined) ?? {};
  return { version: 1, images, push: { registries: [...new Set((push.registries as string[] | undefined) ?? [])] } };
}

function resolveSmoke(raw: Raw, at: PathSegment[], map: SourceMapLike): SmokeTestConfig {
  const commands = ((raw.commands as Raw[] | undefined) ?? []).map((c): CommandCheckConfig => {
    const run = c.run as string[];
    return {
      name: (c.name as string | undefined) ?? run.join(' '),
      run,
      expectOutput: (c['expect-output'] as string[] | undefined) ?? [],
      expectExitCode: (c['expect-exit-code'] as number | undefined) ?? 0,
      timeoutMs: durationMs(c.timeout, 60_000),
    };
  });
  const http = raw.http as Raw | undefined;
  const ready = (http?.ready as Raw | undefined) ?? {};
  return {
    timeoutMs: durationMs(raw.timeout, 300_000),
    gpu: (raw.gpu as SmokeTestConfig['gpu'] | undefined) ?? 'auto',
    env: stringMap(raw.env, [...at, 'env'], map),
    commands,
    http: http && {
      port: http.port as number,
      ready: {
        path: (ready.path as string | undefined) ?? '/',
        status: (ready.status as number | undefined) ?? 200,
        timeoutMs: durationMs(ready.timeout, 60_000),
      },
      checks: ((http.checks as Raw[] | undefined) ?? []).map((c, i): HttpCheckConfig => {
        const method = (c.method as string | undefined) ?? 'GET';
        return {
          name: (c.name as string | undefined) ?? `${method} ${c.path as string}`,
          method,
          path: c.path as string,
          headers: stringMap(c.headers, [...at, 'http', 'checks', i, 'headers'], map),
          json: c.json,
          body: c.body as string | undefined,
          expectStatus: (c['expect-status'] as number | undefined) ?? 200,
          expectBody: c['expect-body'] as string | undefined,
        };
      }),
    },
  };
}

/** A map of strings; numbers and booleans keep the text the user wrote (`3.10` stays "3.10"). */
function stringMap(value: unknown, keyPath: PathSegment[], map: SourceMapLike): Record<string, string> {
  return Object.fromEntries(
    Object.entries(isObject(value) ? value : {}).map(([k, v]) => [k, typeof v === 'string' ? v : (map.sourceText([...keyPath, k]) ?? String(v))]),
  );
}

/** "90s" | "2m" | "500ms" | "1h" | 30 (seconds) → milliseconds; the schema has checked the form. */
export function durationMs(value: unknown, fallback: number): number {
  if (typeof value === 'number') return value * 1000;
  if (typeof value !== 'string') return fallback;
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$/.exec(value);
  if (!m) return fallback;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  // Up, not to nearest: "0.4ms" must not become 0, which means no limit to execa.
  return Math.ceil(Number(m[1]) * unit);
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
