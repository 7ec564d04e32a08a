// The resolved config: what the rest of ml-image works from. Defaults are applied, keys are camelCase,
// paths are absolute, durations are milliseconds. Produced only by load.ts.

export type GpuPolicy = 'auto' | 'required' | 'none';

export interface CommandCheckConfig {
  name: string;
  run: string[];
  expectOutput: string[];
  expectExitCode: number;
  timeoutMs: number;
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
}

export interface HttpConfig {
  port: number;
  ready: { path: string; status: number; timeoutMs: number };
  checks: HttpCheckConfig[];
}

export interface SmokeTestConfig {
  timeoutMs: number;
  gpu: GpuPolicy;
  env: Record<string, string>;
  commands: CommandCheckConfig[];
  http?: HttpConfig;
}

export interface ImageConfig {
  /** Index in the file's images list, for error locations. */
  index: number;
  name: string;
  context: string;
  dockerfile: string;
  target?: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  platforms: string[];
  tags: string[];
  gpu: boolean;
  smokeTest?: SmokeTestConfig;
}

export interface PushConfig {
  registries: string[];
}

export interface Config {
  /** Absolute path of the config file. */
  file: string;
  version: 1;
  images: ImageConfig[];
  push: PushConfig;
}
