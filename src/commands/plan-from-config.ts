// The `plan` command, and the first step of every other: from a config path and the environment to a
// Plan — load and check the config, read the git context, decide whether this run pushes, compute tags and
// labels (plan/ makes the Plan itself; this reads the files and the checkout it needs). `plan` prints it,
// `validate` checks it, `build` runs it, `test` smoke-tests one of its jobs, `merge` tags what it names;
// needs git but no docker.
import { checkRegistryOverride, loadConfigSource } from '../config/load.js';
import { lowerRegistry } from '../config/resolve.js';
import type { CacheBackend, Config } from '../config/types.js';
import { MlImageError } from '../errors.js';
import { detectContext, type Env, type GitContext } from '../meta/context.js';
import { buildDate, sourceDateOf } from '../meta/labels.js';
import { makePlan, pushAllowed, type Plan, type PlanFilters } from '../plan/plan.js';
import { applyPlanFile } from '../plan/readback.js';
import path from 'node:path';
import type { Exec } from '../process/exec.js';

/** true/false: as asked. auto: as push.when allows for this event, when there is a registry. */
export type PushMode = boolean | 'auto';

/** What to plan: the config file, the checkout and environment, and what the front end overrides. */
export interface PlanFromConfigOptions {
  config: string;
  cwd: string;
  env: Env;
  push: PushMode;
  /** Replaces push.registries of the config. */
  registries?: string[];
  /** Where those registries came from, for messages: "--registry" or "input registries". */
  registriesFrom?: string;
  filters?: PlanFilters;
  /** Replaces cache.backend of every image (Action input cache-backend, CLI --cache-backend). */
  cacheBackend?: CacheBackend;
  /** A plan file from the plan job: its tags, labels, references and dates are used (fan-out). */
  planFile?: string;
  exec: Exec;
}

/** The loaded config, the git context it was planned in, and the Plan. */
export interface PlannedConfig {
  config: Config;
  git: GitContext;
  plan: Plan;
  /** Why push: auto decided not to push, for the log. */
  pushSkipped?: string;
}

export async function planFromConfig(options: PlanFromConfigOptions): Promise<PlannedConfig> {
  const { config, source } = loadConfigSource(options.config, options.cwd);
  if (options.registries) checkRegistryOverride(options.registries, options.registriesFrom ?? 'registries');
  const git = await detectContext(options.env, options.exec, options.cwd);
  const registries = options.registries?.map(lowerRegistry) ?? config.push.registries;

  let push = options.push === true;
  let pushSkipped: string | undefined;
  if (options.push === 'auto') {
    push = registries.length > 0 && pushAllowed(config.push.when, git);
    if (!push) {
      pushSkipped =
        registries.length === 0
          ? 'no registry is configured'
          : `push.when (${config.push.when.join(', ')}) does not include this ${git.eventName || 'unknown'} event${git.ref ? ` on ${git.ref}` : ''}`;
    }
  } else if (push && registries.length === 0) {
    throw new MlImageError(
      `push requested but no registry is configured (push.registries in ${config.file}, or --registry)`,
    );
  }

  const registriesFrom = options.registries ? options.registriesFrom : undefined;
  const computed = makePlan(config, git, {
    push,
    registries,
    date: buildDate(options.env),
    sourceDate: sourceDateOf(options.env),
    filters: options.filters,
    source,
    registriesFrom,
  });
  const plan = options.planFile ? applyPlanFile(computed, path.resolve(options.cwd, options.planFile)) : computed;
  const backend = options.cacheBackend;
  if (backend) for (const job of plan.jobs) job.build.cache = { ...job.build.cache, backend };
  if (plan.jobs.length === 0) throw new MlImageError('the image and variant filters select nothing to build');
  const untagged = plan.jobs.find((j) => j.tags.length === 0);
  if (push && untagged) {
    throw new MlImageError(
      `no tag rule of ${untagged.image} applies to this ${git.eventName} event${git.ref ? ` on ${git.ref}` : ''}: nothing to push it as`,
    );
  }
  return { config, git, plan, pushSkipped };
}
