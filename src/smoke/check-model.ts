// The smoke test's check model: the checks of the config's `smoke-test` (config/types.ts: file and metadata
// checks, the test's volumes, services and Compose project) and what container-structure-test files add to
// them (command checks with setup and teardown, license checks, container run options), as smoke-test.ts and
// files.ts execute them. Pure types and small helpers; a check never holds a shell string, only argument
// arrays and regular expressions as written.
import type { CommandCheckConfig, Dialect, FileCheck, MetadataCheck } from '../config/types.js';
import type { SourceLocation } from '../errors.js';

/** How the containers of command checks are started (container-structure-test's containerRunOptions). */
export interface ContainerRunOptions {
  user?: string;
  env: Record<string, string>;
  /** A file of KEY=value lines, passed as --env-file. */
  envFile?: string;
  privileged: boolean;
  capabilities: string[];
  /** host:container[:ro] bind mounts, host paths absolute. */
  bindMounts: string[];
}

export const NO_CONTAINER_RUN_OPTIONS: ContainerRunOptions = {
  env: {},
  privileged: false,
  capabilities: [],
  bindMounts: [],
};

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

export const regexFlags = (dialect: Dialect | undefined): string => (dialect === 'cst' ? '' : 'm');

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
  containerRunOptions: ContainerRunOptions;
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
  return m ? m[1] + m[2] : undefined;
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
