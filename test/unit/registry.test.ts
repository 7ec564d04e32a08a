import { describe, expect, it } from '@jest/globals';
import { MlImageError } from '../../src/errors.js';
import {
  checkUsable,
  credentialsFor,
  parseRegistryAuth,
  registryHost,
  type RegistryCredential,
} from '../../src/registry/auth.js';
import { parsePushDigest } from '../../src/registry/push-by-tag.js';
import { backoffMs, classifyFailure, DEFAULT_RETRY, withRetries } from '../../src/registry/retry.js';
import { MemoryLogger } from '../../src/log/log.js';
import { caught } from './helpers.js';

describe('registryHost', () => {
  it.each([
    { registry: 'ghcr.io', want: 'ghcr.io' },
    { registry: 'ghcr.io/acme', want: 'ghcr.io' },
    { registry: 'GHCR.IO/acme', want: 'ghcr.io' },
    { registry: '127.0.0.1:5000', want: '127.0.0.1:5000' },
    { registry: 'localhost:5000/team/sub', want: 'localhost:5000' },
    { registry: 'docker.io', want: 'docker.io' },
    { registry: 'docker.io/acme', want: 'docker.io' },
    { registry: 'index.docker.io', want: 'docker.io' },
    { registry: 'registry-1.docker.io/library', want: 'docker.io' },
    { registry: 'registry.hub.docker.com', want: 'docker.io' },
    { registry: 'quay.io', want: 'quay.io' },
  ])('$registry → $want', ({ registry, want }) => {
    expect(registryHost(registry)).toBe(want);
  });
});

describe('parseRegistryAuth', () => {
  it.each([
    { name: 'empty input', text: '', want: [] },
    { name: 'blank input', text: '  \n\n', want: [] },
    {
      name: 'two registries, block and flow style',
      text: '- registry: ghcr.io\n  username: octo\n  password: "p@ss: w#rd"\n- {registry: "127.0.0.1:5000", username: ci, password: s3cret}\n',
      want: [
        { registry: 'ghcr.io', username: 'octo', password: 'p@ss: w#rd' },
        { registry: '127.0.0.1:5000', username: 'ci', password: 's3cret' },
      ],
    },
    {
      name: 'a namespaced registry is kept as written',
      text: '- registry: ghcr.io/acme\n  username: octo\n  password: tok\n',
      want: [{ registry: 'ghcr.io/acme', username: 'octo', password: 'tok' }],
    },
    {
      name: 'a quoted numeric password stays text',
      text: '- registry: ghcr.io\n  username: u\n  password: "0123"\n',
      want: [{ registry: 'ghcr.io', username: 'u', password: '0123' }],
    },
    {
      // docker/login-action's README example, as the runner hands it over once the ${{ }} are substituted.
      name: "login-action's README example: registry omitted means Docker Hub",
      text: '- username: dockerhub-user\n  password: dckr_pat_x1\n- registry: ghcr.io\n  username: octocat\n  password: ghs_t0ken\n',
      want: [
        { registry: 'docker.io', username: 'dockerhub-user', password: 'dckr_pat_x1' },
        { registry: 'ghcr.io', username: 'octocat', password: 'ghs_t0ken' },
      ],
    },
    {
      name: 'an empty registry means Docker Hub too (login-action: registry || docker.io)',
      text: "- registry: ''\n  username: u\n  password: p1\n",
      want: [{ registry: 'docker.io', username: 'u', password: 'p1' }],
    },
    {
      name: 'a registry with a port',
      text: '- registry: registry.example.com:5443\n  username: ci\n  password: s3cret\n',
      want: [{ registry: 'registry.example.com:5443', username: 'ci', password: 's3cret' }],
    },
  ])('$name', ({ text, want }) => {
    expect(parseRegistryAuth(text, 'input registry-auth')).toEqual(want);
  });

  const SECRET = 'hunter2-Sup3rS3cret';
  const errors: { name: string; text: string; message: string }[] = [
    {
      name: 'not YAML',
      text: `- registry: ghcr.io\n  username: u\n  password: ${SECRET}: [\n`,
      message: 'input registry-auth: not valid YAML (expected a list of registry, username, password)',
    },
    {
      name: 'unclosed flow mapping',
      text: `- {registry: ghcr.io, username: u, password: ${SECRET}\n`,
      message: 'input registry-auth: not valid YAML (expected a list of registry, username, password)',
    },
    {
      name: 'a mapping, not a list',
      text: `registry: ghcr.io\nusername: u\npassword: ${SECRET}\n`,
      message: 'input registry-auth: expected a list of registry, username, password',
    },
    { name: 'a scalar', text: SECRET, message: 'input registry-auth: expected a list of registry, username, password' },
    {
      name: 'an item that is not a mapping',
      text: `- registry: ghcr.io\n  username: u\n  password: x1x\n- ghcr.io:u:${SECRET}\n`,
      message: 'input registry-auth[1]: expected a mapping with registry, username, password',
    },
    {
      name: 'ecr (login-action) is refused, not ignored',
      text: `- registry: 1.dkr.ecr.us-east-1.amazonaws.com\n  username: AKIA\n  password: ${SECRET}\n  ecr: true\n`,
      message:
        'input registry-auth[0]: "ecr" (docker/login-action) is not supported: log in to ECR with aws-actions/amazon-ecr-login before this step (its login is used for registries without credentials here)',
    },
    {
      name: 'scope (login-action) is refused, not ignored',
      text: `- username: u\n  password: ${SECRET}\n  scope: '@push'\n`,
      message:
        'input registry-auth[0]: "scope" (docker/login-action) is not supported: scoped buildx credentials are not supported; give the registry a username and password',
    },
    {
      name: 'password is a list',
      text: `- registry: ghcr.io\n  username: u\n  password: [${SECRET}]\n`,
      message: 'input registry-auth[0]: "password" must be a string (quote it)',
    },
    {
      name: 'password is a mapping',
      text: `- registry: ghcr.io\n  username: u\n  password:\n    ${SECRET}: 1\n`,
      message: 'input registry-auth[0]: "password" must be a string (quote it)',
    },
    {
      name: 'unknown key (misspelt password)',
      text: `- registry: ghcr.io\n  username: u\n  password: ${SECRET}\n  pasword: ${SECRET}\n`,
      message: 'input registry-auth[0]: unknown key "pasword" (did you mean "password"?)',
    },
    {
      name: 'unknown key (user)',
      text: `- registry: ghcr.io\n  user: u\n  password: ${SECRET}\n`,
      message: 'input registry-auth[0]: unexpected key (only registry, username and password are allowed)',
    },
  ];

  it.each(errors)('error: $name', ({ text, message }) => {
    const err = caught(() => parseRegistryAuth(text, 'input registry-auth'));
    expect(err).toBeInstanceOf(MlImageError);
    expect(err.message).toBe(message);
  });

  it.each(errors)('the password never appears in the error: $name', ({ text }) => {
    const err = caught(() => parseRegistryAuth(text, 'input registry-auth'));
    expect(err.message).not.toContain(SECRET);
    expect(err.message).not.toContain('x1x');
  });

  // Regression test for a fixed bug (src/registry/auth.ts parseRegistryAuth(), line 43): an unknown key is echoed verbatim. When a user
  // forgets the "password:" key in a flow mapping — `{registry: ghcr.io, username: u, <token>}` — the token
  // becomes a key and is printed in the error (and in the Action, before any core.setSecret ran for it).
  // Now: the message names the item and the problem without echoing arbitrary key text (e.g. only echo a
  // key that is close to a known one, or none at all).
  it('a password written as a bare key is not echoed', () => {
    const err = caught(() =>
      parseRegistryAuth(`- {registry: ghcr.io, username: u, ${SECRET}}\n`, 'input registry-auth'),
    );
    expect(err).toBeInstanceOf(MlImageError);
    expect(err.message).not.toContain(SECRET);
  });

  // Regression test for a fixed bug (src/registry/auth.ts parseRegistryAuth() field(), lines 45-48): numbers are accepted and converted
  // with String() AFTER YAML parsed them, so an unquoted numeric username or password is silently changed:
  // `password: 0123` → "123", `username: 007` → "7", `password: 1e3` → "1000", `password: 0x1F` → "31".
  // The login then fails with a misleading "unauthorized". Now refused with a "quote it" error rather than
  // guessed at: YAML has already turned 0123 into 123 when we see it. Never a different credential.
  it.each([
    [
      '- registry: ghcr.io\n  username: 007\n  password: "x"\n',
      'input registry-auth[0]: "username" must be a string (quote it)',
    ],
    [
      '- registry: ghcr.io\n  username: u\n  password: 0123\n',
      'input registry-auth[0]: "password" must be a string (quote it)',
    ],
  ])('unquoted numeric credentials are refused, never altered: %j', (text, message) => {
    expect(() => parseRegistryAuth(text, 'input registry-auth')).toThrow(message);
  });
});

describe('parseRegistryAuth: empty secrets (a pull request from a fork) parse, checkUsable refuses them when pushing', () => {
  it.each([
    {
      name: 'missing password',
      text: '- registry: ghcr.io\n  username: u\n',
      want: { registry: 'ghcr.io', username: 'u', password: '' },
    },
    {
      name: 'empty username and password',
      text: '- username:\n  password:\n',
      want: { registry: 'docker.io', username: '', password: '' },
    },
  ])('$name', ({ text, want }) => {
    expect(parseRegistryAuth(text, 'input registry-auth')).toEqual([want]);
  });

  it.each([
    { creds: [{ registry: 'ghcr.io', username: 'u', password: '' }], message: 'ghcr.io (no password)' },
    {
      creds: [{ registry: 'index.docker.io', username: '', password: '' }],
      message: 'docker.io (no username or password)',
    },
    {
      creds: [
        { registry: 'quay.io', username: '', password: 'p4ss' },
        { registry: 'ghcr.io', username: 'u', password: '' },
      ],
      message: 'quay.io (no username), ghcr.io (no password)',
    },
  ])('checkUsable: $message', ({ creds, message }) => {
    expect(caught(() => checkUsable(creds)).message).toBe(
      `cannot push: incomplete credentials for ${message}; empty secrets are what a pull request from a fork gets. Nothing was built.`,
    );
  });

  it('checkUsable: complete credentials pass, and none at all', () => {
    expect(() => checkUsable([{ registry: 'ghcr.io', username: 'u', password: 'p' }])).not.toThrow();
    expect(() => checkUsable([])).not.toThrow();
  });
});

describe('credentialsFor', () => {
  const ghcr: RegistryCredential = { registry: 'ghcr.io', username: 'octo', password: 'ghcr-token' };
  const hub: RegistryCredential = { registry: 'index.docker.io', username: 'acme', password: 'hub-token' };
  const shared = { username: 'ci', password: 'shared-token' };

  it.each([
    { name: 'nothing to push', registries: [], list: [ghcr], shared, want: [] },
    { name: 'no credentials at all', registries: ['ghcr.io', 'quay.io'], list: [], shared: undefined, want: [] },
    {
      name: 'explicit entry beats the shared credential',
      registries: ['ghcr.io'],
      list: [ghcr],
      shared,
      want: [{ registry: 'ghcr.io', username: 'octo', password: 'ghcr-token' }],
    },
    {
      name: 'shared credential for hosts without an entry',
      registries: ['ghcr.io', '127.0.0.1:5000'],
      list: [ghcr],
      shared,
      want: [
        { registry: 'ghcr.io', username: 'octo', password: 'ghcr-token' },
        { registry: '127.0.0.1:5000', username: 'ci', password: 'shared-token' },
      ],
    },
    {
      name: 'hosts without an entry and no shared credential get none',
      registries: ['quay.io', 'ghcr.io'],
      list: [ghcr],
      shared: undefined,
      want: [{ registry: 'ghcr.io', username: 'octo', password: 'ghcr-token' }],
    },
    {
      name: 'namespaced registries share one login per host',
      registries: ['ghcr.io/acme', 'ghcr.io/other', 'ghcr.io'],
      list: [ghcr],
      shared: undefined,
      want: [{ registry: 'ghcr.io', username: 'octo', password: 'ghcr-token' }],
    },
    {
      name: 'an entry for a namespaced registry matches its host',
      registries: ['ghcr.io'],
      list: [{ registry: 'ghcr.io/acme', username: 'octo', password: 'ns-token' }],
      shared,
      want: [{ registry: 'ghcr.io', username: 'octo', password: 'ns-token' }],
    },
    {
      name: 'Docker Hub aliases fold into docker.io',
      registries: ['docker.io/acme', 'registry-1.docker.io', 'index.docker.io/acme'],
      list: [hub],
      shared,
      want: [{ registry: 'docker.io', username: 'acme', password: 'hub-token' }],
    },
    {
      name: 'the first entry for a host wins',
      registries: ['GHCR.io/acme'],
      list: [ghcr, { registry: 'ghcr.io', username: 'second', password: 'second-token' }],
      shared,
      want: [{ registry: 'ghcr.io', username: 'octo', password: 'ghcr-token' }],
    },
    {
      name: 'registry order is kept',
      registries: ['quay.io', 'docker.io', 'ghcr.io'],
      list: [ghcr, hub],
      shared,
      want: [
        { registry: 'quay.io', username: 'ci', password: 'shared-token' },
        { registry: 'docker.io', username: 'acme', password: 'hub-token' },
        { registry: 'ghcr.io', username: 'octo', password: 'ghcr-token' },
      ],
    },
  ])('$name', ({ registries, list, shared: s, want }) => {
    expect(credentialsFor(registries, list, s)).toEqual(want);
  });
});

describe('parsePushDigest', () => {
  const D1 = 'sha256:' + 'a'.repeat(64);
  const D2 = 'sha256:' + '0123456789abcdef'.repeat(4);
  it.each([
    {
      name: 'real docker push output',
      output: [
        'The push refers to repository [127.0.0.1:5000/acme/iris-classifier]',
        '5f70bf18a086: Preparing',
        'e0b8a0f1c2d3: Pushed',
        '5f70bf18a086: Layer already exists',
        `latest: digest: ${D2} size: 1361`,
        '',
      ].join('\n'),
      want: D2,
    },
    {
      name: 'the last digest wins (progress lines mention config digests first)',
      output: `layer digest: ${D1} size: 10\nlatest: digest: ${D2} size: 1361\n`,
      want: D2,
    },
    { name: 'digest on stderr after empty stdout', output: `\nlatest: digest: ${D1} size: 529`, want: D1 },
    { name: 'no digest', output: 'The push refers to repository [ghcr.io/acme/x]\nlatest: Pushed\n', want: undefined },
    { name: 'truncated digest', output: 'latest: digest: sha256:abc123 size: 1', want: undefined },
    {
      name: 'uppercase hex is not a digest',
      output: `latest: digest: sha256:${'A'.repeat(64)} size: 1`,
      want: undefined,
    },
    { name: 'empty', output: '', want: undefined },
  ])('$name', ({ output, want }) => {
    expect(parsePushDigest(output)).toBe(want);
  });
});

describe('classifyFailure: only refusals are permanent', () => {
  it.each([
    { name: 'unauthorized', output: 'unauthorized: authentication required', permanent: true },
    { name: 'denied', output: 'denied: requested access to the resource is denied', permanent: true },
    { name: 'forbidden', output: 'error parsing HTTP 403 response body: Forbidden', permanent: true },
    { name: 'name unknown', output: 'name unknown: repository name not known to registry', permanent: true },
    { name: 'manifest invalid', output: 'manifest invalid: manifest invalid', permanent: true },
    { name: 'authentication required', output: 'AUTHENTICATION REQUIRED', permanent: true },
    {
      name: 'connection refused',
      output: 'Get "http://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused',
      permanent: false,
    },
    { name: 'timeout', output: 'net/http: TLS handshake timeout', permanent: false },
    { name: 'rate limit', output: 'toomanyrequests: You have reached your pull rate limit', permanent: false },
    { name: 'server error', output: 'received unexpected HTTP status: 500 Internal Server Error', permanent: false },
    { name: 'blob upload unknown', output: 'blob upload unknown', permanent: false },
    { name: 'empty', output: '', permanent: false },
    {
      name: 'bad gateway',
      output: 'Error response from daemon: received unexpected HTTP status: 502 Bad Gateway',
      permanent: false,
    },
    {
      name: 'reset',
      output: 'read tcp 127.0.0.1:40102->127.0.0.1:39001: read: connection reset by peer',
      permanent: false,
    },
    { name: 'EOF', output: 'Put "http://127.0.0.1:39001/v2/acme/blobs/uploads/x": EOF', permanent: false },
    {
      name: 'wrong password',
      output:
        'Error response from daemon: login attempt to https://127.0.0.1:5443/v2/ failed with status: 401 Unauthorized',
      permanent: true,
    },
    { name: 'name invalid', output: 'name invalid: invalid repository name', permanent: true },
    {
      name: 'wrong password, after the http fallback',
      output:
        'Error response from daemon: login attempt to http://127.0.0.1:5443/v2/ failed with status: 400 Bad Request',
      permanent: true,
    },
    { name: 'request timeout 408', output: 'failed with status: 408 Request Timeout', permanent: false },
    { name: 'rate limited 429', output: 'failed with status: 429 Too Many Requests', permanent: false },
    { name: 'uppercase', output: 'invalid reference format: repository name must be lowercase', permanent: true },
  ])('$name → $permanent', ({ output, permanent }) => {
    expect(classifyFailure(output)).toBe(permanent ? 'permanent' : 'transient');
  });
});

describe('backoffMs', () => {
  it('doubles from the base and stays under the cap', () => {
    expect([2, 3, 4, 5, 6, 7].map((n) => backoffMs(DEFAULT_RETRY, n))).toEqual([1000, 2000, 4000, 8000, 15000, 15000]);
  });
});

describe('withRetries: one loop for login, push and copy', () => {
  const FAST = { attempts: 3, baseMs: 1, maxMs: 2 };
  const fail = (output: string, transient?: boolean) => ({
    failure: { output, why: output.split('\n').pop()!, transient },
  });
  type Step = ReturnType<typeof fail> | { value: string };
  it.each<{ name: string; steps: Step[]; want: string; calls: number; warnings: number }>([
    { name: 'a value at once', steps: [{ value: 'd1' }], want: 'd1', calls: 1, warnings: 0 },
    {
      name: 'two 5xx, then a value',
      steps: [
        fail('received unexpected HTTP status: 502 Bad Gateway'),
        fail('connection reset by peer'),
        { value: 'd2' },
      ],
      want: 'd2',
      calls: 3,
      warnings: 2,
    },
    {
      name: 'a refusal: not retried',
      steps: [fail('unauthorized: authentication required')],
      want: 'error: push to r.example failed (not retried: the registry refused): unauthorized: authentication required',
      calls: 1,
      warnings: 0,
    },
    {
      name: 'transient until the bound',
      steps: [fail('503'), fail('503'), fail('EOF')],
      want: 'error: push to r.example failed after 3 attempts: EOF',
      calls: 3,
      warnings: 2,
    },
    {
      name: 'a timeout counts as transient whatever its output says',
      steps: [fail('denied', true), { value: 'd3' }],
      want: 'd3',
      calls: 2,
      warnings: 1,
    },
  ])('$name', async ({ steps, want, calls, warnings }) => {
    const log = new MemoryLogger();
    let n = 0;
    const got = await withRetries(async () => steps[n++], {
      policy: FAST,
      log,
      failed: 'push to r.example',
      retrying: 'push of r.example/a:1',
    }).then(
      (v) => v,
      (err: unknown) => `error: ${(err as Error).message}`,
    );
    expect([got, n, log.lines.filter((l) => l.includes('retrying in')).length]).toEqual([want, calls, warnings]);
  });

  it('a cancelled run stops after the attempt in flight, without waiting', async () => {
    const controller = new AbortController();
    let n = 0;
    const started = Date.now();
    const err = await withRetries(
      async () => {
        n++;
        controller.abort();
        return fail('502 Bad Gateway');
      },
      {
        policy: { attempts: 4, baseMs: 10_000, maxMs: 10_000 },
        log: new MemoryLogger(),
        signal: controller.signal,
        failed: 'login to r.example',
        retrying: 'login to r.example',
      },
    ).catch((e: unknown) => e as MlImageError);
    expect([n, err instanceof MlImageError, Date.now() - started < 5_000]).toEqual([1, true, true]);
  });
});
