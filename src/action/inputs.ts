// Reads the Action's inputs into one typed object. Values arrive as the runner passes them: strings in
// INPUT_<NAME> variables, action.yml's defaults filled in; an absent variable (a direct run) means the default.
import type { SmokeReportFiles } from '../report/smoke-report.js';
import * as core from '@actions/core';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkRegistryOverride } from '../config/load.js';
import { sizeBytes } from '../config/resolve.js';
import { SIZE_PATTERN } from '../config/schema.js';
import type { CacheBackend } from '../config/types.js';
import type { BuilderKind } from '../docker/detect.js';
import { MlImageError } from '../errors.js';
import { parseRegistryAuth, type RegistryCredential } from '../registry/auth.js';
import type { PushMode } from '../commands/plan-from-config.js';
import type { PlanFilters } from '../plan/plan.js';
import { Inputs, RenamedInputs } from './names.js';

export interface ActionInputs {
  config: string;
  /** Fan-out: the plan file (a path; JSON given inline is written to RUNNER_TEMP first). */
  planFile?: string;
  mode: 'build' | 'merge';
  digestsDir: string;
  /** Smoke-test reports to write (JUnit XML, JSON), relative to the workspace. */
  reports: SmokeReportFiles;
  push: PushMode;
  planOnly: boolean;
  filters: PlanFilters;
  registries?: string[];
  /** Where registries came from, for messages about them: this input. */
  registriesFrom: string;
  credentials: RegistryCredential[];
  sharedCredential?: { username: string; password: string };
  /** false: log in to the job's own docker config and stay logged in (docker/login-action's logout). */
  logout: boolean;
  docker?: string;
  builder?: BuilderKind;
  /** An existing buildx builder instance (docker/build-push-action's builder input). */
  buildxBuilder?: string;
  /** Replaces cache.backend of every image. */
  cacheBackend?: CacheBackend;
  /** Fail before building when the engine's data root has less free space (bytes). */
  minFreeBytes?: number;
  /** Smoke-test every image again, even one whose digest a test record proves. */
  retest: boolean;
}

type Env = Record<string, string | undefined>;

/** The variable the runner sets for an input: INPUT_ + the name upper-cased, spaces as _, hyphens kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * The inputs from an environment as the runner builds it. Read as core.getInput reads them (the variable,
 * trimmed; '' when absent), from the given environment so tests need not touch process.env.
 */
export function getInputs(env: Env = process.env): ActionInputs {
  refuseRenamed(env);
  const getInput = (name: string): string => (env[inputVariable(name)] ?? '').trim();
  const booleanInput = (name: string, fallback: boolean): boolean => {
    const value = getInput(name);
    if (value === '') return fallback;
    if (TRUE.includes(value)) return true;
    if (FALSE.includes(value)) return false;
    throw new MlImageError(
      `input ${name}: expected true or false (true, True, TRUE, false, False, FALSE), got "${value}"`,
    );
  };
  /** A comma- or newline-separated input as a list. */
  const listInput = (name: string): string[] =>
    getInput(name)
      .split(/[\n,]/)
      .map((r) => r.trim())
      .filter(Boolean);
  const password = getInput(Inputs.password);
  if (password) core.setSecret(password);
  const credentials = parseRegistryAuth(getInput(Inputs.registryAuth), `input ${Inputs.registryAuth}`);
  for (const c of credentials) core.setSecret(c.password);
  const username = getInput(Inputs.username);
  const registries = listInput(Inputs.registries);
  // Checked here, so that the message names the input rather than a flag.
  checkRegistryOverride(registries, `input ${Inputs.registries}`);
  const engine = getInput(Inputs.buildEngine) || 'auto';
  const buildxBuilder = getInput(Inputs.builder);
  if (buildxBuilder === 'buildx' || buildxBuilder === 'buildkit') {
    throw new MlImageError(
      `input builder names a buildx builder instance (as in docker/build-push-action); to choose ${buildxBuilder}, use build-engine: ${buildxBuilder}`,
    );
  }
  const cacheBackend = getInput(Inputs.cacheBackend);
  const minFree = getInput(Inputs.minFreeSpace);
  const builder = oneOf(Inputs.buildEngine, engine, ['auto', 'buildx', 'buildkit'] as const);
  return {
    config: getInput(Inputs.config) || 'ml-image.yml',
    push: pushInput(getInput(Inputs.push)),
    planOnly: booleanInput(Inputs.planOnly, false),
    filters: {
      images: listInput(Inputs.onlyImages),
      variants: listInput(Inputs.onlyVariants),
      ...(getInput(Inputs.only) ? { only: getInput(Inputs.only) } : {}),
    },
    planFile: planInput(getInput(Inputs.plan), env),
    mode: oneOf(Inputs.mode, getInput(Inputs.mode) || 'build', ['build', 'merge'] as const),
    digestsDir: getInput(Inputs.digestsDir) || 'ml-image-digests',
    registries: registries.length > 0 ? registries : undefined,
    registriesFrom: `input ${Inputs.registries}`,
    credentials,
    // One without the other is what a pull request from a fork gets (no secrets): an error only when pushing.
    sharedCredential: username || password ? { username, password } : undefined,
    logout: booleanInput(Inputs.logout, true),
    docker: getInput(Inputs.docker) || undefined,
    builder: builder === 'auto' ? undefined : builder,
    buildxBuilder: buildxBuilder || undefined,
    cacheBackend: cacheBackend ? oneOf(Inputs.cacheBackend, cacheBackend, CACHE_BACKENDS) : undefined,
    minFreeBytes: minFree ? sizeInput(Inputs.minFreeSpace, minFree) : undefined,
    retest: booleanInput(Inputs.retest, false),
    reports: { junit: getInput(Inputs.junitReport) || undefined, json: getInput(Inputs.jsonReport) || undefined },
  };
}

/** The plan input: the plan job's JSON output (written to a file in RUNNER_TEMP), or a path to a plan file. */
function planInput(value: string, env: Env): string | undefined {
  const text = value.trim();
  if (!text) return undefined;
  if (!text.startsWith('{')) return text;
  const dir = env.RUNNER_TEMP || os.tmpdir();
  const file = path.join(dir, `ml-image-plan-${process.pid}.json`);
  writeFileSync(file, text + '\n');
  return file;
}

/** An input renamed for docker/* compatibility, used under its old name: say the new one. */
function refuseRenamed(env: Env): void {
  for (const [old, { now, why }] of Object.entries(RenamedInputs)) {
    if (env[inputVariable(old)] !== undefined) {
      throw new MlImageError(`input ${old} is now ${now} (${why}); rename it in the step's with:`);
    }
  }
}

const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];

/** push: what core.getBooleanInput takes, plus auto. */
export function pushInput(value: string): PushMode {
  if (value === '' || value === 'auto') return 'auto';
  if (TRUE.includes(value)) return true;
  if (FALSE.includes(value)) return false;
  throw new MlImageError(
    `input ${Inputs.push}: expected auto, true or false (YAML 1.2 core schema: true, True, TRUE, false, False, FALSE), got "${value}"`,
  );
}

const CACHE_BACKENDS = ['auto', 'registry', 'gha', 'local', 'inline', 'none'] as const;

function sizeInput(name: string, value: string): number {
  if (!new RegExp(SIZE_PATTERN).test(value))
    throw new MlImageError(`input ${name}: expected a size like 10GB or 500MB, got "${value}"`);
  return sizeBytes(value);
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new MlImageError(`input ${name}: expected one of ${allowed.join(', ')}, got "${value}"`);
}
