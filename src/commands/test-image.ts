// The `test` command, `ml-image test IMAGE`: the smoke test on its own, against any image reference — the config's smoke test
// of one image/variant, container-structure-test files, or both. Nothing is built or pushed; every
// container, network and volume it starts is removed, whatever happens.
import path from 'node:path';
import { detectDocker } from '../docker/detect.js';
import { Docker } from '../docker/docker.js';
import { MlImageError } from '../errors.js';
import type { Env } from '../meta/context.js';
import { jobName } from '../plan/plan.js';
import { execProcess, type Exec } from '../process/exec.js';
import type { Logger } from '../log/log.js';
import { Resources } from '../resources/resources.js';
import type { StructureSuite } from '../smoke/check-model.js';
import { probeGpuSetup } from '../smoke/gpu.js';
import { smokeTest, type SmokeResult, type SmokeTarget } from '../smoke/smoke-test.js';
import { loadSuites, readSuite } from '../smoke/suites.js';
import { newRunId } from '../pipeline/state.js';
import { planFromConfig } from './plan-from-config.js';

export interface TestImageOptions {
  image: string;
  /** The config whose smoke test to run; undefined: only structure tests. */
  config?: string;
  images?: string[];
  variants?: string[];
  structureTests: string[];
  cwd: string;
  env: Env;
  docker?: string;
  log: Logger;
  exec?: Exec;
  runId?: string;
  signal?: AbortSignal;
}

export interface TestImageResult {
  /** What was tested: the image reference, with the config's image/variant when one was used. */
  name: string;
  result: SmokeResult;
  /** The run label's value on what the test made. */
  runId: string;
}

/** The job whose smoke test runs: the one the filters select from the config, or a bare one. */
async function jobFor(options: TestImageOptions, exec: Exec): Promise<{ job: SmokeTarget; suites: StructureSuite[] }> {
  const extra = options.structureTests.map((f) => readSuite(path.resolve(options.cwd, f)));
  if (!options.config) {
    const job: SmokeTarget = { id: 'test', image: options.image, variant: '', gpu: false };
    return { job, suites: extra };
  }
  const { plan } = await planFromConfig({
    config: options.config,
    cwd: options.cwd,
    env: options.env,
    push: false,
    filters: { images: options.images, variants: options.variants },
    exec,
  });
  if (plan.jobs.length > 1) {
    throw new MlImageError(
      `the config has ${plan.jobs.length} images and variants (${plan.jobs.map(jobName).join(', ')}): pick one with --image and --variant`,
      2,
    );
  }
  const job = plan.jobs[0];
  return { job, suites: [...(loadSuites(plan).get(job.id) ?? []), ...extra] };
}

export async function testImage(options: TestImageOptions): Promise<TestImageResult> {
  const exec = options.exec ?? execProcess;
  if (!options.config && options.structureTests.length === 0)
    throw new MlImageError('nothing to test: give --config (its smoke test) and/or --structure-test FILE', 2);
  const { job, suites } = await jobFor(options, exec);
  const choice = await detectDocker(exec, { docker: options.docker, pathVar: options.env.PATH });
  const docker = new Docker(choice.docker, choice.builder, exec, options.log);
  await docker.assertEngine();
  const present = await docker.call(['image', 'inspect', '--format', '{{.Id}}', options.image], {
    timeoutMs: 30_000,
    quiet: true,
  });
  if (present.exitCode !== 0)
    throw new MlImageError(`image ${options.image} is not in the engine (pull or build it first)`, 2);
  const resources = new Resources();
  const runId = options.runId ?? newRunId();
  try {
    const ctx = {
      docker,
      log: options.log,
      resources,
      runId,
      ...(await probeGpuSetup(exec, docker, options.log)),
      signal: options.signal,
    };
    const name = options.config ? `${options.image} (${jobName(job)})` : options.image;
    const result = await options.log.group(`Smoke test ${name}`, () => smokeTest(ctx, job, options.image, suites));
    return { name, result, runId };
  } finally {
    await resources.releaseAll(options.log);
  }
}
