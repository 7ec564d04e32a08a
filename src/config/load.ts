// Reads a config file: YAML with source positions → schema validation → the resolved Config of types.ts.
// Every problem (syntax, shape, missing paths, bad regular expressions) is collected and thrown as one
// ConfigError whose issues carry file:line:column and the key path.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError, MlImageError, type ConfigIssue, type SourceLocation } from '../errors.js';
import { configSchema } from './schema.js';
import type { CommandCheckConfig, Config, HttpCheckConfig, ImageConfig, SmokeTestConfig } from './types.js';
import { formatPath, isObject, validate, type PathSegment } from './validate.js';

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
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | undefined)?.range?.[0];
}

/** How a file path is shown in messages: relative to the working directory when inside it. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

export function loadConfig(file: string, cwd = process.cwd()): Config {
  const abs = path.resolve(cwd, file);
  if (!existsSync(abs)) throw new MlImageError(`config file not found: ${displayPath(abs, cwd)}`);
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
  const issues: ConfigIssue[] = validate(data, configSchema).map((i) => ({
    location: map.locate(i.path, i.atKey),
    path: formatPath(i.path),
    message: i.message,
  }));
  if (issues.length > 0) throw new ConfigError(issues);

  const resolved = resolve(data, path.dirname(file), map, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return { ...resolved, file };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

// The data below is schema-valid, so the casts only narrow what validate() already checked.
type Raw = Record<string, unknown>;

function resolve(data: Raw, dir: string, map: SourceMap, issues: ConfigIssue[]): Omit<Config, 'file'> {
  const problem = (keyPath: PathSegment[], message: string, atKey = false) =>
    issues.push({ location: map.locate(keyPath, atKey), path: formatPath(keyPath), message });

  const seen = new Map<string, number>();
  const images = (data.images as Raw[]).map((raw, index): ImageConfig => {
    const at = (...rest: PathSegment[]): PathSegment[] => ['images', index, ...rest];
    const name = raw.name as string;
    if (seen.has(name)) problem(at('name'), `duplicate image name "${name}" (also images[${seen.get(name)}])`);
    seen.set(name, index);

    const context = path.resolve(dir, (raw.context as string | undefined) ?? '.');
    if (!isDirectory(context)) problem(at('context'), `build context not found: ${context}`);
    const dockerfile = path.resolve(context, (raw.dockerfile as string | undefined) ?? 'Dockerfile');
    if (isDirectory(context) && !isFile(dockerfile)) problem(at(raw.dockerfile ? 'dockerfile' : 'context'), `Dockerfile not found: ${dockerfile}`);

    const platforms = (raw.platforms as string[] | undefined) ?? [];
    if (platforms.length > 1) {
      problem(at('platforms'), 'one platform per image for now: each platform is built, loaded and smoke-tested on its own runner');
    }
    const smoke = raw['smoke-test'] as Raw | undefined;
    return {
      index,
      name,
      context,
      dockerfile,
      target: raw.target as string | undefined,
      buildArgs: stringMap(raw['build-args']),
      labels: stringMap(raw.labels),
      platforms,
      tags: [...new Set((raw.tags as string[] | undefined) ?? ['latest'])],
      gpu: (raw.gpu as boolean | undefined) ?? false,
      smokeTest: smoke ? resolveSmoke(smoke, at('smoke-test'), problem) : undefined,
    };
  });
  const push = (data.push as Raw | undefined) ?? {};
  return { version: 1, images, push: { registries: [...new Set((push.registries as string[] | undefined) ?? [])] } };
}

type Problem = (keyPath: PathSegment[], message: string) => void;

function resolveSmoke(raw: Raw, at: PathSegment[], problem: Problem): SmokeTestConfig {
  const commands = ((raw.commands as Raw[] | undefined) ?? []).map((c, i): CommandCheckConfig => {
    const expectOutput = (c['expect-output'] as string[] | undefined) ?? [];
    expectOutput.forEach((re, j) => checkRegex(re, [...at, 'commands', i, 'expect-output', j], problem));
    const run = c.run as string[];
    return {
      name: (c.name as string | undefined) ?? run.join(' '),
      run,
      expectOutput,
      expectExitCode: (c['expect-exit-code'] as number | undefined) ?? 0,
      timeoutMs: durationMs(c.timeout, 60_000),
    };
  });
  const http = raw.http as Raw | undefined;
  const ready = (http?.ready as Raw | undefined) ?? {};
  return {
    timeoutMs: durationMs(raw.timeout, 300_000),
    gpu: (raw.gpu as SmokeTestConfig['gpu'] | undefined) ?? 'auto',
    env: stringMap(raw.env),
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
        if (c['expect-body'] !== undefined) checkRegex(c['expect-body'] as string, [...at, 'http', 'checks', i, 'expect-body'], problem);
        if (c.json !== undefined && c.body !== undefined) problem([...at, 'http', 'checks', i, 'body'], 'set either "json" or "body", not both');
        return {
          name: (c.name as string | undefined) ?? `${method} ${c.path as string}`,
          method,
          path: c.path as string,
          headers: stringMap(c.headers),
          json: c.json,
          body: c.body as string | undefined,
          expectStatus: (c['expect-status'] as number | undefined) ?? 200,
          expectBody: c['expect-body'] as string | undefined,
        };
      }),
    },
  };
}

function checkRegex(source: string, keyPath: PathSegment[], problem: Problem): void {
  try {
    new RegExp(source, 'm');
  } catch (err: unknown) {
    problem(keyPath, `invalid regular expression: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function stringMap(value: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(isObject(value) ? value : {}).map(([k, v]) => [k, String(v)]));
}

/** "90s" | "2m" | "500ms" | "1h" | 30 (seconds) → milliseconds; the schema has checked the form. */
export function durationMs(value: unknown, fallback: number): number {
  if (typeof value === 'number') return value * 1000;
  if (typeof value !== 'string') return fallback;
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$/.exec(value);
  if (!m) return fallback;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
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
