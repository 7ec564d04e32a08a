// Reads the Action's inputs into one typed object, and decides the push policy from the event.
import * as core from '@actions/core';
import type { BuilderKind } from '../docker/detect.js';
import { MlImageError } from '../errors.js';
import { parseRegistryAuth, type RegistryCredential } from '../registry/auth.js';
import { Inputs } from './names.js';
import type { PushMode } from '../pipeline/prepare.js';
import type { PlanFilters } from '../plan/plan.js';

export type PushInput = 'auto' | 'true' | 'false';

export interface ActionInputs {
  config: string;
  push: PushInput;
  planOnly: boolean;
  filters: PlanFilters;
  registries?: string[];
  credentials: RegistryCredential[];
  sharedCredential?: { username: string; password: string };
  docker?: string;
  builder?: BuilderKind;
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new MlImageError(`input ${name}: expected one of ${allowed.join(', ')}, got "${value}"`);
}

export function getInputs(): ActionInputs {
  const password = core.getInput(Inputs.password);
  if (password) core.setSecret(password);
  const auth = core.getInput(Inputs.registryAuth);
  const credentials = parseRegistryAuth(auth, `input ${Inputs.registryAuth}`);
  for (const c of credentials) core.setSecret(c.password);
  const username = core.getInput(Inputs.username);
  if (Boolean(username) !== Boolean(password)) throw new MlImageError('inputs username and password go together: set both or neither');
  const registries = listInput(Inputs.registries);
  const builder = core.getInput(Inputs.builder);
  return {
    config: core.getInput(Inputs.config) || 'ml-image.yml',
    push: oneOf(Inputs.push, core.getInput(Inputs.push) || 'auto', ['auto', 'true', 'false'] as const),
    // The runner passes action.yml's default; an absent input (a direct run) means false.
    planOnly: core.getInput(Inputs.planOnly) !== '' && core.getBooleanInput(Inputs.planOnly),
    filters: { images: listInput(Inputs.images), variants: listInput(Inputs.variants) },
    registries: registries.length > 0 ? registries : undefined,
    credentials,
    sharedCredential: username && password ? { username, password } : undefined,
    docker: core.getInput(Inputs.docker) || undefined,
    builder: builder ? oneOf(Inputs.builder, builder, ['buildx', 'buildkit'] as const) : undefined,
  };
}

/** A comma- or newline-separated input as a list. */
function listInput(name: string): string[] {
  return core
    .getMultilineInput(name)
    .flatMap((l) => l.split(','))
    .map((r) => r.trim())
    .filter(Boolean);
}

/** The pipeline's push mode for the push input; auto is decided against the config's push.when. */
export function pushMode(push: PushInput): PushMode {
  return push === 'auto' ? 'auto' : push === 'true';
}
