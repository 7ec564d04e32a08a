// Builds one job's image with BuildKit and loads it into the local engine, returning its image id.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Docker } from '../docker/docker.js';
import { MlImageError } from '../errors.js';
import { tailOf } from '../process/run.js';
import type { BuildJob } from '../plan/plan.js';
import { buildCommand } from './argv.js';

export interface BuiltImage {
  imageId: string;
  durationMs: number;
}

export interface BuildOptions {
  push: boolean;
  /** The private docker config holding registry logins, so --cache-from can read a private registry. */
  configDir?: string;
  /** Values of the job's secrets by name: only the build process's environment holds them. */
  secretEnv?: Record<string, string>;
  signal?: AbortSignal;
}

export async function buildImage(docker: Docker, job: BuildJob, options: BuildOptions): Promise<BuiltImage> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ml-image-build-'));
  try {
    const iidFile = path.join(dir, 'iid');
    const cmd = buildCommand(job, docker.builder, { iidFile, push: options.push });
    const started = Date.now();
    const result = await docker.call(cmd.args, {
      env: { ...cmd.env, ...options.secretEnv },
      stream: true,
      signal: options.signal,
      configDir: options.configDir,
    });
    if (result.exitCode !== 0) {
      const last = tailOf(result, 40)
        .split('\n')
        .filter((l) => /error|failed/i.test(l))
        .pop();
      throw new MlImageError(`build of ${job.image} failed${last ? `: ${last.trim()}` : ` (exit ${result.exitCode})`}`);
    }
    const imageId = (await readFile(iidFile, 'utf8')).trim();
    if (!/^sha256:[a-f0-9]{64}$/.test(imageId)) throw new MlImageError(`build of ${job.image} wrote no image id`);
    return { imageId, durationMs: Date.now() - started };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
