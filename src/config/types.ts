// The resolved config: what the rest of ml-image works from. Defaults are applied, keys are camelCase,
// paths are absolute, durations are milliseconds. Produced only by load.ts.
import type { SourceLocation } from '../errors.js';

/** A smoke test's whole time limit when the config gives none (smoke-test.timeout), or when there is no config. */
export const DEFAULT_SMOKE_TIMEOUT_MS = 300_000;

export type GpuPolicy = 'auto' | 'required' | 'none';

export interface CommandCheckConfig {
  name: string;
  run: string[];
  /** Regular expressions matched against stdout and stderr together (or stdout alone, see CommandCheck.streams). */
  expectOutput: string[];
  excludeOutput: string[];
  /** Regular expressions matched against stderr alone. */
  expectError: string[];
  excludeError: string[];
  expectExitCode: number;
  /** Over smoke-test.env. */
  env: Record<string, string>;
  workdir?: string;
  user?: string;
  /** Runs only with a GPU: skipped (with a notice) on a runner without one under smoke-test.gpu: auto. */
  requiresGpu?: boolean;
  timeoutMs: number;
  /** Where the check is written in the config, for an annotation when it fails. */
  location?: SourceLocation;
}

export interface HttpCheckConfig {
  name: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  json?: unknown;
  body?: string;
  expectStatus: number;
  expectBody?: string;
  /** A JSON value the body must contain (objects by subset). */
  expectJson?: unknown;
  maxLatencyMs?: number;
  location?: SourceLocation;
}

export interface HttpConfig {
  port: number;
  ready: { path: string; status: number; timeoutMs: number; body?: string; location?: SourceLocation };
  checks: HttpCheckConfig[];
}

export interface SmokeTestConfig {
  timeoutMs: number;
  gpu: GpuPolicy;
  /** 'always': test every run, even a digest a test record already proves (default on-change). */
  retest?: 'always';
  /** Built-in GPU checks when the test has GPUs (default true). */
  gpuCheck?: boolean;
  /** Checks of a platform the runner runs only under emulation: 'skip' reports them skipped (default run). */
  emulated?: 'run' | 'skip';
  env: Record<string, string>;
  commands: CommandCheckConfig[];
  http?: HttpConfig;
  files: FileCheck[];
  metadata?: MetadataCheck;
  /** container-structure-test files, absolute paths. */
  structureTests: string[];
  volumes: VolumeSpec[];
  services: ServiceSpec[];
  compose?: ComposeSpec;
}

// The checks a smoke test runs on the image itself, and the world it runs in. The config's smoke-test
// resolves into these, and container-structure-test files compile into the same checks
// (smoke/structure-test.ts), so one runner judges both; they are the config's, because the resolved config
// holds them.

/**
 * How a check is judged. 'cst' follows container-structure-test: Go regular expressions without the
 * multiline flag (^ and $ at the ends of the whole text), teardown commands not run (its docker driver
 * skips them), a permission string compared with its file-type letter and setuid/setgid/sticky bits.
 */
export type Dialect = 'ml-image' | 'cst';

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

export type CacheBackend = 'auto' | 'registry' | 'gha' | 'local' | 'inline' | 'none';

export interface CacheConfig {
  backend: CacheBackend;
  /** Registry cache reference with its tag; default computed by the plan. */
  ref?: string;
  mode: 'max' | 'min';
  /** gha scope / local directory name; default the job id. */
  scope?: string;
  /** Persist RUN --mount=type=cache content: every mount (true), none (false), or these ids/targets. */
  mounts: boolean | string[];
  mountsMaxBytes: number;
}

export type PushEvent =
  'always' | 'default-branch' | 'branch' | 'tag' | 'pull-request' | 'schedule' | 'workflow-dispatch' | 'release';

/** One buildable variant of an image, with the image's settings merged in. */
export interface VariantConfig {
  /** '' for an image without variants. */
  name: string;
  isDefault: boolean;
  dockerfile: string;
  target?: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  platforms: string[];
  gpu: boolean;
  runsOn: string[];
  /** Runner labels per platform (platform-runs-on), over runsOn. */
  platformRunsOn?: Record<string, string[]>;
  smokeTest?: SmokeTestConfig;
  /** Appended to every tag; '' for the default variant. */
  tagSuffix: string;
  /** Replaces the flavor's latest tag; undefined for the default variant. */
  latestTag?: string;
  cache: CacheConfig;
}

export interface ImageConfig {
  /** Index in the file's images list, for error locations. */
  index: number;
  name: string;
  context: string;
  secrets: string[];
  /** Dates from the commit, layer timestamps rewritten: the same inputs give the same digest (default true). */
  reproducible: boolean;
  /** metadata-action tag rules and flavor lines, as written. */
  tags: string[];
  flavor: string[];
  variants: VariantConfig[];
}

export interface PushConfig {
  registries: string[];
  when: PushEvent[];
  /** Release tags already in a registry are never moved to another image. */
  immutableTags: boolean;
}

export interface Config {
  /** Absolute path of the config file. */
  file: string;
  /** The repository root every path must stay inside. */
  root: string;
  version: 1;
  images: ImageConfig[];
  push: PushConfig;
  policy: PolicyConfig;
}

/** What to do about a build argument that looks like a secret: it ends up in the image history. */
export type SecretBuildArgsPolicy = 'warn' | 'error' | 'off';

export interface PolicyConfig {
  secretBuildArgs: SecretBuildArgsPolicy;
}
