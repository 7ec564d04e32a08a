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

export async function buildImage(docker: Docker, job: BuildJob, signal?: AbortSignal): Promise<BuiltImage> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ml-image-build-'));
  try {
    const iidFile = path.join(dir, 'iid');
    const cmd = buildCommand(job, docker.builder, { iidFile });
    const started = Date.now();
    const result = await docker.call(cmd.args, { env: cmd.env, stream: true, signal });
    if (result.exitCode !== 0) {
      const last = tailOf(result, 40)
        .split('\n')
        .filter((l) => /error|failed/i.test(l))
        .pop();
      throw new MlImageError(`build of ${job.image.name} failed${last ? `: ${last.trim()}` : ` (exit ${result.exitCode})`}`);
    }
    const imageId = (await readFile(iidFile, 'utf8')).trim();
    if (!/^sha256:[a-f0-9]{64}$/.test(imageId)) throw new MlImageError(`build of ${job.image.name} wrote no image id`);
    return { imageId, durationMs: Date.now() - started };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
