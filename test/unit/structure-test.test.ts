// parseStructureTest: container-structure-test files (schemaVersion 1.0.0 and 2.0.0, YAML and JSON) into
// the check model. The fixtures of test/fixtures/structure-tests parse to exactly the checks below; bad
// files fail with one exact message each, naming file:line:column and key path.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, MlImageError, type SourceLocation } from '../../src/errors.js';
import {
  NO_CONTAINER_RUN_OPTIONS,
  permissionString,
  type CommandCheck,
  type LicenseCheck,
  type StructureSuite,
} from '../../src/smoke/check-model.js';
import type { FileCheck, MetadataCheck } from '../../src/config/types.js';
import { parseStructureTest } from '../../src/smoke/structure-test.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/structure-tests/', import.meta.url));
const SHOWN = 'test/fixtures/structure-tests';
const HOST_ENV = { ML_IMAGE_CST_TOKEN: 'from-the-host' };

const fixture = (name: string): StructureSuite =>
  parseStructureTest(readFileSync(path.join(FIXTURES, name), 'utf8'), `${SHOWN}/${name}`, FIXTURES, HOST_ENV);
const parse = (text: string, hostEnv: Record<string, string> = {}): StructureSuite =>
  parseStructureTest(text, 'tests/cst.yaml', FIXTURES, hostEnv);

/** The error parsing `text` throws; fails the test when it throws nothing. */
function failure(text: string): Error {
  try {
    parse(text);
  } catch (err: unknown) {
    if (err instanceof Error) return err;
    throw err;
  }
  throw new Error('expected an error, but the file was accepted');
}

const at =
  (file: string) =>
  (line: number, column = 5): SourceLocation => ({ file: `${SHOWN}/${file}`, line, column });
const command = (
  name: string,
  run: string[],
  location: SourceLocation,
  over: Partial<CommandCheck> = {},
): CommandCheck => ({
  kind: 'command',
  name,
  run,
  env: {},
  expectExitCode: 0,
  expectOutput: [],
  excludeOutput: [],
  expectError: [],
  excludeError: [],
  streams: 'separate',
  dialect: 'cst',
  timeoutMs: 60_000,
  setup: [],
  teardown: [],
  location,
  ...over,
});
const file = (name: string, filePath: string, location: SourceLocation, over: Partial<FileCheck> = {}): FileCheck => ({
  kind: 'file',
  name,
  path: filePath,
  shouldExist: true,
  expectContent: [],
  excludeContent: [],
  dialect: 'cst',
  location,
  ...over,
});
const license = (name: string, debian: boolean, files: string[], location: SourceLocation): LicenseCheck => ({
  kind: 'license',
  name,
  debian,
  files,
  location,
});
const metadata = (location: SourceLocation, over: Partial<MetadataCheck>): MetadataCheck => ({
  kind: 'metadata',
  name: 'metadata',
  env: [],
  unboundEnv: [],
  labels: [],
  exposedPorts: [],
  unexposedPorts: [],
  volumes: [],
  unmountedVolumes: [],
  location,
  ...over,
});
const kv = (key: string, value: string, isRegex = false) => ({ key, value, isRegex });
const suite = (name: string, checks: StructureSuite['checks'], over: Partial<StructureSuite> = {}): StructureSuite => ({
  file: `${SHOWN}/${name}`,
  schemaVersion: '2.0.0',
  containerRunOptions: NO_CONTAINER_RUN_OPTIONS,
  checks,
  ...over,
});

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const c = at('commands.yaml');
const f = at('files.yaml');
const t = at('content.yaml');
const r = at('run-options.yaml');
const v1 = at('schema-v1.yaml');
const x = at('failing.yaml');
const stage = { STAGE: 'integration' };

const EXPECTED: Record<string, StructureSuite> = {
  'commands.yaml': suite('commands.yaml', [
    command('apt-get', ['apt-get', 'help'], c(10), {
      env: stage,
      excludeError: ['.*FAIL.*'],
      expectOutput: ['.*Usage.*'],
    }),
    command('apt-config', ['apt-config', 'dump'], c(15), { env: stage, expectOutput: ['APT::NeverAutoRemove'] }),
    command('path', ['sh', '-c', 'echo $PATH'], c(19), { env: stage, expectOutput: [PATH] }),
    command('bash version, nothing on stderr', ['bash', '--version'], c(23), {
      env: stage,
      expectOutput: ['GNU bash, version 5\\.2\\.'],
      excludeError: ['.+'],
    }),
    command('runs as the image user in its workdir', ['sh', '-c', 'id -un; pwd'], c(28), {
      env: stage,
      expectOutput: ['^mluser\\n/srv/model\\n$'],
    }),
    command('global and per-test envVars', ['printenv', 'STAGE', 'GREETING'], c(32), {
      env: { STAGE: 'integration', GREETING: 'hello world' },
      expectOutput: ['^integration\\nhello world\\n$'],
    }),
    command(
      'setup is committed before the test runs',
      ['sh', '-c', 'cat /tmp/setup-marker && test -e /tmp/second-step && echo second'],
      c(39),
      {
        env: stage,
        setup: [
          ['sh', '-c', 'echo prepared > /tmp/setup-marker'],
          ['touch', '/tmp/second-step'],
        ],
        teardown: [['rm', '-f', '/tmp/setup-marker', '/tmp/second-step']],
        expectOutput: ['^prepared\\nsecond\\n$'],
      },
    ),
    command('exit code and stderr of a failing command', ['ls', '/no/such/dir'], c(48), {
      env: stage,
      expectExitCode: 2,
      expectError: ['No such file or directory'],
      excludeOutput: ['.+'],
    }),
    command('say hello world', ['bash', '-c', 'echo hello &&\necho world\n'], c(54), {
      env: stage,
      expectOutput: ['hello\\nworld'],
    }),
  ]),
  'files.yaml': suite('files.yaml', [
    file('Root', '/', f(8), { uid: 0, gid: 0 }),
    file('Passwd (shouldExist defaults to true)', '/etc/passwd', f(13)),
    file('Date', '/usr/bin/date', f(15), { isExecutableBy: 'owner' }),
    file('Dummy File', '/etc/dummy', f(18), { shouldExist: false }),
    file('sources.list was removed from the base', '/etc/apt/sources.list', f(21), { shouldExist: false }),
    file('model directory', '/srv/model', f(24), { permissions: 'drwxr-x---', uid: 1001, gid: 1001 }),
    file('model file', '/srv/model/model.txt', f(29), { permissions: '-rw-r-----', uid: 1001, gid: 1001 }),
    file('entrypoint script', '/usr/local/bin/serve', f(35), {
      permissions: '-rwxr-xr-x',
      uid: 0,
      gid: 0,
      isExecutableBy: 'any',
    }),
    file('owner-only script', '/opt/fixture/owner-only.sh', f(41), {
      permissions: '-rwx------',
      isExecutableBy: 'owner',
    }),
    file('group-executable script', '/opt/fixture/group-exec.sh', f(45), {
      permissions: '-rwx--x---',
      gid: 1001,
      isExecutableBy: 'group',
    }),
    file('other-executable script', '/opt/fixture/other-exec.sh', f(50), {
      permissions: '-rw----r-x',
      isExecutableBy: 'other',
    }),
    // Go's FileMode text as written in the file, in the ls form check-model.ts reads.
    file('setuid passwd', '/usr/bin/passwd', f(54), { permissions: '-rwsr-xr-x' }),
    file('sticky tmp', '/tmp', f(57), { permissions: 'drwxrwxrwt' }),
    file('merged /usr: /bin is a link', '/bin', f(60), { permissions: 'lrwxrwxrwx' }),
  ]),
  'content.yaml': suite('content.yaml', [
    file('Debian Sources', '/etc/apt/sources.list.d/debian.sources', t(6), {
      expectContent: [
        'Suites: bookworm bookworm-updates',
        'Signed-By: /usr/share/keyrings/debian-archive-keyring\\.gpg',
      ],
      excludeContent: ['.*gce_debian_mirror.*'],
    }),
    file('Passwd file', '/etc/passwd', t(10), {
      expectContent: ['root:x:0:0:root:/root:/bin/bash', 'mluser:x:1001:1001::/srv/model:/bin/bash'],
    }),
    file('model file', '/srv/model/model.txt', t(13), {
      expectContent: ['^model: iris-classifier\\n', 'version: 1\\.2\\.0'],
      excludeContent: ['version: 1\\.1', 'pickle'],
    }),
    file('app config', '/etc/ml-image/app.conf', t(17), {
      expectContent: ['log_level = info', 'workers = \\d+'],
      excludeContent: ['password', 'DEBUG'],
    }),
    file('readable, content not checked', '/etc/debian_version', t(21)),
  ]),
  'metadata.yaml': suite('metadata.yaml', [
    metadata(at('metadata.yaml')(6, 1), {
      env: [
        kv('MODEL_NAME', 'iris-classifier'),
        kv('EMPTY_VAR', ''),
        kv('MODEL_BUILD', '^build-\\d{4}\\.\\d{2}\\.\\d+$', true),
        kv('PATH', PATH),
      ],
      unboundEnv: ['BAR_FOO', 'DEBIAN_FRONTEND'],
      labels: [
        kv('com.example.vendor', 'ACME Incorporated'),
        kv('org.opencontainers.image.created', '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$', true),
        kv('org.opencontainers.image.title', 'iris-.+', true),
        kv('label-with-empty-val', ''),
      ],
      exposedPorts: ['8080', '2345'],
      unexposedPorts: ['80'],
      volumes: ['/data'],
      unmountedVolumes: ['/root'],
      entrypoint: ['/usr/local/bin/serve'],
      cmd: ['--port', '8080'],
      workdir: '/srv/model',
      user: 'mluser',
    }),
  ]),
  'license.yaml': suite('license.yaml', [
    license('license[0]', true, [], at('license.yaml')(7)),
    license(
      'license[1]',
      false,
      ['/usr/share/doc/bash/copyright', '/usr/share/doc/dash/copyright'],
      at('license.yaml')(8),
    ),
  ]),
  'run-options.yaml': suite(
    'run-options.yaml',
    [
      command('user from containerRunOptions', ['id', '-u'], r(18), { expectOutput: ['^0\\n$'] }),
      command('envFile', ['printenv'], r(22), { expectOutput: ['.*(FOO|BAR)=keepit(secret|safe)!.*'] }),
      command('envVars from the host environment', ['printenv', 'ML_IMAGE_CST_TOKEN'], r(25), {
        expectOutput: ['^from-the-host\\n$'],
      }),
      command('capabilities: CAP_SYS_ADMIN (bit 21) is effective', ['grep', 'CapEff', '/proc/self/status'], r(29), {
        expectOutput: ['CapEff:\\s+[0-9a-f]{10}[2367abef][0-9a-f]{5}\\s'],
      }),
      command('bindMounts: readable', ['cat', '/mnt/data/greeting.txt'], r(33), {
        expectOutput: ['^hello from the host\\n$'],
      }),
      command('bindMounts: read-only', ['touch', '/mnt/data/new-file'], r(37), {
        expectExitCode: 1,
        expectError: ['Read-only file system'],
      }),
    ],
    {
      containerRunOptions: {
        user: 'root',
        privileged: false,
        env: HOST_ENV,
        envFile: path.join(FIXTURES, 'run-options.env'),
        capabilities: ['SYS_ADMIN'],
        bindMounts: [`${path.join(FIXTURES, 'data')}:/mnt/data:ro`],
      },
    },
  ),
  'schema-v1.yaml': suite(
    'schema-v1.yaml',
    [
      command('bad apt-get command', ['apt-get', 'dslkfjasl'], v1(10), {
        env: { STAGE: 'v1' },
        excludeError: ['.*FAIL.*'],
        expectError: ['.*Invalid operation dslkfjasl.*'],
        expectExitCode: 100,
      }),
      command('apt-config', ['apt-config', 'dump'], v1(15), {
        env: { STAGE: 'v1' },
        expectOutput: ['APT::NeverAutoRemove'],
      }),
      command('path', ['sh', '-c', 'echo $PATH'], v1(18), { env: { STAGE: 'v1' }, expectOutput: [PATH] }),
      command('global env, through setup', ['printenv', 'STAGE'], v1(23), {
        env: { STAGE: 'v1' },
        setup: [['touch', '/tmp/v1-setup']],
        expectOutput: ['^v1\\n$'],
      }),
      file('Debian Sources', '/etc/apt/sources.list.d/debian.sources', v1(28), {
        expectContent: ['URIs: https?://', 'Suites: bookworm'],
        excludeContent: ['.*gce_debian_mirror.*'],
      }),
      file('model directory', '/srv/model', v1(33), { permissions: 'drwxr-x---' }),
      file('Fake Dir', '/foo/bar', v1(37), { shouldExist: false }),
      license('license', true, [], v1(41)),
    ],
    { schemaVersion: '1.0.0' },
  ),
  'json-form.json': suite('json-form.json', [
    command('echo', ['echo', 'from', 'json'], at('json-form.json')(4), { expectOutput: ['^from json\\n$'] }),
    file('model file', '/srv/model/model.txt', at('json-form.json')(12), {
      permissions: '-rw-r-----',
      uid: 1001,
      gid: 1001,
    }),
    metadata(at('json-form.json')(14, 3), {
      workdir: '/srv/model',
      exposedPorts: ['8080'],
      entrypoint: ['/usr/local/bin/serve'],
    }),
  ]),
  'failing.yaml': suite('failing.yaml', [
    command('wrong exit code', ['false'], x(8)),
    command('expected output missing', ['echo', 'hello'], x(11), { expectOutput: ['goodbye'] }),
    command('excluded output present', ['id', '-un'], x(16), { excludeOutput: ['mluser'] }),
    command('expected error missing', ['ls', '/srv/model'], x(21), { expectError: ['No such file'] }),
    command('excluded error present', ['ls', '/no/such/dir'], x(26), {
      expectExitCode: 2,
      excludeError: ['No such file'],
    }),
    command('stderr is not stdout', ['sh', '-c', 'echo only-on-stderr >&2'], x(32), {
      expectOutput: ['only-on-stderr'],
    }),
    file('expected content missing', '/etc/ml-image/app.conf', x(38), { expectContent: ['log_level = debug'] }),
    file('excluded content present', '/etc/ml-image/app.conf', x(42), { excludeContent: ['workers = \\d'] }),
    file('file to read is missing', '/etc/no-such.conf', x(46), { expectContent: ['.*'] }),
    file('Fake File', '/etc/dummy', x(51)),
    file('file that should not exist', '/etc/passwd', x(54), { shouldExist: false }),
    file('Wrong permissions', '/srv/model/model.txt', x(58), { permissions: '-rwxrwxrwx' }),
    file('directory is not a regular file', '/srv/model', x(62), { permissions: '-rwxr-x---' }),
    file('wrong owner', '/etc/passwd', x(66), { uid: 1001 }),
    file('wrong group', '/srv/model/model.txt', x(70), { gid: 0 }),
    file('not executable by other', '/opt/fixture/owner-only.sh', x(74), { isExecutableBy: 'other' }),
    file('not executable by any', '/etc/ml-image/app.conf', x(78), { isExecutableBy: 'any' }),
    license('license[0]', false, ['/usr/share/doc/no-such-package/copyright'], x(83)),
    license('license[1]', false, ['/opt/fixture/licenses/NOTICE-agpl.txt'], x(86)),
    metadata(x(89, 1), {
      env: [kv('MODEL_NAME', 'resnet'), kv('NOT_SET', 'x'), kv('MODEL_VERSION', '^2\\.', true)],
      unboundEnv: ['MODEL_DIR'],
      labels: [kv('com.example.vendor', 'Initech'), kv('org.example.missing', '')],
      exposedPorts: ['9999'],
      unexposedPorts: ['8080'],
      volumes: ['/models'],
      unmountedVolumes: ['/data'],
      entrypoint: [],
      cmd: ['bash'],
      workdir: '/',
      user: 'root',
    }),
  ]),
};

describe('parseStructureTest: the fixtures', () => {
  it.each(Object.keys(EXPECTED))('%s parses to exactly the expected suite', (name) => {
    expect(fixture(name)).toEqual(EXPECTED[name]);
  });

  it('covers every test file in the directory, each listed in its README', () => {
    expect(
      readdirSync(FIXTURES)
        .filter((name) => /\.(ya?ml|json)$/.test(name))
        .sort(),
    ).toEqual(Object.keys(EXPECTED).sort());
    const readme = readFileSync(path.join(FIXTURES, 'README.md'), 'utf8');
    for (const name of Object.keys(EXPECTED)) expect(readme).toContain(`| \`${name}\` |`);
  });

  it('gives permissions that check-model.ts reads', () => {
    const modes = Object.values(EXPECTED).flatMap((s) =>
      s.checks.flatMap((check) => (check.kind === 'file' && check.permissions ? [check.permissions] : [])),
    );
    expect(modes.length).toBeGreaterThan(10);
    for (const mode of modes) expect(permissionString(mode)).toBe(mode);
  });

  it('leaves out a containerRunOptions variable that is unset or empty in the environment, as CST does', () => {
    const text = readFileSync(path.join(FIXTURES, 'run-options.yaml'), 'utf8');
    expect(parseStructureTest(text, 'r.yaml', FIXTURES, {}).containerRunOptions.env).toEqual({});
    expect(parseStructureTest(text, 'r.yaml', FIXTURES, { ML_IMAGE_CST_TOKEN: '' }).containerRunOptions.env).toEqual(
      {},
    );
  });
});

describe('parseStructureTest: the same tests in v1, v2 and JSON', () => {
  const V2 = `schemaVersion: "2.0.0"
globalEnvVars: [{key: A, value: "1"}]
commandTests:
  - name: ls
    command: ls
    args: ["-l", "/"]
    envVars: [{key: B, value: "2"}, {key: A, value: "3"}]
    exitCode: 0
    expectedOutput: ["bin"]
fileExistenceTests:
  - {name: passwd, path: /etc/passwd, shouldExist: true, permissions: "-rw-r--r--"}
fileContentTests:
  - {name: passwd, path: /etc/passwd, expectedContents: ["root"]}
licenseTests:
  - debian: true
`;
  const V1 = V2.replace('"2.0.0"', '"1.0.0"').replace(
    '    command: ls\n    args: ["-l", "/"]\n',
    '    command: [ls, "-l", /]\n',
  );
  const JSON_FORM = JSON.stringify({
    schemaVersion: '2.0.0',
    globalEnvVars: [{ key: 'A', value: '1' }],
    commandTests: [
      {
        name: 'ls',
        command: 'ls',
        args: ['-l', '/'],
        envVars: [
          { key: 'B', value: '2' },
          { key: 'A', value: '3' },
        ],
        exitCode: 0,
        expectedOutput: ['bin'],
      },
    ],
    fileExistenceTests: [{ name: 'passwd', path: '/etc/passwd', shouldExist: true, permissions: '-rw-r--r--' }],
    fileContentTests: [{ name: 'passwd', path: '/etc/passwd', expectedContents: ['root'] }],
    licenseTests: [{ debian: true }],
  });
  const checksOf = (s: StructureSuite) => s.checks.map(({ location: _, ...rest }) => rest);
  const expected = [
    {
      kind: 'command',
      name: 'ls',
      run: ['ls', '-l', '/'],
      env: { A: '3', B: '2' },
      expectExitCode: 0,
      expectOutput: ['bin'],
      excludeOutput: [],
      expectError: [],
      excludeError: [],
      streams: 'separate',
      dialect: 'cst',
      timeoutMs: 60_000,
      setup: [],
      teardown: [],
    },
    {
      kind: 'file',
      name: 'passwd',
      path: '/etc/passwd',
      shouldExist: true,
      expectContent: ['root'],
      excludeContent: [],
      dialect: 'cst',
    },
    {
      kind: 'file',
      name: 'passwd',
      path: '/etc/passwd',
      shouldExist: true,
      permissions: '-rw-r--r--',
      expectContent: [],
      excludeContent: [],
      dialect: 'cst',
    },
    { kind: 'license', name: 'license', debian: true, files: [] },
  ];

  it.each([
    ['v2', V2, '2.0.0'],
    ['v1', V1, '1.0.0'],
    ['JSON', JSON_FORM, '2.0.0'],
  ])('%s', (_, text, version) => {
    const parsed = parse(text);
    expect(parsed.schemaVersion).toBe(version);
    expect(checksOf(parsed)).toEqual(expected);
    expect(parsed.containerRunOptions).toEqual(NO_CONTAINER_RUN_OPTIONS);
  });

  it('locates a check in JSON too', () => {
    expect(
      parse(JSON.stringify({ schemaVersion: '2.0.0', commandTests: [{ name: 'a', command: 'b' }] }, null, 2)).checks[0]
        .location,
    ).toEqual({ file: 'tests/cst.yaml', line: 4, column: 5 });
  });
});

describe('parseStructureTest: what CST reads the way yaml.v2 does', () => {
  it.each<[string, string, unknown]>([
    [
      'YAML 1.1 booleans (yes/no)',
      'fileExistenceTests: [{name: a, path: /a, shouldExist: no}]',
      { shouldExist: false },
    ],
    [
      'a number where a string goes, as written',
      'metadataTest: {exposedPorts: [8080], envVars: [{key: V, value: 3.10}], user: 1000}',
      { exposedPorts: ['8080'], env: [kv('V', '3.10')], user: '1000' },
    ],
    ['a YAML 1.1 octal uid', 'fileExistenceTests: [{name: a, path: /a, uid: 0755}]', { uid: 493 }],
    ['null lists are empty (args:, files:)', 'commandTests: [{name: a, command: ls, args: }]', { run: ['ls'] }],
    ['metadataTest entrypoint: [] checks that there is none', 'metadataTest: {entrypoint: []}', { entrypoint: [] }],
  ])('%s', (_, body, expected) => {
    expect(parse(`schemaVersion: '2.0.0'\n${body}\n`).checks[0]).toMatchObject(expected as object);
  });

  it.each([
    ['-rw-r--r--', '-rw-r--r--'],
    ['drwxr-xr-x', 'drwxr-xr-x'],
    ['Lrwxrwxrwx', 'lrwxrwxrwx'],
    ['urwxr-xr-x', '-rwsr-xr-x'],
    ['urw-r--r--', '-rwSr--r--'],
    ['gtrwxr-xr--', '-rwxr-sr-T'],
    ['dtrwxrwxrwx', 'drwxrwxrwt'],
    ['Dcrw-rw-rw-', 'crw-rw-rw-'],
    ['Drw-rw----', 'brw-rw----'],
    ['prw-r--r--', 'prw-r--r--'],
    ['Srwxrwxrwx', 'srwxrwxrwx'],
  ])("permissions: Go's %s is %s", (goMode, lsMode) => {
    expect(
      parse(`schemaVersion: '2.0.0'\nfileExistenceTests: [{name: a, path: /a, permissions: '${goMode}'}]\n`).checks[0],
    ).toMatchObject({ permissions: lsMode });
    expect(permissionString(lsMode)).toBe(lsMode);
  });

  it('an empty metadataTest is skipped, as CST skips it', () => {
    expect(parse("schemaVersion: '2.0.0'\nmetadataTest: {}\n").checks).toEqual([]);
  });

  it('bind mounts: relative host paths from the file directory, options kept', () => {
    const parsed = parse(
      "schemaVersion: '2.0.0'\ncontainerRunOptions:\n  bindMounts: ['data:/d', './data:/e:ro,z', '/tmp:/t:rw']\n",
    );
    expect(parsed.containerRunOptions.bindMounts).toEqual([
      `${path.join(FIXTURES, 'data')}:/d`,
      `${path.join(FIXTURES, 'data')}:/e:ro,z`,
      '/tmp:/t:rw',
    ]);
  });
});

// Each: the file text (after `schemaVersion: '2.0.0'` unless it starts with "!"), the exact message.
const SCHEMA_V2 = "schemaVersion: '2.0.0'\n";
const BAD: [string, string, string][] = [
  [
    'invalid YAML',
    '!commandTests: [a, b\n',
    'tests/cst.yaml:2:1: YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
  ],
  [
    'a duplicate key',
    '!schemaVersion: "2.0.0"\nschemaVersion: "1.0.0"\n',
    'tests/cst.yaml:2:1: YAML: Map keys must be unique',
  ],
  [
    'not a mapping',
    '!- schemaVersion\n',
    'tests/cst.yaml:1:1: expected a mapping with "schemaVersion" and the tests (a container-structure-test file)',
  ],
  [
    'an empty file',
    '!',
    'tests/cst.yaml:1:1: expected a mapping with "schemaVersion" and the tests (a container-structure-test file)',
  ],
  [
    'schemaVersion missing',
    '!commandTests: []\n',
    'tests/cst.yaml:1:1: missing required key "schemaVersion" (container-structure-test knows "2.0.0" and "1.0.0")',
  ],
  [
    'schemaVersion unknown',
    "!schemaVersion: '3.0.0'\n",
    'tests/cst.yaml:1:16: schemaVersion: unsupported schemaVersion "3.0.0": container-structure-test knows "2.0.0" and "1.0.0"',
  ],
  [
    'schemaVersion as a number',
    '!schemaVersion: 2.0\n',
    'tests/cst.yaml:1:16: schemaVersion: unsupported schemaVersion "2.0": container-structure-test knows "2.0.0" and "1.0.0"',
  ],
  [
    'an unknown top-level key',
    'comandTests: []\n',
    'tests/cst.yaml:2:1: comandTests: unknown key "comandTests" (did you mean "commandTests"?)',
  ],
  [
    'an unknown key in a test',
    'commandTests:\n  - name: a\n    command: ls\n    timeout: 5\n',
    'tests/cst.yaml:5:5: commandTests[0].timeout: unknown key "timeout"',
  ],
  [
    'unsupported: allocateTty',
    'containerRunOptions:\n  allocateTty: true\n',
    'tests/cst.yaml:3:16: containerRunOptions.allocateTty: not supported: check commands run without a terminal, and their output is matched as written',
  ],
  [
    'metadataTest in schemaVersion 1.0.0',
    "!schemaVersion: '1.0.0'\nmetadataTest:\n  user: root\n",
    'tests/cst.yaml:2:1: metadataTest: "metadataTest" is not in schemaVersion 1.0.0 (container-structure-test has it from 2.0.0 on)',
  ],
  [
    'uid in schemaVersion 1.0.0',
    "!schemaVersion: '1.0.0'\nfileExistenceTests:\n  - name: a\n    path: /a\n    uid: 0\n",
    'tests/cst.yaml:5:5: fileExistenceTests[0].uid: "uid" is not in schemaVersion 1.0.0 (container-structure-test has it from 2.0.0 on)',
  ],
  [
    'args in schemaVersion 1.0.0',
    "!schemaVersion: '1.0.0'\ncommandTests:\n  - name: a\n    command: [ls]\n    args: [-l]\n",
    'tests/cst.yaml:5:5: commandTests[0].args: "args" is not in schemaVersion 1.0.0 (container-structure-test has it from 2.0.0 on)',
  ],
  [
    'a v1 command as a string',
    "!schemaVersion: '1.0.0'\ncommandTests:\n  - name: a\n    command: ls -l\n",
    'tests/cst.yaml:4:14: commandTests[0].command: expected a list, got "ls -l": schemaVersion 1.0.0 takes the whole command line as a list (2.0.0 has command and args)',
  ],
  [
    'a v2 command as a list',
    'commandTests:\n  - name: a\n    command: [ls, -l]\n',
    'tests/cst.yaml:4:14: commandTests[0].command: expected a string: schemaVersion 2.0.0 takes the program in command and its arguments in args',
  ],
  [
    'exitCode not an integer',
    'commandTests:\n  - name: a\n    command: ls\n    exitCode: zero\n',
    'tests/cst.yaml:5:15: commandTests[0].exitCode: expected an integer, got "zero"',
  ],
  [
    'exitCode a fraction',
    'commandTests:\n  - name: a\n    command: ls\n    exitCode: 1.5\n',
    'tests/cst.yaml:5:15: commandTests[0].exitCode: expected an integer, got the number 1.5',
  ],
  [
    'name missing',
    'commandTests:\n  - command: ls\n',
    'tests/cst.yaml:3:5: commandTests[0]: missing required key "name"',
  ],
  [
    'name empty',
    'fileContentTests:\n  - name: ""\n    path: /a\n',
    'tests/cst.yaml:3:11: fileContentTests[0].name: must not be empty',
  ],
  [
    'command missing',
    'commandTests:\n  - name: a\n',
    'tests/cst.yaml:3:5: commandTests[0]: missing required key "command"',
  ],
  [
    'path missing',
    'fileExistenceTests:\n  - name: a\n',
    'tests/cst.yaml:3:5: fileExistenceTests[0]: missing required key "path"',
  ],
  [
    'path null',
    'fileContentTests:\n  - name: a\n    path:\n',
    'tests/cst.yaml:4:10: fileContentTests[0].path: expected a string, got nothing (null)',
  ],
  [
    'a test that is not a mapping',
    'fileContentTests:\n  - /etc/passwd\n',
    'tests/cst.yaml:3:5: fileContentTests[0]: expected a mapping, got "/etc/passwd"',
  ],
  [
    'a section that is not a list',
    'commandTests:\n  name: a\n',
    'tests/cst.yaml:3:3: commandTests: expected a list, got a mapping',
  ],
  [
    'shouldExist quoted',
    'fileExistenceTests:\n  - {name: a, path: /a, shouldExist: "true"}\n',
    'tests/cst.yaml:3:38: fileExistenceTests[0].shouldExist: expected a boolean (true or false), got "true"',
  ],
  [
    'permissions in octal',
    'fileExistenceTests:\n  - {name: a, path: /a, permissions: "0755"}\n',
    `tests/cst.yaml:3:38: fileExistenceTests[0].permissions: expected a mode as container-structure-test prints it (Go's FileMode text: -rw-r--r--, drwxr-xr-x, urwxr-xr-x when setuid, dtrwxrwxrwx for a sticky directory, Lrwxrwxrwx for a link), got "0755"`,
  ],
  [
    'permissions in ls setuid form',
    'fileExistenceTests:\n  - {name: a, path: /a, permissions: "-rwsr-xr-x"}\n',
    `tests/cst.yaml:3:38: fileExistenceTests[0].permissions: expected a mode as container-structure-test prints it (Go's FileMode text: -rw-r--r--, drwxr-xr-x, urwxr-xr-x when setuid, dtrwxrwxrwx for a sticky directory, Lrwxrwxrwx for a link), got "-rwsr-xr-x"`,
  ],
  [
    'permissions without the type',
    'fileExistenceTests:\n  - {name: a, path: /a, permissions: rwxr-xr-x}\n',
    `tests/cst.yaml:3:38: fileExistenceTests[0].permissions: expected a mode as container-structure-test prints it (Go's FileMode text: -rw-r--r--, drwxr-xr-x, urwxr-xr-x when setuid, dtrwxrwxrwx for a sticky directory, Lrwxrwxrwx for a link), got "rwxr-xr-x"`,
  ],
  [
    'permissions letters out of Go order',
    'fileExistenceTests:\n  - {name: a, path: /a, permissions: tdrwxrwxrwx}\n',
    `tests/cst.yaml:3:38: fileExistenceTests[0].permissions: expected a mode as container-structure-test prints it (Go's FileMode text: -rw-r--r--, drwxr-xr-x, urwxr-xr-x when setuid, dtrwxrwxrwx for a sticky directory, Lrwxrwxrwx for a link), got "tdrwxrwxrwx"`,
  ],
  [
    'isExecutableBy unknown',
    'fileExistenceTests:\n  - {name: a, path: /a, isExecutableBy: ownr}\n',
    'tests/cst.yaml:3:41: fileExistenceTests[0].isExecutableBy: expected one of owner, group, other, any, got "ownr" (did you mean "owner"?)',
  ],
  [
    'a negative uid',
    'fileExistenceTests:\n  - {name: a, path: /a, uid: -1}\n',
    'tests/cst.yaml:3:30: fileExistenceTests[0].uid: must be 0 or more, got -1',
  ],
  [
    'permissions with shouldExist false',
    'fileExistenceTests:\n  - name: a\n    path: /a\n    shouldExist: false\n    permissions: "-rw-r--r--"\n',
    'tests/cst.yaml:6:5: fileExistenceTests[0].permissions: is never checked when shouldExist is false',
  ],
  [
    'unboundEnvVars as plain names',
    'metadataTest:\n  unboundEnvVars: [FOO]\n',
    'tests/cst.yaml:3:20: metadataTest.unboundEnvVars[0]: expected a mapping like {key: NAME} (container-structure-test reads unboundEnvVars as EnvVar entries), got "FOO"',
  ],
  [
    'unboundEnvVars with a value',
    'metadataTest:\n  unboundEnvVars:\n    - key: FOO\n      value: bar\n',
    'tests/cst.yaml:5:7: metadataTest.unboundEnvVars[0].value: "value" has no effect in unboundEnvVars: container-structure-test reads only key there',
  ],
  [
    'a port with its protocol',
    'metadataTest:\n  exposedPorts: ["8080/tcp"]\n',
    'tests/cst.yaml:3:18: metadataTest.exposedPorts[0]: expected a port number like "8080" (container-structure-test compares the number without /tcp), got "8080/tcp"',
  ],
  [
    'metadataTest as a list',
    'metadataTest:\n  - user: root\n',
    'tests/cst.yaml:3:3: metadataTest: expected a mapping: metadataTest is a single test, not a list',
  ],
  [
    'workdir empty',
    'metadataTest:\n  workdir: ""\n',
    'tests/cst.yaml:3:12: metadataTest.workdir: must not be empty (leave workdir out to not check it)',
  ],
  [
    'a command env var with an empty value',
    'commandTests:\n  - name: a\n    command: env\n    envVars: [{key: A, value: ""}]\n',
    'tests/cst.yaml:5:31: commandTests[0].envVars[0].value: must not be empty',
  ],
  [
    'isRegex outside metadataTest',
    'globalEnvVars:\n  - {key: A, value: b, isRegex: true}\n',
    'tests/cst.yaml:3:24: globalEnvVars[0].isRegex: "isRegex" has no effect here: container-structure-test reads it only in metadataTest',
  ],
  [
    'an RE2 inline flag',
    'commandTests:\n  - {name: a, command: ls, expectedOutput: ["(?i)bin"]}\n',
    'tests/cst.yaml:3:45: commandTests[0].expectedOutput[0]: inline flags like (?i) are RE2-only and have no equivalent here',
  ],
  [
    'lookahead, which RE2 rejects',
    'fileContentTests:\n  - {name: a, path: /a, excludedContents: ["a(?=b)"]}\n',
    'tests/cst.yaml:3:44: fileContentTests[0].excludedContents[0]: lookahead and lookbehind are not RE2: container-structure-test cannot compile them',
  ],
  [
    '\\z, which JavaScript reads as z',
    "commandTests:\n  - {name: a, command: ls, expectedError: ['done\\z']}\n",
    "tests/cst.yaml:3:44: commandTests[0].expectedError[0]: \\z is read differently by container-structure-test's RE2 and by JavaScript",
  ],
  [
    'a POSIX class',
    "fileContentTests:\n  - {name: a, path: /a, expectedContents: ['[[:digit:]]+']}\n",
    'tests/cst.yaml:3:44: fileContentTests[0].expectedContents[0]: POSIX classes like [[:alpha:]] are RE2-only: write [a-zA-Z]',
  ],
  [
    'an RE2 named group',
    "commandTests:\n  - {name: a, command: ls, expectedOutput: ['(?P<year>\\d{4})']}\n",
    'tests/cst.yaml:3:45: commandTests[0].expectedOutput[0]: (?P<name>...) is RE2-only: write (?<name>...)',
  ],
  [
    'a backreference, which RE2 rejects',
    "commandTests:\n  - {name: a, command: ls, excludedOutput: ['(a)\\1']}\n",
    "tests/cst.yaml:3:45: commandTests[0].excludedOutput[0]: \\1 is read differently by container-structure-test's RE2 and by JavaScript",
  ],
  [
    'two YAML documents',
    'licenseTests: [{debian: true}]\n---\nlicenseTests: []\n',
    'tests/cst.yaml:3:1: YAML: Source contains multiple documents; please use YAML.parseAllDocuments()',
  ],
  [
    'an invalid regular expression',
    "metadataTest:\n  labels: [{key: a, value: '(', isRegex: true}]\n",
    'tests/cst.yaml:3:28: metadataTest.labels[0].value: not a valid regular expression: Invalid regular expression: /(/: Unterminated group',
  ],
  [
    'an empty setup command',
    'commandTests:\n  - {name: a, command: ls, setup: [[]]}\n',
    'tests/cst.yaml:3:36: commandTests[0].setup[0]: must not be an empty command',
  ],
  [
    'a setup command as a string',
    'commandTests:\n  - {name: a, command: ls, setup: ["touch /a"]}\n',
    'tests/cst.yaml:3:36: commandTests[0].setup[0]: expected a command as a list of strings, like ["sh", "-c", "..."], got "touch /a"',
  ],
  [
    'a license test that checks nothing',
    'licenseTests:\n  - debian: false\n',
    'tests/cst.yaml:3:5: licenseTests[0]: checks nothing: set debian: true or list files',
  ],
  [
    'envFile missing',
    'containerRunOptions:\n  envFile: no-such.env\n',
    `tests/cst.yaml:3:12: containerRunOptions.envFile: no such file: ${path.join(FIXTURES, 'no-such.env')}`,
  ],
  [
    'a bind mount of a missing host path',
    'containerRunOptions:\n  bindMounts: ["cache:/cache"]\n',
    `tests/cst.yaml:3:16: containerRunOptions.bindMounts[0]: no such host path: ${path.join(FIXTURES, 'cache')} (a relative path is taken from the test file's directory; named volumes are not supported)`,
  ],
  [
    'a bind mount to a relative container path',
    'containerRunOptions:\n  bindMounts: ["data:mnt"]\n',
    'tests/cst.yaml:3:16: containerRunOptions.bindMounts[0]: the container path must be absolute, got "mnt"',
  ],
  [
    'a bind mount option',
    'containerRunOptions:\n  bindMounts: ["data:/mnt:readonly"]\n',
    'tests/cst.yaml:3:16: containerRunOptions.bindMounts[0]: unknown mount option "readonly" (expected ro, rw, z, Z, shared, rshared, slave, rslave, private, rprivate)',
  ],
  [
    'an envVars entry with a value',
    'containerRunOptions:\n  envVars: ["TOKEN=abc"]\n',
    'tests/cst.yaml:3:13: containerRunOptions.envVars[0]: expected the name of a variable to pass on from this environment, got "TOKEN=abc"',
  ],
  [
    'privileged as a string',
    'containerRunOptions:\n  privileged: "yes"\n',
    'tests/cst.yaml:3:15: containerRunOptions.privileged: expected a boolean (true or false), got "yes"',
  ],
];

describe('parseStructureTest: bad files', () => {
  it.each(BAD)('%s', (_, body, message) => {
    const err = failure(body.startsWith('!') ? body.slice(1) : SCHEMA_V2 + body);
    expect(err).toBeInstanceOf(MlImageError);
    expect(err.message).toBe(message);
  });

  it('reports every problem at once, in file order, each with its location', () => {
    const err = failure(
      `${SCHEMA_V2}commandTests:\n  - command: ls\n    exitCode: "0"\nfileExistenceTests:\n  - {name: a, path: /a, isExecutableBy: all}\n`,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(
      '3 problems in tests/cst.yaml:\n' +
        '  tests/cst.yaml:3:5: commandTests[0]: missing required key "name"\n' +
        '  tests/cst.yaml:4:15: commandTests[0].exitCode: expected an integer, got "0"\n' +
        '  tests/cst.yaml:6:41: fileExistenceTests[0].isExecutableBy: expected one of owner, group, other, any, got "all"',
    );
    expect((err as ConfigError).issues.map((i) => i.location.line)).toEqual([3, 4, 6]);
  });
});
