// A container-structure-test (CST) file as our checks: one file, schemaVersion "1.0.0" or "2.0.0", YAML
// or JSON, read into the StructureSuite of check-model.ts — command tests with their setup and teardown,
// file content and existence tests, license tests, the metadata test, and containerRunOptions. What CST
// would run differently from us (or silently skip) is refused, never dropped. Reading the file format
// itself (keys per version, YAML 1.1, located problems) is structure-reader.ts's part.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { suggest } from '../util/suggest.js';
import type { CommandCheck, ImageCheck, LicenseCheck, ContainerRunOptions, StructureSuite } from './check-model.js';
import type { ExecutableBy, FileCheck, MetadataCheck } from '../config/types.js';
import {
  describe,
  isMapping,
  keysIn,
  KEYS,
  openStructureTest,
  type Path,
  type Reader,
  type Version,
} from './structure-reader.js';

type HostEnv = Readonly<Record<string, string | undefined>>;

/** CST has no per-command timeout; ours keeps a hung command from hanging the build. */
const COMMAND_TIMEOUT_MS = 60_000;

const EXECUTABLE_BY: readonly ExecutableBy[] = ['owner', 'group', 'other', 'any'];
/** The order Go's FileMode.String() writes its type letters in; CST compares that text. */
const GO_MODE_LETTERS = 'dalTLDpSugct?';
const MODE_HINT =
  "a mode as container-structure-test prints it (Go's FileMode text: -rw-r--r--, drwxr-xr-x, urwxr-xr-x when setuid, dtrwxrwxrwx for a sticky directory, Lrwxrwxrwx for a link)";
const BIND_OPTIONS = ['ro', 'rw', 'z', 'Z', 'shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate'];
const ONLY_KEY = Object.fromEntries(
  ['value', 'isRegex'].map((k) => [
    k,
    `"${k}" has no effect in unboundEnvVars: container-structure-test reads only key there`,
  ]),
);

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
  const { r, data, version } = openStructureTest(text, file);
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
