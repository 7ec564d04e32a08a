// @ts-check
// The hostile-input corpus (issue 11): configs, git contexts and command lines a careless or hostile user
// could hand `ml-image validate` / `plan`. Each case says what must happen: the exit code, a message that
// names the problem (file:line:column where there is a file), and nothing else — no stack trace, no
// "unexpected error", no raw control characters echoed, nothing executed, within a time bound.

const VALID = `version: 1
images:
  - name: acme/x
    context: .
`;

/** A valid config with these lines added under the image (indented 4) and at the top level. */
const img = (...lines) => VALID + lines.map((l) => `    ${l}`).join('\n') + '\n';

/**
 * @typedef {{ name: string, kind: string, files?: Record<string, string | Buffer | { fifo: true } | { dir: true } | { link: string }>,
 *   argv?: string[], env?: Record<string, string>, exit: number, stderr?: RegExp, stdout?: RegExp, maxMs?: number, uid?: number }} Case
 */

/** @type {Case[]} */
export const CASES = [];
const add = (/** @type {Case} */ c) => CASES.push(c);
const config = (kind, name, text, stderr, exit = 1) =>
  add({ kind, name, files: { 'ml-image.yml': text }, argv: ['validate'], exit, stderr });

// ---- YAML itself ----
config('yaml', 'a tab for indentation', 'version: 1\nimages:\n\t- name: acme/x\n', /ml-image\.yml:3:1: YAML: /);
config(
  'yaml',
  'a duplicate key',
  'version: 1\nversion: 1\nimages: [{name: a}]\n',
  /ml-image\.yml:2:1: YAML: Map keys must be unique/,
);
config(
  'yaml',
  'a merge key',
  'version: 1\nbase: &b {context: .}\nimages:\n  - <<: *b\n    name: acme/x\n',
  /unknown key "base"|"<<"/,
);
config(
  'yaml',
  'two documents',
  VALID + '---\nversion: 1\n',
  /ml-image\.yml:5:1: YAML: Source contains multiple documents/,
);
config('yaml', 'an undefined alias', 'version: 1\nimages: *nope\n', /ml-image\.yml:2:9: YAML: Unresolved alias/);
config(
  'yaml',
  'an alias used before its anchor',
  'version: 1\nimages:\n  - name: *n\n  - name: &n acme/x\n',
  /ml-image\.yml:3:\d+: YAML: Unresolved alias/,
);
{
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  let prev = 'a';
  for (const c of 'bcdefghi') {
    lines.push(`${c}: &${c} [${Array(9).fill(`*${prev}`).join(',')}]`);
    prev = c;
  }
  config(
    'yaml',
    'an alias bomb (a billion laughs)',
    `${lines.join('\n')}\nversion: 1\nimages:\n  - name: acme/x\n    labels: { x: "1" }\n    tags: *${prev}\n`,
    /anchors and aliases expand past the limit of 50 \(an alias bomb\?\)/,
  );
}
config(
  'yaml',
  'flow collections nested 5000 deep',
  `version: 1\nimages: ${'['.repeat(5000)}${']'.repeat(5000)}\n`,
  /ml-image\.yml:2:\d+: nested deeper than 64 levels/,
);
config(
  'yaml',
  'flow mappings nested 100 deep',
  `version: 1\nx: ${'{a: '.repeat(100)}1${'}'.repeat(100)}\n`,
  /nested deeper than 64 levels/,
);
config(
  'yaml',
  'brackets inside quotes do not count',
  img(`labels: { x: "${'['.repeat(200)}" }`),
  /^(?![\s\S]*nested deeper)/,
  0,
);
config(
  'yaml',
  'block nesting 300 deep',
  'version: 1\nimages:\n' + Array.from({ length: 300 }, (_, i) => `${'  '.repeat(i + 1)}k${i}:`).join('\n') + ' 1\n',
  /ml-image\.yml:\d+:\d+: /,
);
config('yaml', 'an empty file', '', /expected a mapping with "version" and "images"/);
config('yaml', 'only comments', '# nothing\n# here\n', /expected a mapping with "version" and "images"/);
config('yaml', 'a list at the top', '- version: 1\n', /expected a mapping with "version" and "images"/);
config('yaml', 'a scalar at the top', 'hello\n', /expected a mapping with "version" and "images"/);
config('yaml', 'an unclosed quote', 'version: 1\nimages: [{name: "acme}]\n', /ml-image\.yml:\d+:\d+: YAML: /);
config('yaml', 'an unclosed flow sequence', 'version: 1\nimages: [\n', /ml-image\.yml:\d+:\d+: YAML: /);
config(
  'yaml',
  'a 2 MB file',
  `version: 1\nimages:\n  - name: acme/x\n    labels:\n${Array.from({ length: 80_000 }, (_, i) => `      k${i}: "value-${i}"`).join('\n')}\n`,
  /config file ml-image\.yml is \d+\.\d MB; the limit is 1 MB/,
);
add({
  kind: 'yaml',
  name: 'binary garbage',
  files: { 'ml-image.yml': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)) },
  argv: ['validate'],
  exit: 1,
  stderr: /not text \(it holds NUL bytes\)|YAML: /,
});
add({
  kind: 'yaml',
  name: 'invalid UTF-8',
  files: {
    'ml-image.yml': Buffer.concat([
      Buffer.from('version: 1\nimages:\n  - name: "'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('"\n'),
    ]),
  },
  argv: ['validate'],
  exit: 1,
  stderr: /images\[0\]\.name/,
});
config(
  'yaml',
  'a NUL byte in a value',
  'version: 1\nimages:\n  - name: "acme\0x"\n',
  /not text \(it holds NUL bytes\)/,
);
config(
  'yaml',
  'YAML 1.1 booleans stay strings where strings are asked',
  img('build-args: { FLAG: yes }'),
  /^(?![\s\S]*unexpected)/,
  0,
);
config('yaml', 'a very long line', img(`labels: { x: "${'a'.repeat(500_000)}" }`), /^(?![\s\S]*unexpected)/, 0);

// ---- the file itself ----
add({
  kind: 'file',
  name: 'a missing config',
  files: {},
  argv: ['validate'],
  exit: 1,
  stderr: /config file not found: ml-image\.yml/,
});
add({
  kind: 'file',
  name: 'a directory given as the config',
  files: { 'ml-image.yml': { dir: true } },
  argv: ['validate'],
  exit: 1,
  stderr: /config file is not a regular file: ml-image\.yml/,
});
add({
  kind: 'file',
  name: 'a FIFO given as the config',
  files: { 'ml-image.yml': { fifo: true } },
  argv: ['validate'],
  exit: 1,
  stderr: /config file is not a regular file: ml-image\.yml/,
});
add({
  kind: 'file',
  name: '/dev/zero given as the config',
  files: {},
  argv: ['validate', '-c', '/dev/zero'],
  exit: 1,
  stderr: /config file is not a regular file: \/dev\/zero/,
});
add({
  kind: 'file',
  name: '/dev/null given as the config',
  files: {},
  argv: ['validate', '-c', '/dev/null'],
  exit: 1,
  stderr: /config file is not a regular file: \/dev\/null/,
});
add({
  kind: 'file',
  name: 'an unreadable config',
  files: { 'ml-image.yml': VALID },
  argv: ['validate'],
  exit: 1,
  stderr: /cannot read config file ml-image\.yml: permission denied/,
  uid: 65534,
});
add({
  kind: 'file',
  name: 'a config that is a link out of the repository',
  files: { 'ml-image.yml': { link: '/etc/hostname' } },
  argv: ['validate'],
  exit: 1,
  stderr: /ml-image\.yml:/,
});

// ---- wrong types ----
for (const [name, text, where] of [
  ['version as a string', 'version: "1"\nimages: [{name: a}]\n', /version/],
  ['version 2', 'version: 2\nimages: [{name: a}]\n', /version/],
  ['images as a mapping', 'version: 1\nimages: {a: 1}\n', /images: expected a list/],
  ['images empty', 'version: 1\nimages: []\n', /images/],
  ['an image as a number', 'version: 1\nimages: [1]\n', /images\[0\]/],
  ['a name as a number', 'version: 1\nimages: [{name: 42}]\n', /images\[0\]\.name/],
  ['a name as a list', 'version: 1\nimages: [{name: [a]}]\n', /images\[0\]\.name/],
  ['context as a list', img('context: [a]').replace('    context: .\n', ''), /context/],
  ['tags as a mapping', img('tags: {a: 1}'), /images\[0\]\.tags/],
  ['build-args as a list', img('build-args: [A]'), /images\[0\]\.build-args/],
  ['a build-arg as a mapping', img('build-args: { A: { b: 1 } }'), /images\[0\]\.build-args\.A/],
  ['labels as a string', img('labels: x'), /images\[0\]\.labels/],
  ['platforms as a string', img('platforms: linux/amd64'), /images\[0\]\.platforms/],
  ['a bad platform', img('platforms: [amd64]'), /a platform like linux\/amd64/],
  ['gpu as a string', img('gpu: "yes"'), /images\[0\]\.gpu/],
  ['smoke-test as a string', img('smoke-test: run it'), /images\[0\]\.smoke-test/],
  ['a command as a string', img('smoke-test: { commands: [{ run: "python3 -c 1" }] }'), /commands\[0\]\.run/],
  ['an empty command', img('smoke-test: { commands: [{ run: [] }] }'), /commands\[0\]\.run/],
  ['a port as a string', img('smoke-test: { http: { port: "8080" } }'), /http\.port/],
  ['a port out of range', img('smoke-test: { http: { port: 70000 } }'), /http\.port/],
  ['an exit code of 300', img('smoke-test: { commands: [{ run: [x], expect-exit-code: 300 }] }'), /expect-exit-code/],
  ['push as a list', VALID + 'push: []\n', /push/],
  ['registries as a string', VALID + 'push: { registries: ghcr.io }\n', /push\.registries/],
  ['cache as a number', img('cache: 5'), /images\[0\]\.cache/],
  ['an unknown cache backend', img('cache: { backend: s3 }'), /cache\.backend/],
  ['a negative timeout', img('smoke-test: { timeout: -5 }'), /smoke-test\.timeout/],
  ['a zero timeout', img('smoke-test: { timeout: 0s }'), /smoke-test\.timeout/],
  ['a timeout of 1e99 seconds', img('smoke-test: { timeout: 1e99 }'), /smoke-test\.timeout/],
  ['a timeout of ten million hours', img('smoke-test: { timeout: 99999999h }'), /smoke-test\.timeout/],
  ['mounts-max-size without a unit', img('cache: { mounts-max-size: 500 }'), /mounts-max-size/],
  ['secrets as a string', img('secrets: HF_TOKEN'), /images\[0\]\.secrets/],
  ['variants as a list', img('variants: [cpu]'), /images\[0\]\.variants/],
])
  config('types', name, text, where);

// ---- unknown keys ----
for (const [name, text, where] of [
  ['a typo at the top', VALID + 'pussh: {}\n', /unknown key "pussh" \(did you mean "push"\?\)/],
  ['a typo in an image', img('dockerfiel: x'), /unknown key "dockerfiel"/],
  ['__proto__ at the top', VALID + '__proto__: { polluted: 1 }\n', /__proto__/],
  ['__proto__ in an image', img('__proto__: { polluted: 1 }'), /__proto__/],
  ['constructor in labels stays a label', img('labels: { constructor: x }'), /^(?![\s\S]*unexpected)/],
  ['prototype in build-args', img('build-args: { prototype: x }'), /^(?![\s\S]*unexpected)/],
  ['constructor as a key of smoke-test', img('smoke-test: { constructor: 1 }'), /constructor/],
  ['__proto__ in a variant', img('variants: { cpu: { __proto__: { x: 1 } } }'), /__proto__/],
])
  config('keys', name, text, where, /\^\(\?!/.test(where.source) ? 0 : 1);

// ---- names: images, registries, variants ----
for (const [name, text, where] of [
  [
    'a 300-character image name',
    `version: 1\nimages:\n  - name: acme/${'x'.repeat(300)}\n    context: .\n`,
    /images\[0\]\.name/,
  ],
  ['an image name with ..', 'version: 1\nimages: [{name: "acme/../x"}]\n', /images\[0\]\.name/],
  ['an image name starting with -', 'version: 1\nimages: [{name: "-x"}]\n', /images\[0\]\.name/],
  ['an image name with a space', 'version: 1\nimages: [{name: "acme x"}]\n', /images\[0\]\.name/],
  ['an image name with ANSI escapes', 'version: 1\nimages: [{name: "\\u001b[31mred"}]\n', /images\[0\]\.name/],
  ['a registry with a scheme', VALID + 'push: { registries: ["https://ghcr.io"] }\n', /push\.registries\[0\]/],
  ['a registry with a space', VALID + 'push: { registries: ["ghcr .io"] }\n', /push\.registries\[0\]/],
  ['a registry with a newline', VALID + 'push: { registries: ["ghcr.io\\nx"] }\n', /push\.registries\[0\]/],
  ['a variant name with a slash', img('variants: { "a/b": {} }'), /variant name/],
  ['a variant name of 200 characters', img(`variants: { ${'v'.repeat(200)}: {} }`), /variant name/],
  [
    'two images with the same name',
    `version: 1\nimages:\n  - name: acme/x\n  - name: ACME/X\n`,
    /duplicate image name/,
  ],
  [
    'colliding job ids',
    `version: 1\nimages:\n  - name: acme/x-y\n  - name: acme/x\n    variants: { "y": {}, z: {} }\n`,
    /ml-image\.yml:5:17: images\[1\]\.variants\.y: acme\/x \(y\) and acme\/x-y at ml-image\.yml:3:11 \(images\[0\]\.name\) would both get job id acme-x-y/,
  ],
])
  config('names', name, text, where, 1);

// ---- one target over another, and names that are not names (issue 17) ----
// The scratch repository has no git history, so the default tag rules give no tag: these set their own.
// Each runs through validate and plan, which must refuse it with the same message.
const tagged = (...lines) =>
  [
    'version: 1',
    'images:',
    '  - name: acme/iris',
    '    tags: [latest, "0.1.0"]',
    ...lines.map((l) => `    ${l}`),
    'push: { registries: [ghcr.io] }',
    '',
  ].join('\n');
const both = (kind, name, text, stderr, planArgs = []) => {
  add({ kind, name: `${name} (validate)`, files: { 'ml-image.yml': text }, argv: ['validate'], exit: 1, stderr });
  // Nothing on stdout: no plan, no matrix, so no line of it can reach a workflow.
  add({
    kind,
    name: `${name} (plan)`,
    files: { 'ml-image.yml': text },
    argv: ['plan', ...planArgs],
    exit: 1,
    stderr,
    stdout: /^$/,
  });
};
const PUSH = (ref) => `would both push ${ref.replace(/[.]/g, '\\.')}: whichever pushes last replaces the other's image`;
both(
  'unique',
  'cuda with tag-suffix -gpu, then gpu',
  tagged('variants: {cpu: {}, cuda: {tag-suffix: "-gpu"}, gpu: {}}'),
  new RegExp(
    `ml-image\\.yml:5:53: images\\[0\\]\\.variants\\.gpu: acme/iris \\(gpu\\) and acme/iris \\(cuda\\) at ml-image\\.yml:5:44 \\(images\\[0\\]\\.variants\\.cuda\\.tag-suffix\\) ${PUSH('ghcr.io/acme/iris:latest-gpu')}`,
  ),
);
both(
  'unique',
  'gpu, then cuda with tag-suffix -gpu (mirror)',
  tagged('variants: {cpu: {}, gpu: {}, cuda: {tag-suffix: "-gpu"}}'),
  /ml-image\.yml:5:53: images\[0\]\.variants\.cuda\.tag-suffix: acme\/iris \(cuda\) and acme\/iris \(gpu\) at ml-image\.yml:5:25 \(images\[0\]\.variants\.gpu\) would both push ghcr\.io\/acme\/iris:latest-gpu/,
);
both(
  'unique',
  "a variant's latest-tag 0.1.0 against the image tag 0.1.0",
  tagged('variants: {cpu: {}, cuda: {latest-tag: "0.1.0"}}'),
  /ml-image\.yml:5:44: images\[0\]\.variants\.cuda\.latest-tag: acme\/iris \(cuda\) and acme\/iris \(cpu\) at ml-image\.yml:4:20 \(images\[0\]\.tags\[1\]\) would both push ghcr\.io\/acme\/iris:0\.1\.0/,
);
both(
  'unique',
  'images acme/foo-bar and acme/foo.bar',
  'version: 1\nimages:\n  - name: acme/foo-bar\n  - name: acme/foo.bar\n',
  /ml-image\.yml:4:11: images\[1\]\.name: acme\/foo\.bar and acme\/foo-bar at ml-image\.yml:3:11 \(images\[0\]\.name\) would both get job id acme-foo-bar/,
);
both(
  'unique',
  'images acme/foo.bar and acme/foo-bar (mirror)',
  'version: 1\nimages:\n  - name: acme/foo.bar\n  - name: acme/foo-bar\n',
  /ml-image\.yml:4:11: images\[1\]\.name: acme\/foo-bar and acme\/foo\.bar at ml-image\.yml:3:11 \(images\[0\]\.name\) would both get job id acme-foo-bar/,
);
both(
  'unique',
  'variants a.b and a-b',
  tagged('variants: {a.b: {}, a-b: {}}'),
  /ml-image\.yml:5:25: images\[0\]\.variants\.a-b: acme\/iris \(a-b\) and acme\/iris \(a\.b\) at ml-image\.yml:5:16 \(images\[0\]\.variants\.a\.b\) would both get job id acme-iris-a-b/,
);
both(
  'unique',
  'two platforms with one slug',
  tagged('platforms: [linux/arm64/v8, linux/arm64_v8]'),
  /ml-image\.yml:5:33: images\[0\]\.platforms\[1\]: acme\/iris on linux\/arm64_v8 and acme\/iris on linux\/arm64\/v8 at ml-image\.yml:5:17 \(images\[0\]\.platforms\[0\]\) would both get job id acme-iris-linux-arm64-v8/,
);
const irises = 'version: 1\nimages:\n  - name: iris\n    tags: [latest]\n  - name: acme/iris\n    tags: [latest]\n';
both(
  'unique',
  'two images, one reference through push.registries',
  `${irises}push: { registries: [ghcr.io/acme, ghcr.io] }\n`,
  /ml-image\.yml:6:12: images\[1\]\.tags\[0\]: acme\/iris and iris at ml-image\.yml:4:12 \(images\[0\]\.tags\[0\]\) would both push ghcr\.io\/acme\/iris:latest: .* \(through push\.registries ghcr\.io\/acme and ghcr\.io\)/,
);
add({
  kind: 'unique',
  name: 'two images, one reference through --registry',
  files: { 'ml-image.yml': irises },
  argv: ['plan', '--push', '--registry', 'ghcr.io', '--registry', 'ghcr.io/acme'],
  exit: 1,
  stderr:
    /images\[1\]\.tags\[0\]: acme\/iris and iris at ml-image\.yml:4:12 \(images\[0\]\.tags\[0\]\) would both push ghcr\.io\/acme\/iris:latest: .* \(through --registry ghcr\.io\/acme and ghcr\.io\)/,
});
for (const r of ['--all-tags', '..', '-', '127.0.0.1:99999', 'acme']) {
  config(
    'names',
    `the registry ${JSON.stringify(r)} in push.registries`,
    `${VALID}push: { registries: [${JSON.stringify(r)}] }\n`,
    new RegExp(
      `ml-image\\.yml:5:22: push\\.registries\\[0\\]: expected a registry host\\[:port\\].*got "${r.replace(/[.]/g, '\\.')}"`,
    ),
  );
  add({
    kind: 'argv',
    name: `--registry=${r}`,
    files: { 'ml-image.yml': VALID },
    argv: ['plan', '--push', `--registry=${r}`],
    exit: 2,
    stderr: new RegExp(`--registry: expected a registry host\\[:port\\].*got "${r.replace(/[.]/g, '\\.')}"`),
  });
}
both(
  'values',
  'a raw tag "---"',
  img('tags: ["---"]'),
  /ml-image\.yml:5:12: images\[0\]\.tags\[0\]: tag "---" starts with "-"/,
);
both(
  'values',
  'a raw tag of 200 characters',
  img(`tags: ["${'a'.repeat(200)}"]`),
  /ml-image\.yml:5:12: images\[0\]\.tags\[0\]: tag "a+\.\.\." is 200 characters long/,
);
both(
  'values',
  'a line break and a workflow command in runs-on',
  img('runs-on: "ubuntu-latest\\n::error title=injected::from runs-on"'),
  /ml-image\.yml:5:14: images\[0\]\.runs-on: runner label "ubuntu-latest\\n::error title=injected::from runs-on" holds a line break/,
  ['--format', 'matrix'],
);
both(
  'values',
  'an option-like runner label',
  img('runs-on: [self-hosted, "--privileged"]'),
  /ml-image\.yml:5:28: images\[0\]\.runs-on\[1\]: runner label "--privileged" starts with "-"/,
);
both(
  'values',
  'a line break in a label value',
  img('labels: { description: "a\\nforged=1" }'),
  /ml-image\.yml:5:28: images\[0\]\.labels\.description: the value holds a line break/,
);

// ---- paths escaping the repository ----
config('paths', 'a context of ../..', img('context: ../..').replace('    context: .\n', ''), /outside the repository/);
config(
  'paths',
  'a Dockerfile in another directory tree',
  img('dockerfile: ../../../etc/passwd'),
  /outside the repository/,
);
add({
  kind: 'paths',
  name: 'a context that is a link out of the repository',
  files: { 'ml-image.yml': img('context: out').replace('    context: .\n', ''), out: { link: '/etc' } },
  argv: ['validate'],
  exit: 1,
  stderr: /outside the repository/,
});
config(
  'paths',
  'a structure-test file outside',
  img('smoke-test: { structure-tests: [../../x.yaml] }'),
  /outside the repository/,
);
config(
  'paths',
  'a volume source outside',
  img('smoke-test: { volumes: [{ source: /etc, target: /x }] }'),
  /outside the repository/,
);
config(
  'paths',
  'a missing Compose file',
  img('smoke-test: { compose: { file: nope.yaml, service: app } }'),
  /Compose file not found/,
);

// ---- regular expressions ----
for (const [name, text, where] of [
  [
    'catastrophic backtracking in expect-output',
    img('smoke-test: { commands: [{ run: [x], expect-output: ["(a+)+$"] }] }'),
    /has a quantifier inside a quantified group/,
  ],
  [
    'catastrophic backtracking in expect-body',
    img('smoke-test: { http: { port: 80, checks: [{ path: /, expect-body: "(\\\\w*)*x" }] } }'),
    /has a quantifier inside a quantified group/,
  ],
  [
    'catastrophic backtracking in a type=match tag',
    img('tags: ["type=match,pattern=(a*)*b"]'),
    /has a quantifier inside a quantified group/,
  ],
  [
    'an invalid regular expression',
    img('smoke-test: { commands: [{ run: [x], expect-output: ["("] }] }'),
    /invalid regular expression/,
  ],
  [
    'a quantified class is fine',
    img('smoke-test: { commands: [{ run: [x], expect-output: ["^[a-z]+(-[0-9]+)?$"] }] }'),
    /^(?![\s\S]*quantified)/,
  ],
])
  config('regex', name, text, where, /\^\(\?!/.test(where.source) ? 0 : 1);

// ---- keys and values the engine or HTTP would take differently ----
for (const [name, text, where, exit] of [
  [
    'CR/LF in an HTTP header value',
    img('smoke-test: { http: { port: 80, checks: [{ path: /, headers: { X-A: "a\\r\\nInjected: 1" } }] } }'),
    /holds a line break, which would split the request/,
    1,
  ],
  [
    'a header name with a space',
    img('smoke-test: { http: { port: 80, checks: [{ path: /, headers: { "X A": b } }] } }'),
    /is not a valid HTTP header name/,
    1,
  ],
  [
    'an env name with a dash',
    img('smoke-test: { env: { "MY-VAR": x } }'),
    /is not a valid environment variable name/,
    1,
  ],
  ['an env value with a newline', img('smoke-test: { env: { A: "x\\ny" } }'), /holds a line break/, 1],
  ['a build-arg name with =', img('build-args: { "A=B": x }'), /is not a valid build argument name/, 1],
  ['a label key with a space', img('labels: { "a b": x }'), /is not a valid label key/, 1],
  [
    'a build arg that looks like a token',
    img('build-args: { HF_TOKEN: "hf_abcdefghijklmnop" }'),
    /build argument HF_TOKEN looks like a secret/,
    0,
  ],
  [
    'a build arg whose value is a GitHub token',
    img('build-args: { PIP_EXTRA: "ghp_0123456789abcdefghij0123456789abcdef" }'),
    /build argument PIP_EXTRA looks like a secret/,
    0,
  ],
  ['a build arg named like an AWS key', img('build-args: { AWS_SECRET_ACCESS_KEY: x }'), /looks like a secret/, 0],
  [
    'a secret-looking build arg, policy error',
    `policy: { secret-build-args: error }\n${img('build-args: { HF_TOKEN: "hf_abcdefghijklmnop" }')}`,
    /ml-image\.yml:6:19: images\[0\]\.build-args\.HF_TOKEN: build argument HF_TOKEN looks like a secret .*policy\.secret-build-args: error/,
    1,
  ],
  [
    'a secret-looking variant build arg, policy error',
    `policy: { secret-build-args: error }\n${img('variants: { cuda: { build-args: { AKIA: "AKIAABCDEFGHIJKLMNOP" } } }')}`,
    /ml-image\.yml:6:\d+: images\[0\]\.variants\.cuda\.build-args\.AKIA: build argument AKIA looks like a secret/,
    1,
  ],
  [
    'a bad policy value',
    `policy: { secret-build-args: deny }\n${VALID}`,
    /ml-image\.yml:1:\d+: policy\.secret-build-args: .*warn, error, off|must be one of/,
    1,
  ],
])
  config('values', name, text, where, exit);
add({
  kind: 'values',
  name: 'a secret-looking build arg, policy off',
  files: {
    'ml-image.yml': `policy: { secret-build-args: off }\n${img('build-args: { HF_TOKEN: "hf_abcdefghijklmnop" }')}`,
  },
  argv: ['validate'],
  exit: 0,
  stderr: /^(?![\s\S]*looks like a secret)/,
});

// ---- hostile git context (plan reads it; nothing may run) ----
const hostileRefs = [
  ['a branch with a newline', 'refs/heads/a\nb'],
  ['a branch with quotes', 'refs/heads/a"b\'c'],
  ['a branch with $(...)', 'refs/heads/$(touch CANARY)'],
  ['a branch with backticks', 'refs/heads/`touch CANARY`'],
  ['a branch starting with --', 'refs/heads/--upload-pack=touch CANARY'],
  ['a branch with unicode', 'refs/heads/fé-ß-雪'],
  ['a 300-character branch', `refs/heads/${'b'.repeat(300)}`],
  ['a tag with ANSI escapes', 'refs/tags/v1.0.0\u001b[31m'],
  ['a tag of only dots', 'refs/tags/...'],
  ['an empty ref', ''],
];
for (const [name, ref] of hostileRefs) {
  add({
    kind: 'git',
    name,
    files: { 'ml-image.yml': VALID, 'event.json': '{}' },
    argv: ['plan', '--format', 'json'],
    env: {
      GITHUB_ACTIONS: 'true',
      GITHUB_REF: ref,
      GITHUB_EVENT_NAME: 'push',
      GITHUB_SHA: 'a'.repeat(40),
      GITHUB_EVENT_PATH: 'event.json',
    },
    exit: 0,
    stdout: /"jobs"/,
  });
}
add({
  kind: 'git',
  name: 'an event path at /dev/zero',
  files: { 'ml-image.yml': VALID },
  argv: ['plan'],
  env: {
    GITHUB_ACTIONS: 'true',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: '/dev/zero',
  },
  exit: 1,
  stderr: /GITHUB_EVENT_PATH \/dev\/zero is not a regular file/,
});
add({
  kind: 'git',
  name: 'an event payload that is not JSON',
  files: { 'ml-image.yml': VALID, 'event.json': '{not json' },
  argv: ['plan'],
  env: {
    GITHUB_ACTIONS: 'true',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: 'event.json',
  },
  exit: 0,
});
add({
  kind: 'git',
  name: 'a 30 MB event payload',
  files: { 'ml-image.yml': VALID, 'event.json': `{"x": "${'a'.repeat(30 * 1024 * 1024)}"}` },
  argv: ['plan'],
  env: {
    GITHUB_ACTIONS: 'true',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: 'event.json',
  },
  exit: 1,
  stderr: /the limit is 25 MB/,
});

// ---- command lines ----
for (const [name, argv, where] of [
  ['an unknown command', ['deploy'], /unknown command "deploy"/],
  ['an unknown flag', ['validate', '--frobnicate'], /Unknown option '--frobnicate'/],
  ['--config without its value', ['validate', '--config'], /--config/],
  ['a stray argument', ['validate', 'extra'], /unexpected argument "extra"/],
  ['--format on build', ['build', '--format', 'json'], /--format goes with plan/],
  ['a bad --format', ['plan', '--format', 'xml'], /--format must be table, json or matrix/],
  ['a bad --cache-backend', ['build', '--cache-backend', 's3'], /--cache-backend must be one of/],
  ['a bad --min-free-space', ['build', '--min-free-space', 'lots'], /--min-free-space must be a size/],
  ['--password-stdin without --username', ['build', '--password-stdin'], /--password-stdin needs --username/],
  ['test without an image', ['test'], /test needs the image to test/],
  ['merge without --plan', ['merge'], /merge needs --plan FILE/],
  ['--structure-test on build', ['build', '--structure-test', 'x.yaml'], /--structure-test goes with test/],
  ['--only an unknown entry', ['plan', '--only', 'nope'], /no matrix entry "nope" in the plan/],
])
  add({
    kind: 'argv',
    name,
    files: { 'ml-image.yml': VALID },
    argv,
    exit: name === '--only an unknown entry' ? 1 : 2,
    stderr: where,
  });
