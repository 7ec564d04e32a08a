// File, metadata and license checks: everything judged from the image itself rather than from a running
// process. Files are read from a container that is created but never started (`docker create`, then
// `docker cp CONTAINER:PATH -`), so the image's entrypoint never runs and no tool inside the image is needed;
// only the first tar entry is read (a directory's tree is not copied). Metadata comes from `docker image
// inspect`. The verdicts are pure functions, tested without an engine.
import type { Docker } from '../docker/docker.js';
import { RUN_LABEL } from '../docker/docker.js';
import type { Resources } from '../resources/resources.js';
import type { Logger } from '../log/log.js';
import { modeLetters, permissionString, regexFlags, type LicenseCheck } from './check-model.js';
import type { FileCheck, KeyValueExpectation, MetadataCheck } from '../config/types.js';
import type { TarEntry } from './tar.js';
import type { CheckFailure } from './verdict.js';

/** Content beyond this is not read for regular expressions (the check says so when it matters). */
export const MAX_CONTENT_BYTES = 16 * 1024 * 1024;

const TYPE_LETTER: Record<TarEntry['type'], string> = {
  file: '-',
  directory: 'd',
  symlink: 'l',
  hardlink: '-',
  char: 'c',
  block: 'b',
  fifo: 'p',
  other: '?',
};

/** ls's mode text of an entry: type letter, then rwx with setuid/setgid/sticky. */
const lsMode = (e: TarEntry): string => TYPE_LETTER[e.type] + modeLetters(e.mode);

/** The verdict on one file: undefined when it passes. `entry` is undefined when the path does not exist. */
export function fileFailure(check: FileCheck, entry: TarEntry | undefined): CheckFailure | undefined {
  if (!check.shouldExist) {
    return entry
      ? {
          message: `${check.path} exists (a ${entry.type}) but must not`,
          expected: `no ${check.path}`,
          actual: `a ${entry.type}, mode ${lsMode(entry)}`,
        }
      : undefined;
  }
  if (!entry)
    return {
      message: `${check.path} does not exist`,
      expected: `${check.path} exists`,
      actual: 'no such file or directory',
    };
  const wants: string[] = [];
  const reasons: string[] = [];
  // Compared as written: with a file-type letter when the check has one (container-structure-test's).
  const full = lsMode(entry);
  const want = check.permissions !== undefined ? permissionString(check.permissions) : undefined;
  const mode = want?.length === 10 ? full : full.slice(1);
  if (want !== undefined) {
    wants.push(`mode ${want}`);
    if (want !== mode) reasons.push(`mode ${mode} (expected ${want})`);
  }
  if (check.uid !== undefined) {
    wants.push(`uid ${check.uid}`);
    if (entry.uid !== check.uid) reasons.push(`uid ${entry.uid} (expected ${check.uid})`);
  }
  if (check.gid !== undefined) {
    wants.push(`gid ${check.gid}`);
    if (entry.gid !== check.gid) reasons.push(`gid ${entry.gid} (expected ${check.gid})`);
  }
  if (check.isExecutableBy !== undefined) {
    const bits = { owner: 0o100, group: 0o010, other: 0o001, any: 0o111 }[check.isExecutableBy];
    wants.push(`executable by ${check.isExecutableBy}`);
    if ((entry.mode & bits) === 0) reasons.push(`not executable by ${check.isExecutableBy} (mode ${mode})`);
  }
  if (check.expectContent.length + check.excludeContent.length > 0) {
    if (entry.type !== 'file') reasons.push(`is a ${entry.type}, so its content cannot be checked`);
    else {
      const content = entry.content?.toString('utf8') ?? '';
      const flags = regexFlags(check.dialect);
      const missing = check.expectContent.filter((re) => !new RegExp(re, flags).test(content));
      const present = check.excludeContent.filter((re) => new RegExp(re, flags).test(content));
      wants.push(
        ...check.expectContent.map((r) => `content matching /${r}/`),
        ...check.excludeContent.map((r) => `content not matching /${r}/`),
      );
      const cut = entry.truncated ? ` (only its first ${MAX_CONTENT_BYTES / 1024 / 1024} MB read)` : '';
      if (missing.length > 0) reasons.push(`content did not match ${missing.map((r) => `/${r}/`).join(', ')}${cut}`);
      if (present.length > 0) reasons.push(`content matched excluded ${present.map((r) => `/${r}/`).join(', ')}${cut}`);
    }
  }
  if (reasons.length === 0) return undefined;
  const shown = entry.type === 'file' && entry.content ? `, content: ${flat(entry.content.toString('utf8'), 200)}` : '';
  return {
    message: `${check.path}: ${reasons.join('; ')}`,
    expected: `${check.path}: ${wants.join(', ')}`,
    actual: `a ${entry.type}, mode ${mode}, uid ${entry.uid}, gid ${entry.gid}${shown}`,
  };
}

/** The image config as `docker image inspect` gives it (.Config). */
export interface ImageConfig {
  Env?: string[] | null;
  Labels?: Record<string, string> | null;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  ExposedPorts?: Record<string, unknown> | null;
  Volumes?: Record<string, unknown> | null;
  WorkingDir?: string;
  User?: string;
}

const port = (p: string): string => (p.includes('/') ? p : `${p}/tcp`);

function keyValue(kind: string, want: KeyValueExpectation, have: Record<string, string>): string | undefined {
  const got = have[want.key];
  if (got === undefined)
    return `${kind} ${want.key} is not set (expected ${want.isRegex ? `/${want.value}/` : JSON.stringify(want.value)})`;
  const ok = want.isRegex ? new RegExp(want.value).test(got) : got === want.value;
  return ok
    ? undefined
    : `${kind} ${want.key}=${JSON.stringify(got)} (expected ${want.isRegex ? `/${want.value}/` : JSON.stringify(want.value)})`;
}

export function metadataFailure(check: MetadataCheck, config: ImageConfig): CheckFailure | undefined {
  const env = Object.fromEntries(
    (config.Env ?? []).map((e) => [
      e.slice(0, e.indexOf('=') < 0 ? e.length : e.indexOf('=')),
      e.includes('=') ? e.slice(e.indexOf('=') + 1) : '',
    ]),
  );
  const labels = config.Labels ?? {};
  const ports = Object.keys(config.ExposedPorts ?? {});
  const volumes = Object.keys(config.Volumes ?? {});
  const list = (xs: readonly string[] | null | undefined) => JSON.stringify(xs ?? []);
  const reasons = [
    ...check.env.map((w) => keyValue('env', w, env)),
    ...check.unboundEnv.map((k) =>
      k in env ? `env ${k} is set (${JSON.stringify(env[k])}) but must not be` : undefined,
    ),
    ...check.labels.map((w) => keyValue('label', w, labels)),
    check.entrypoint !== undefined && list(check.entrypoint) !== list(config.Entrypoint)
      ? `entrypoint ${list(config.Entrypoint)} (expected ${list(check.entrypoint)})`
      : undefined,
    check.cmd !== undefined && list(check.cmd) !== list(config.Cmd)
      ? `cmd ${list(config.Cmd)} (expected ${list(check.cmd)})`
      : undefined,
    ...check.exposedPorts.map((p) =>
      ports.includes(port(p)) ? undefined : `port ${port(p)} is not exposed (exposed: ${ports.join(', ') || 'none'})`,
    ),
    ...check.unexposedPorts.map((p) =>
      ports.includes(port(p)) ? `port ${port(p)} is exposed but must not be` : undefined,
    ),
    ...check.volumes.map((v) =>
      volumes.includes(v) ? undefined : `volume ${v} is not declared (volumes: ${volumes.join(', ') || 'none'})`,
    ),
    ...check.unmountedVolumes.map((v) => (volumes.includes(v) ? `volume ${v} is declared but must not be` : undefined)),
    check.workdir !== undefined && check.workdir !== (config.WorkingDir ?? '')
      ? `workdir ${JSON.stringify(config.WorkingDir ?? '')} (expected ${JSON.stringify(check.workdir)})`
      : undefined,
    check.user !== undefined && check.user !== (config.User ?? '')
      ? `user ${JSON.stringify(config.User ?? '')} (expected ${JSON.stringify(check.user)})`
      : undefined,
  ].filter((r): r is string => r !== undefined);
  if (reasons.length === 0) return undefined;
  return { message: reasons.join('; '), expected: describeMetadata(check), actual: reasons.join('\n') };
}

function describeMetadata(c: MetadataCheck): string {
  const kv = (w: KeyValueExpectation) => `${w.key}=${w.isRegex ? `/${w.value}/` : w.value}`;
  return [
    ...c.env.map((w) => `env ${kv(w)}`),
    ...c.unboundEnv.map((k) => `env ${k} unset`),
    ...c.labels.map((w) => `label ${kv(w)}`),
    ...(c.entrypoint !== undefined ? [`entrypoint ${JSON.stringify(c.entrypoint)}`] : []),
    ...(c.cmd !== undefined ? [`cmd ${JSON.stringify(c.cmd)}`] : []),
    ...c.exposedPorts.map((p) => `exposes ${port(p)}`),
    ...c.unexposedPorts.map((p) => `does not expose ${port(p)}`),
    ...c.volumes.map((v) => `volume ${v}`),
    ...c.unmountedVolumes.map((v) => `no volume ${v}`),
    ...(c.workdir !== undefined ? [`workdir ${c.workdir}`] : []),
    ...(c.user !== undefined ? [`user ${c.user}`] : []),
  ].join(', ');
}

function flat(text: string, max: number): string {
  const f = text.replace(/\s+/g, ' ').trim();
  return f.length > max ? `${f.slice(0, max)}…` : f || '(empty)';
}

export interface ImageReaderContext {
  docker: Docker;
  log: Logger;
  resources: Resources;
  runId: string;
  signal?: AbortSignal;
}

/** A created, never started container of the image, to copy files out of; removed by `close`. */
export class ImageFiles {
  private constructor(
    private readonly ctx: ImageReaderContext,
    readonly container: string,
    private readonly key: string,
  ) {}

  static async open(ctx: ImageReaderContext, image: string, name: string, platform?: string): Promise<ImageFiles> {
    // An entrypoint that is never run: create needs a command for images that have none.
    const args = [
      'create',
      '--name',
      name,
      '--label',
      `${RUN_LABEL}=${ctx.runId}`,
      ...(platform ? ['--platform', platform] : []),
      '--entrypoint',
      '/ml-image-never-started',
      image,
    ];
    const key = ctx.resources.add('container', name, () => ctx.docker.removeContainers([name]));
    await ctx.docker.ok(args, `create a container of ${image} to read its files`, {
      timeoutMs: 60_000,
      signal: ctx.signal,
    });
    return new ImageFiles(ctx, name, key);
  }

  /** The path's first tar entry (its own metadata, and a file's content); undefined when it does not exist. */
  async read(path: string): Promise<TarEntry | undefined> {
    let first: TarEntry | undefined;
    await this.walk(path, (e) => {
      first = e;
      return 'stop';
    });
    return first;
  }

  /**
   * Every entry under a path, in archive order, until `onEntry` says stop; false when the path does not
   * exist. Names are relative to the path's parent, as `docker cp` writes them.
   */
  async walk(path: string, onEntry: (e: TarEntry) => 'stop' | void): Promise<boolean> {
    // Loaded on first use: the tar parser (tar-stream, 77 KB) is for runs that read files out of an image.
    const { TarReader } = await import('./tar.js');
    const reader = new TarReader(MAX_CONTENT_BYTES, onEntry);
    let seen = false;
    const r = await this.ctx.docker.call(['cp', `${this.container}:${path}`, '-'], {
      timeoutMs: 300_000,
      signal: this.ctx.signal,
      quiet: true,
      onStdoutBytes: (chunk) => {
        seen = true;
        return reader.push(chunk) ? 'stop' : undefined;
      },
    });
    if (seen && (r.exitCode === 0 || r.stopped)) {
      try {
        await reader.end();
      } catch (err: unknown) {
        throw new Error(`docker cp ${path}: not a tar stream as expected (${(err as Error).message})`, {
          cause: err,
        });
      }
      return true;
    }
    // docker cp failed: what it wrote, if anything, is cut short and tells nothing.
    await reader.end().catch(() => undefined);
    if (/no such file or directory|could not find the file|not found/i.test(r.stderr)) return false;
    throw new Error(`docker cp ${path}: ${r.stderr.trim().split('\n').pop() || `exit ${r.exitCode}`}`);
  }

  async close(): Promise<void> {
    await this.ctx.resources.release(this.key, this.ctx.log);
  }
}

/**
 * container-structure-test's license test, as it behaves: with `debian`, every package directory under
 * /usr/share/doc (but libgnutls30, which it exempts) must hold a `copyright` file; that file and every
 * listed one must exist and must not mention a banned license (AGPL, WTFPL; case-insensitive).
 */
export const LICENSE_EXEMPT = ['libgnutls30'];
export const BANNED_LICENSES = ['AGPL', 'WTFPL'];

export interface LicenseFacts {
  /** Package directories under /usr/share/doc (debian only). */
  packages: string[];
  /** License file path → its content; absent when the file does not exist. */
  files: Map<string, string>;
}

export function licenseFiles(check: LicenseCheck, packages: readonly string[]): string[] {
  const debian = check.debian
    ? packages.filter((p) => !LICENSE_EXEMPT.includes(p)).map((p) => `/usr/share/doc/${p}/copyright`)
    : [];
  return [...debian, ...check.files];
}

export function licenseFailure(check: LicenseCheck, facts: LicenseFacts): CheckFailure | undefined {
  const problems: string[] = [];
  for (const file of licenseFiles(check, facts.packages)) {
    const content = facts.files.get(file);
    if (content === undefined) {
      problems.push(`${file} is missing`);
      continue;
    }
    const upper = content.toUpperCase();
    const banned = BANNED_LICENSES.filter((b) => upper.includes(b));
    if (banned.length > 0) problems.push(`${file} mentions ${banned.join(', ')}`);
  }
  if (problems.length === 0) return undefined;
  return {
    message: `${problems.length} license problem${problems.length > 1 ? 's' : ''}: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}`,
    expected: `${check.debian ? "a copyright file for every Debian package's /usr/share/doc directory" : 'every listed license file'}, none mentioning ${BANNED_LICENSES.join(' or ')}`,
    actual: problems.join('\n'),
  };
}
