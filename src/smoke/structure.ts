// Owns container-structure-test (CST) files: one file, schemaVersion "1.0.0" or "2.0.0", YAML or JSON,
// read into the StructureSuite of check-model.ts. What CST would run differently from us (or silently skip) is
// refused, never dropped; every problem names file:line:column and key path, all of them in one run, the
// way the config loader reports (and with its helpers: SourceMap, formatPath, suggest, ConfigError).
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { displayPath, SourceMap } from '../config/source-map.js';
import { formatPath, type PathSegment } from '../config/validate.js';
import { isObject } from '../util/objects.js';
import { suggest } from '../util/suggest.js';
import { ConfigError, type ConfigIssue } from '../errors.js';
import type { CommandCheck, ImageCheck, LicenseCheck, ContainerRunOptions, StructureSuite } from './check-model.js';
import type { ExecutableBy, FileCheck, KeyValueExpectation, MetadataCheck } from '../config/types.js';

type Path = readonly PathSegment[];
type Obj = Record<string, unknown>;
type Version = '1.0.0' | '2.0.0';
type HostEnv = Readonly<Record<string, string | undefined>>;

/** CST has no per-command timeout; ours keeps a hung command from hanging the build. */
const COMMAND_TIMEOUT_MS = 60_000;

// The keys of each struct in CST's pkg/types/v1 and v2 (yaml.v2 lower-cases Go field names without a tag);
// [keys in 1.0.0, keys 2.0.0 added] for the three that 2.0.0 grew.
const KEYS = {
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
const EXECUTABLE_BY: readonly ExecutableBy[] = ['owner', 'group', 'other', 'any'];
/** The order Go's FileMode.String() writes its type letters in; CST compares that text. */
const GO_MODE_LETTERS = 'dalTLDpSugct?';
const MODE_HINT =
  "a mode as container-structure-test prints it (Go's FileMode text: -rw-r--r--, drwxr-xr-x, urwxr-xr-x when setuid, dtrwxrwxrwx for a sticky directory, Lrwxrwxrwx for a link)";
const BIND_OPTIONS = ['ro', 'rw', 'z', 'Z', 'shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate'];
const ONLY_METADATA_REGEX = {
  isRegex: '"isRegex" has no effect here: container-structure-test reads it only in metadataTest',
};
const ONLY_KEY = Object.fromEntries(
  ['value', 'isRegex'].map((k) => [
    k,
    `"${k}" has no effect in unboundEnvVars: container-structure-test reads only key there`,
  ]),
);

/** The keys of a struct 2.0.0 grew, in `version`, and (in 1.0.0) why the added ones are refused. */
function keysIn(
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
 * Reads one container-structure-test file. `file` names it in messages and in the suite; relative paths
 * in containerRunOptions (envFile, bindMounts) are taken from `baseDir`. containerRunOptions.envVars names
 * variables of the environment the tests run from, as in CST: their values are read here from `hostEnv`,
 * and a variable that is unset or empty is not passed (CST skips those too).
 */
export function parseStructureTest(
  text: string,
  file: string,
  baseDir: string,
  hostEnv: HostEnv = process.env,
): StructureSuite {
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

  const globalEnv = r.envVars(data, 'globalEnvVars', [], false);
  const runOptions = readContainerRunOptions(
    r,
    version === '2.0.0' ? data.containerRunOptions : undefined,
    baseDir,
    hostEnv,
  );
  // CST's order of running (and reporting): commands, file contents, file existence, licenses, metadata.
  const checks: ImageCheck[] = [
    ...r.items(data, 'commandTests', [], (v, p) => commandTest(r, v, p, version, globalEnv)),
    ...r.items(data, 'fileContentTests', [], (v, p) => contentTest(r, v, p)),
    ...r.items(data, 'fileExistenceTests', [], (v, p) => existenceTest(r, v, p, version)),
  ];
  const licenses = r.items(data, 'licenseTests', [], (v, p) => licenseTest(r, v, p));
  licenses.forEach((l, i) => (l.name = licenses.length > 1 ? `license[${i}]` : 'license'));
  checks.push(...licenses);
  const metadata =
    'metadataTest' in data && version === '2.0.0' ? metadataTest(r, data.metadataTest, ['metadataTest']) : undefined;
  if (metadata) checks.push(metadata);
  r.throwIfAny();
  return { file, schemaVersion: version, containerRunOptions: runOptions, checks };
}

function commandTest(
  r: Reader,
  v: unknown,
  p: Path,
  version: Version,
  globalEnv: Record<string, string>,
): CommandCheck | undefined {
  const o = r.mapping(v, p, ...keysIn(KEYS.command, version));
  if (!o) return undefined;
  const name = r.required(o, 'name', p);
  let run: string[] | undefined;
  if (version === '2.0.0') {
    if (Array.isArray(o.command))
      r.fail(
        [...p, 'command'],
        'expected a string: schemaVersion 2.0.0 takes the program in command and its arguments in args',
      );
    const command = Array.isArray(o.command) ? undefined : r.required(o, 'command', p);
    const args = r.strings(o, 'args', p) ?? [];
    if (command !== undefined) run = [command, ...args];
  } else if (!('command' in o)) r.fail(p, 'missing required key "command"');
  else if (!Array.isArray(o.command))
    r.fail(
      [...p, 'command'],
      `expected a list, got ${describe(o.command)}: schemaVersion 1.0.0 takes the whole command line as a list (2.0.0 has command and args)`,
    );
  else if (o.command.length === 0) r.fail([...p, 'command'], 'must list at least the program to run');
  else run = r.strings(o, 'command', p);
  return {
    kind: 'command',
    name: name ?? '',
    run: run ?? [],
    env: { ...globalEnv, ...r.envVars(o, 'envVars', p, true) },
    expectExitCode: r.int(o, 'exitCode', p) ?? 0,
    expectOutput: r.regexes(o, 'expectedOutput', p),
    excludeOutput: r.regexes(o, 'excludedOutput', p),
    expectError: r.regexes(o, 'expectedError', p),
    excludeError: r.regexes(o, 'excludedError', p),
    streams: 'separate', // CST matches stdout and stderr each on its own
    dialect: 'cst',
    timeoutMs: COMMAND_TIMEOUT_MS,
    setup: r.commands(o, 'setup', p),
    teardown: r.commands(o, 'teardown', p),
    location: r.at(p),
  };
}

function contentTest(r: Reader, v: unknown, p: Path): FileCheck | undefined {
  const o = r.mapping(v, p, KEYS.content);
  if (!o) return undefined;
  const [name, file] = [r.required(o, 'name', p), r.required(o, 'path', p)];
  const [expectContent, excludeContent] = [r.regexes(o, 'expectedContents', p), r.regexes(o, 'excludedContents', p)];
  return {
    kind: 'file',
    name: name ?? '',
    path: file ?? '',
    shouldExist: true,
    expectContent,
    excludeContent,
    dialect: 'cst',
    location: r.at(p),
  };
}

function existenceTest(r: Reader, v: unknown, p: Path, version: Version): FileCheck | undefined {
  const o = r.mapping(v, p, ...keysIn(KEYS.existence, version));
  if (!o) return undefined;
  const check: FileCheck = {
    kind: 'file',
    name: r.required(o, 'name', p) ?? '',
    path: r.required(o, 'path', p) ?? '',
    shouldExist: r.bool(o, 'shouldExist', p) ?? true,
    expectContent: [],
    excludeContent: [],
    dialect: 'cst',
    location: r.at(p),
  };
  const permissions = r.str(o, 'permissions', p);
  if (permissions !== undefined) {
    check.permissions = goModeToLs(permissions);
    if (check.permissions === undefined) r.fail([...p, 'permissions'], `expected ${MODE_HINT}, got "${permissions}"`);
  }
  for (const key of ['uid', 'gid'] as const) {
    const id = r.int(o, key, p);
    // CST's "not checked" is -1; a written negative id is a mistake, not a way to skip.
    if (id !== undefined && id < 0) r.fail([...p, key], `must be 0 or more, got ${id}`);
    else if (id !== undefined) check[key] = id;
  }
  const by = r.str(o, 'isExecutableBy', p);
  if (by !== undefined && !(EXECUTABLE_BY as readonly string[]).includes(by)) {
    r.fail(
      [...p, 'isExecutableBy'],
      `expected one of ${EXECUTABLE_BY.join(', ')}, got "${by}"${suggest(by, EXECUTABLE_BY)}`,
    );
  } else if (by !== undefined) check.isExecutableBy = by as ExecutableBy;
  if (!check.shouldExist) {
    // CST stops at "does not exist" and never looks at these: written, they would pass unchecked.
    for (const key of ['permissions', 'uid', 'gid', 'isExecutableBy'])
      if (key in o) r.fail([...p, key], 'is never checked when shouldExist is false', true);
  }
  return check;
}

function licenseTest(r: Reader, v: unknown, p: Path): LicenseCheck | undefined {
  const o = r.mapping(v, p, KEYS.license);
  if (!o) return undefined;
  const check: LicenseCheck = {
    kind: 'license',
    name: 'license',
    debian: r.bool(o, 'debian', p) ?? false,
    files: r.strings(o, 'files', p) ?? [],
    location: r.at(p),
  };
  if (!check.debian && check.files.length === 0) r.fail(p, 'checks nothing: set debian: true or list files');
  return check;
}

function metadataTest(r: Reader, v: unknown, p: Path): MetadataCheck | undefined {
  if (Array.isArray(v)) {
    r.fail(p, 'expected a mapping: metadataTest is a single test, not a list');
    return;
  }
  const o = v === null ? {} : r.mapping(v, p, KEYS.metadata);
  if (!o) return undefined;
  const ports = (key: string) =>
    r.strings(o, key, p, (s, sp) =>
      /^\d+$/.test(s)
        ? s
        : r.fail(
            sp,
            `expected a port number like "8080" (container-structure-test compares the number without /tcp), got "${s}"`,
          ),
    ) ?? [];
  const paths = (key: string) => r.strings(o, key, p) ?? [];
  const check: MetadataCheck = {
    kind: 'metadata',
    name: 'metadata',
    env: r.keyValues(o, 'envVars', p),
    unboundEnv: r.items(o, 'unboundEnvVars', p, (item, ip) => {
      if (!isMapping(item)) {
        r.fail(
          ip,
          `expected a mapping like {key: NAME} (container-structure-test reads unboundEnvVars as EnvVar entries), got ${describe(item)}`,
        );
        return;
      }
      return r.mapping(item, ip, ['key'], ONLY_KEY) ? r.required(item, 'key', ip) : undefined;
    }),
    labels: r.keyValues(o, 'labels', p),
    exposedPorts: ports('exposedPorts'),
    unexposedPorts: ports('unexposedPorts'),
    volumes: paths('volumes'),
    unmountedVolumes: paths('unmountedVolumes'),
    location: r.at(p, true),
  };
  // Absent means "not checked"; an empty list is CST's check that the image has none.
  if (o.entrypoint != null) check.entrypoint = r.strings(o, 'entrypoint', p);
  if (o.cmd != null) check.cmd = r.strings(o, 'cmd', p);
  for (const key of ['workdir', 'user'] as const) {
    const value = r.str(o, key, p);
    // CST reads "" as "not checked": refuse it rather than pass an expectation nobody checks.
    if (value === '') r.fail([...p, key], `must not be empty (leave ${key} out to not check it)`);
    else if (value !== undefined) check[key] = value;
  }
  // CST skips a metadataTest with nothing in it; so do we (no check at all, rather than one that passes).
  const lists = [
    check.env,
    check.unboundEnv,
    check.labels,
    check.exposedPorts,
    check.unexposedPorts,
    check.volumes,
    check.unmountedVolumes,
  ];
  return lists.every((l) => l.length === 0) && !check.entrypoint && !check.cmd && !check.workdir && !check.user
    ? undefined
    : check;
}

function readContainerRunOptions(r: Reader, v: unknown, baseDir: string, hostEnv: HostEnv): ContainerRunOptions {
  const p = ['containerRunOptions'];
  const options: ContainerRunOptions = { env: {}, privileged: false, capabilities: [], bindMounts: [] };
  const o = v == null ? undefined : r.mapping(v, p, KEYS.runOptions);
  if (!o) return options;
  const user = r.str(o, 'user', p);
  if (user === '') r.fail([...p, 'user'], 'must not be empty (leave user out to run as the image user)');
  else if (user !== undefined) options.user = user;
  options.privileged = r.bool(o, 'privileged', p) ?? false;
  if (r.bool(o, 'allocateTty', p))
    r.fail(
      [...p, 'allocateTty'],
      'not supported: check commands run without a terminal, and their output is matched as written',
    );
  for (const name of r.strings(o, 'envVars', p, (s, sp) =>
    /^[^=\s]+$/.test(s)
      ? s
      : r.fail(sp, `expected the name of a variable to pass on from this environment, got "${s}"`),
  ) ?? []) {
    const value = hostEnv[name];
    if (value) options.env[name] = value;
  }
  const envFile = r.str(o, 'envFile', p);
  if (envFile !== undefined) {
    const abs = path.resolve(baseDir, envFile);
    if (statSync(abs, { throwIfNoEntry: false })?.isFile()) options.envFile = abs;
    else r.fail([...p, 'envFile'], `no such file: ${abs}`);
  }
  options.capabilities = r.strings(o, 'capabilities', p) ?? [];
  options.bindMounts = r.strings(o, 'bindMounts', p, (s, sp) => bindMount(r, s, sp, baseDir)) ?? [];
  return options;
}

/** `host:container[:options]` with the host path made absolute from baseDir. */
function bindMount(r: Reader, spec: string, p: Path, baseDir: string): string | undefined {
  const [host, container, opts, ...rest] = spec.split(':');
  if (!host || !container || rest.length > 0 || opts === '') {
    r.fail(p, `expected host-path:container-path[:ro], got "${spec}"`);
    return;
  }
  if (!container.startsWith('/')) {
    r.fail(p, `the container path must be absolute, got "${container}"`);
    return;
  }
  const bad = opts?.split(',').find((opt) => !BIND_OPTIONS.includes(opt));
  if (bad !== undefined) {
    r.fail(p, `unknown mount option "${bad}" (expected ${BIND_OPTIONS.join(', ')})`);
    return;
  }
  const abs = path.resolve(baseDir, host);
  // Docker would make a missing host path an empty directory (or read a bare name as a named volume).
  if (!existsSync(abs)) {
    r.fail(
      p,
      `no such host path: ${abs} (a relative path is taken from the test file's directory; named volumes are not supported)`,
    );
    return;
  }
  return [abs, container, ...(opts === undefined ? [] : [opts])].join(':');
}

/** Go's FileMode text, the only form CST can match, as ls writes it (what check-model.ts's permissionString reads). */
function goModeToLs(mode: string): string | undefined {
  const m = /^(-|[dLDpSugct]+)([-r][-w][-x][-r][-w][-x][-r][-w][-x])$/.exec(mode);
  if (!m) return undefined;
  const letters = m[1] === '-' ? '' : m[1];
  const order = [...letters].map((c) => GO_MODE_LETTERS.indexOf(c));
  if (order.some((n, i) => i > 0 && n <= order[i - 1])) return undefined; // not an order Go writes
  const type = ({ '': '-', d: 'd', L: 'l', p: 'p', S: 's', D: 'b', Dc: 'c' } as Record<string, string>)[
    letters.replace(/[ugt]/g, '')
  ];
  if (type === undefined) return undefined;
  const rwx = [...m[2]];
  for (const [letter, at, set] of [
    ['u', 2, 's'],
    ['g', 5, 's'],
    ['t', 8, 't'],
  ] as const) {
    if (letters.includes(letter)) rwx[at] = rwx[at] === 'x' ? set : set.toUpperCase();
  }
  return type + rwx.join('');
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
class Reader {
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
function isMapping(v: unknown): v is Obj {
  return isObject(v) && !(v instanceof Date);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (isMapping(v)) return 'a mapping';
  if (typeof v === 'string') return `"${v.length > 60 ? v.slice(0, 57) + '...' : v}"`;
  // A scalar by now (null, lists and mappings are named above).
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  return `${typeof v === 'number' ? 'the number' : typeof v} ${v instanceof Date ? v.toISOString() : String(v)}`;
}
