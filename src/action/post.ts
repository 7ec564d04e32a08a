// The Action's post step: removes whatever the main step left behind — containers, networks and volumes
// found by the run label, a buildx builder created for the run, and the private docker config holding
// registry logins — even when main was cancelled or killed. It warns and never fails the job. Its run()
// is the step as the entry (index.ts) and @github/local-action's --post call it.
import * as core from '@actions/core';
import { rm } from 'node:fs/promises';
import { detectDocker } from '../docker/detect.js';
import { Docker } from '../docker/docker.js';
import { containerBuilderName } from '../pipeline/builders.js';
import { execProcess } from '../process/exec.js';
import { ActionLogger } from './logger.js';
import { Inputs, State } from './names.js';

/** The post step, with the runner's environment. */
export async function run(): Promise<void> {
  await runPost(process.env);
}

export async function runPost(env: Record<string, string | undefined> = process.env): Promise<void> {
  const log = new ActionLogger();
  try {
    const configDir = core.getState(State.dockerConfig);
    if (configDir) {
      await rm(configDir, { recursive: true, force: true });
      log.info('removed the temporary registry credentials');
    }
    const runId = core.getState(State.runId);
    if (!runId) return;
    const choice = await detectDocker(execProcess, {
      docker: core.getInput(Inputs.docker) || undefined,
      pathVar: env.PATH,
    });
    const docker = new Docker(choice.docker, choice.builder, execProcess, log);
    const left = await docker.sweepRun(runId);
    // A docker-container builder created for the run (pipeline/builders.ts) is found by its name.
    const builder = containerBuilderName(runId);
    const builders =
      choice.builder === 'buildx' &&
      (await docker.call(['buildx', 'inspect', builder], { timeoutMs: 30_000 })).exitCode === 0
        ? 1
        : 0;
    if (builders > 0) await docker.call(['buildx', 'rm', builder], { timeoutMs: 60_000 });
    const found = left.containers + left.networks + left.volumes + left.images + builders;
    log.info(
      found > 0
        ? `removed ${left.containers} container(s), ${left.networks} network(s), ${left.volumes} volume(s), ${left.images} image name(s), ${builders} builder(s) left by run ${runId}`
        : `run ${runId}: nothing left behind`,
    );
  } catch (err: unknown) {
    // Cleanup must never fail the job; say what was left instead.
    log.warn(`post cleanup incomplete: ${err instanceof Error ? err.message : String(err)}`);
  }
}
