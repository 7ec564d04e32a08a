// The smoke test's check model: what the config's `smoke-test` and container-structure-test files both
// compile into, and what the runners (run.ts, files.ts, metadata.ts) execute. Pure types and small helpers;
// a check never holds a shell string, only argument arrays and regular expressions as written.
import type { CommandCheckConfig } from '../config/types.js';
import type { SourceLocation } from '../errors.js';

/** How the containers of command checks are started (container-structure-test's containerRunOptions). */
export interface RunOptions {
  user?: string;
  env: Record<string, string>;
  /** A file of KEY=value lines, passed as --env-file. */
  envFile?: string;
  privileged: boolean;
  capabilities: string[];
  /** host:container[:ro] bind mounts, host paths absolute. */
  bindMounts: string[];
}

export const NO_RUN_OPTIONS: RunOptions = { env: {}, privileged: false, capabilities: [], bindMounts: [] };

/** A command check: the config's fields, plus what container-structure-test adds. */
export interface CommandCheck extends CommandCheckConfig {
  kind: 'command';
  /**
   * 'combined': expect-output / exclude-output are matched against stdout and stderr together (the config's
   * meaning); 'separate': against stdout alone (container-structure-test's expectedOutput).
   */
  streams: 'combined' | 'separate';
  /** Commands run before (committed into the image the check runs in) and after it, each an argv. */
  setup: string[][];
  teardown: string[][];
  /** Read from a container-structure-test file: judged as that tool does (see Dialect). */
  dialect?: Dialect;
}

/**
 * How a check is judged. 'cst' follows container-structure-test: Go regular expressions without the
 * multiline flag (^ and $ at the ends of the whole text), teardown commands not run (its docker driver
 * skips them), a permission string compared with its file-type letter and setuid/setgid/sticky bits.
 */
export type Dialect = 'ml-image' | 'cst';

export const regexFlags = (dialect: Dialect | undefined): string => (dialect === 'cst' ? '' : 'm');

/** Who may execute a file (container-structure-test's isExecutableBy). */
export type ExecutableBy = 'owner' | 'group' | 'other' | 'any';

export interface FileCheck {
  kind: 'file';
  name: string;
  path: string;
  shouldExist: boolean;
  /** `-rwxr-xr-x` style (container-structure-test) or octal `0755`. */
  permissions?: string;
  uid?: number;
  gid?: number;
  isExecutableBy?: ExecutableBy;
  /** Regular expressions the content must match / must not match. */
  expectContent: string[];
  excludeContent: string[];
  dialect?: Dialect;
  location?: SourceLocation;
}

export interface KeyValueExpectation {
  key: string;
  value: string;
  /** value is a regular expression. */
  isRegex: boolean;
}

/** Expectations on the image config; every field is optional, absent means "not checked". */
export interface MetadataCheck {
  kind: 'metadata';
  name: string;
  env: KeyValueExpectation[];
  /** Variables that must not be set. */
  unboundEnv: string[];
  labels: KeyValueExpectation[];
  entrypoint?: string[];
  cmd?: string[];
  exposedPorts: string[];
  unexposedPorts: string[];
  volumes: string[];
  unmountedVolumes: string[];
  workdir?: string;
  user?: string;
  location?: SourceLocation;
}

/** container-structure-test's licenseTests: Debian copyright files present (and, when listed, other files). */
export interface LicenseCheck {
  kind: 'license';
  name: string;
  debian: boolean;
  files: string[];
  location?: SourceLocation;
}

export type ImageCheck = CommandCheck | FileCheck | MetadataCheck | LicenseCheck;

/** One container-structure-test file, compiled. */
export interface StructureSuite {
  file: string;
  schemaVersion: string;
  runOptions: RunOptions;
  checks: ImageCheck[];
}

/**
 * A mode as `ls -l` writes it: optional file-type letter, then rwx triplets with s/S (setuid, setgid)
 * and t/T (sticky). From `-rwxr-xr-x`, `drwxrwxrwt`, `rwsr-xr-x`, or octal `0755` / `4755` / `755`;
 * undefined when it is neither.
 */
export function permissionString(spec: string): string | undefined {
  const t = spec.trim();
  if (/^0?[0-7]{3,4}$/.test(t)) return modeLetters(parseInt(t, 8) & 0o7777);
  const m = /^([-dlcbps]?)([-r][-w][-xsS][-r][-w][-xsS][-r][-w][-xtT])$/.exec(t);
  return m ? m[1]! + m[2]! : undefined;
}

/** The nine rwx letters of a mode, setuid/setgid/sticky folded in as ls does. */
export function modeLetters(mode: number): string {
  const triplet = (shift: number, special: number, letter: string) => {
    const bits = (mode >> shift) & 7;
    const x = bits & 1 ? (mode & special ? letter : 'x') : mode & special ? letter.toUpperCase() : '-';
    return `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${x}`;
  };
  return triplet(6, 0o4000, 's') + triplet(3, 0o2000, 's') + triplet(0, 0o1000, 't');
}

/** Data for the test containers: a host path (absolute) or a named volume created for the test. */
export interface VolumeSpec {
  source?: string;
  name?: string;
  target: string;
  readOnly: boolean;
}

/** A side container on the test's private network, reachable by its name. */
export interface ServiceSpec {
  name: string;
  image: string;
  env: Record<string, string>;
  command?: string[];
  ready?: { port?: number; command?: string[]; timeoutMs: number };
}

/** A Compose project whose `service` runs the image under test. */
export interface ComposeSpec {
  /** Absolute path of the compose file. */
  file: string;
  service: string;
  /** How long `up --wait` may wait for every service to be running (healthy where it has a healthcheck); default 120s. */
  waitTimeoutMs?: number;
}

