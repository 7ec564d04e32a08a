// The container-structure-test (CST) file format, read the way CST reads it: YAML 1.1 (CST's yaml.v2),
// the keys of each struct per schemaVersion, scalars as Go strings, and regular expressions that mean the
// same to CST's RE2 and to JavaScript. The Reader collects every problem with file:line:column and key
// path, all of them in one run, the way the config loader reports (with its SourceMap, formatPath,
// suggest and ConfigError). What each test becomes as one of our checks is structure-test.ts's part.
import { LineCounter, parseDocument } from 'yaml';
import { displayPath, SourceMap } from '../config/source-map.js';
import { formatPath, type PathSegment } from '../config/validate.js';
import type { KeyValueExpectation } from '../config/types.js';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { isObject } from '../util/objects.js';
import { suggest } from '../util/suggest.js';

export type Path = readonly PathSegment[];
export type Obj = Record<string, unknown>;
export type Version = '1.0.0' | '2.0.0';

// The keys of each struct in CST's pkg/types/v1 and v2 (yaml.v2 lower-cases Go field names without a tag);
// [keys in 1.0.0, keys 2.0.0 added] for the three that 2.0.0 grew.
export const KEYS = {
  top: [
    ['schemaVersion', 'globalEnvVars', 'commandTests', 'fileExistenceTests', 'fileContentTests', 'licenseTests'],
    ['metadataTest', 'containerRunOptions'],
  ],
  command: [
    [
      'name',
      'setup',
      'teardown',
      'envVars',
      'exitCode',
      'command',
      'expectedOutput',
      'excludedOutput',
      'expectedError',
      'excludedError',
    ],
    ['args'],
  ],
  existence: [
    ['name', 'path', 'shouldExist', 'permissions'],
    ['uid', 'gid', 'isExecutableBy'],
  ],
  content: ['name', 'path', 'expectedContents', 'excludedContents'],
  metadata: [
    'envVars',
    'unboundEnvVars',
    'labels',
    'exposedPorts',
    'unexposedPorts',
    'volumes',
    'unmountedVolumes',
    'entrypoint',
    'cmd',
    'workdir',
    'user',
  ],
  license: ['debian', 'files'],
  runOptions: ['user', 'privileged', 'allocateTty', 'envVars', 'envFile', 'capabilities', 'bindMounts'],
  envVar: ['key', 'value', 'isRegex'],
} as const;
const ONLY_METADATA_REGEX = {
  isRegex: '"isRegex" has no effect here: container-structure-test reads it only in metadataTest',
};
/** The keys of a struct 2.0.0 grew, in `version`, and (in 1.0.0) why the added ones are refused. */
export function keysIn(
  [v1, added]: readonly [readonly string[], readonly string[]],
  version: Version,
): [string[], Record<string, string>] {
  if (version === '2.0.0') return [[...v1, ...added], {}];
  return [
    [...v1],
    Object.fromEntries(
      added.map((k) => [k, `"${k}" is not in schemaVersion 1.0.0 (container-structure-test has it from 2.0.0 on)`]),
    ),
  ];
}

/**
 * Parses one CST file and reads what every test depends on: that it is a mapping, its schemaVersion, and
 * that its top-level keys are that version's. `file` names it in messages.
 */
export function openStructureTest(text: string, file: string): { r: Reader; data: Obj; version: Version } {
  const shown = displayPath(file);
  const lines = new LineCounter();
  // YAML 1.1 is what CST's yaml.v2 reads: `yes`/`on` are booleans, 0755 is octal. JSON parses the same.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, version: '1.1' });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const { line, col } = lines.linePos(e.pos[0]);
    throw new ConfigError([
      { location: { file: shown, line, column: col }, path: '', message: `YAML: ${e.message.split('\n')[0].trim()}` },
    ]);
  }
  const r: Reader = new Reader(new SourceMap(shown, doc, lines));
  const data: unknown = doc.toJS({ maxAliasCount: 50 });
  if (!isMapping(data))
    r.stop([], 'expected a mapping with "schemaVersion" and the tests (a container-structure-test file)');
  if (!('schemaVersion' in data))
    r.stop([], 'missing required key "schemaVersion" (container-structure-test knows "2.0.0" and "1.0.0")');
  const version = r.text(data.schemaVersion, ['schemaVersion']);
  if (version !== '1.0.0' && version !== '2.0.0') {
    r.stop(
      ['schemaVersion'],
      `unsupported schemaVersion ${version === undefined ? describe(data.schemaVersion) : `"${version}"`}: container-structure-test knows "2.0.0" and "1.0.0"`,
    );
  }
  r.mapping(data, [], ...keysIn(KEYS.top, version));
  return { r, data, version };
}

/**
 * Why a pattern would not match here as CST's Go regexp (RE2) matches it: JavaScript reads some RE2
 * syntax differently (\A, \z, (?i), [[:alpha:]]) and accepts some that RE2 rejects (lookaround, \1).
 */
function regexProblem(re: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < re.length; i++) {
    const [c, next] = [re[i], re[i + 1] ?? ''];
    if (c === '\\') {
      const hexByte = next === 'x' && /^[0-9a-fA-F]{2}/.test(re.slice(i + 2));
      if (/[A-Za-z0-9]/.test(next) && !'bBdDfnrsStvwW'.includes(next) && !hexByte)
        return `\\${next} is read differently by container-structure-test's RE2 and by JavaScript`;
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      else if (c === '[' && next === ':') return 'POSIX classes like [[:alpha:]] are RE2-only: write [a-zA-Z]';
    } else if (c === '[') {
      inClass = true;
      if (re[i + 1] === '^') i++;
      if (re[i + 1] === ']') i++; // a leading ] is a literal in RE2
    } else if (c === '(' && next === '?') {
      const rest = re.slice(i + 2);
      if (/^<?[=!]/.test(rest))
        return 'lookahead and lookbehind are not RE2: container-structure-test cannot compile them';
      if (rest.startsWith('P<')) return '(?P<name>...) is RE2-only: write (?<name>...)';
      if (/^[a-zA-Z-]+[:)]/.test(rest)) return 'inline flags like (?i) are RE2-only and have no equivalent here';
    }
  }
  try {
    new RegExp(re);
    return undefined;
  } catch (err) {
    return `not a valid regular expression: ${(err as Error).message}`;
  }
}

/** Reads values out of the parsed data, collecting every problem with its location. */
export class Reader {
  private readonly issues: ConfigIssue[] = [];
  constructor(private readonly map: SourceMap) {}

  at(p: Path, atKey = false) {
    return this.map.locate(p, atKey);
  }

  fail(p: Path, message: string, atKey = false): undefined {
    this.issues.push({ location: this.map.locate(p, atKey), path: formatPath(p), message });
    return undefined;
  }

  /** A problem nothing else can be read past (no mapping, no known schema). */
  stop(p: Path, message: string): never {
    this.fail(p, message);
    throw this.error();
  }

  throwIfAny(): void {
    if (this.issues.length > 0) throw this.error();
  }

  /** All problems in file order (the sort is stable: same place, order found). */
  private error(): ConfigError {
    return new ConfigError(
      this.issues.sort((a, b) => a.location.line - b.location.line || a.location.column - b.location.column),
    );
  }

  /** `v` as a mapping whose keys are all in `allowed`; `hints` explain CST keys that are not read here. */
  mapping(
    v: unknown,
    p: Path,
    allowed: readonly string[],
    hints: Readonly<Record<string, string>> = {},
  ): Obj | undefined {
    if (!isMapping(v)) {
      this.fail(p, `expected a mapping, got ${describe(v)}`);
      return;
    }
    for (const key of Object.keys(v).filter((k) => !allowed.includes(k))) {
      this.fail([...p, key], hints[key] ?? `unknown key "${key}"${suggest(key, allowed)}`, true);
    }
    return v;
  }

  /** A scalar as text, as yaml.v2 fills a Go string: numbers and booleans exactly as written. */
  text(v: unknown, p: Path): string | undefined {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean' || v instanceof Date)
      return this.map.sourceText(p) ?? String(v);
    return undefined;
  }

  str(o: Obj, key: string, p: Path): string | undefined {
    if (o[key] == null) return undefined;
    const s = this.text(o[key], [...p, key]);
    return s ?? this.fail([...p, key], `expected a string, got ${describe(o[key])}`);
  }

  required(o: Obj, key: string, p: Path): string | undefined {
    if (!(key in o)) {
      this.fail(p, `missing required key "${key}"`);
      return;
    }
    if (o[key] == null) {
      this.fail([...p, key], 'expected a string, got nothing (null)');
      return;
    }
    const s = this.str(o, key, p);
    return s === '' ? this.fail([...p, key], 'must not be empty') : s;
  }

  bool = (o: Obj, key: string, p: Path) =>
    this.typed(o, key, p, (v): v is boolean => typeof v === 'boolean', 'a boolean (true or false)');
  int = (o: Obj, key: string, p: Path) => this.typed(o, key, p, (v): v is number => Number.isInteger(v), 'an integer');

  /** o[key] when absent or of the type `is` accepts (no null: yaml.v2 would read it as false or 0). */
  typed<T>(o: Obj, key: string, p: Path, is: (v: unknown) => v is T, what: string): T | undefined {
    const v = o[key];
    return !(key in o) || is(v)
      ? (v as T | undefined)
      : this.fail([...p, key], `expected ${what}, got ${describe(o[key])}`);
  }

  /** The items of the list at o[key] (null or absent: none), each read by `read`; rejected items are left out. */
  items<T>(o: Obj, key: string, p: Path, read: (v: unknown, p: Path) => T | undefined): T[] {
    return o[key] == null ? [] : this.list(o[key], [...p, key], read);
  }

  list<T>(v: unknown, p: Path, read: (v: unknown, p: Path) => T | undefined): T[] {
    if (!Array.isArray(v)) return this.fail(p, `expected a list, got ${describe(v)}`) ?? [];
    return v.map((item, i) => read(item, [...p, i])).filter((item): item is T => item !== undefined);
  }

  /** The list of non-empty strings at o[key] (undefined when absent or null), each checked by `check`. */
  strings(o: Obj, key: string, p: Path, check?: (s: string, p: Path) => string | undefined): string[] | undefined {
    return o[key] == null ? undefined : this.stringList(o[key], [...p, key], check);
  }

  stringList(v: unknown, p: Path, check?: (s: string, p: Path) => string | undefined): string[] {
    return this.list(v, p, (item, ip) => {
      const s = this.text(item, ip);
      if (s === undefined) {
        this.fail(ip, `expected a string, got ${describe(item)}`);
        return;
      }
      if (s === '') {
        this.fail(ip, 'must not be empty');
        return;
      }
      return check ? check(s, ip) : s;
    });
  }

  /** The regular expressions at o[key] (absent: none). */
  regexes(o: Obj, key: string, p: Path): string[] {
    return this.strings(o, key, p, (s, ip) => this.regex(s, ip)) ?? [];
  }

  regex(s: string, p: Path): string | undefined {
    const problem = regexProblem(s);
    return problem === undefined ? s : this.fail(p, problem);
  }

  /** setup/teardown: a list of command lines, each a non-empty list of strings. */
  commands(o: Obj, key: string, p: Path): string[][] {
    return this.items(o, key, p, (v, ip) => {
      if (!Array.isArray(v)) {
        this.fail(ip, `expected a command as a list of strings, like ["sh", "-c", "..."], got ${describe(v)}`);
        return;
      }
      return v.length === 0 ? this.fail(ip, 'must not be an empty command') : this.stringList(v, ip);
    });
  }

  /** globalEnvVars / a command test's envVars: {key, value} to set. CST rejects empty values in a test's. */
  envVars(o: Obj, key: string, p: Path, valueRequired: boolean): Record<string, string> {
    return Object.fromEntries(this.keyValues(o, key, p, valueRequired).map((kv) => [kv.key, kv.value]));
  }

  /** {key, value, isRegex} entries; isRegex only where CST reads it (metadataTest). */
  keyValues(o: Obj, key: string, p: Path, valueRequired?: boolean): KeyValueExpectation[] {
    const regexAllowed = valueRequired === undefined;
    return this.items(o, key, p, (v, ip) => {
      const e = this.mapping(v, ip, regexAllowed ? KEYS.envVar : ['key', 'value'], ONLY_METADATA_REGEX);
      if (!e) return undefined;
      const name = this.required(e, 'key', ip);
      const value = valueRequired ? this.required(e, 'value', ip) : (this.str(e, 'value', ip) ?? '');
      const isRegex = regexAllowed ? (this.bool(e, 'isRegex', ip) ?? false) : false;
      if (name === undefined || value === undefined) return undefined;
      if (isRegex && this.regex(value, [...ip, 'value']) === undefined) return undefined;
      return { key: name, value, isRegex };
    });
  }
}

/** A timestamp is a scalar, not a mapping (YAML 1.1 reads 2024-06-01 as a date). */
export function isMapping(v: unknown): v is Obj {
  return isObject(v) && !(v instanceof Date);
}

export function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (isMapping(v)) return 'a mapping';
  if (typeof v === 'string') return `"${v.length > 60 ? v.slice(0, 57) + '...' : v}"`;
  // A scalar by now (null, lists and mappings are named above).
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  return `${typeof v === 'number' ? 'the number' : typeof v} ${v instanceof Date ? v.toISOString() : String(v)}`;
}
