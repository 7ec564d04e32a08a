// Whether smoke-test containers get GPUs: detection on this runner, and the policy that turns
// (policy, image needs a GPU, GPU present) into a decision, a warning, or a clear failure.
import type { GpuPolicy } from '../config/types.js';
import { MlImageError } from '../errors.js';
import type { Runner } from '../process/run.js';

export interface GpuDecision {
  gpus: boolean;
  warning?: string;
}

export function decideGpu(policy: GpuPolicy, imageNeedsGpu: boolean, gpuPresent: boolean, image: string): GpuDecision {
  if (policy === 'none') return { gpus: false };
  if (policy === 'required') {
    if (!gpuPresent) throw new MlImageError(`smoke test of ${image} requires a GPU (smoke-test.gpu: required) but this runner has none`);
    return { gpus: true };
  }
  if (!imageNeedsGpu) return { gpus: false };
  if (gpuPresent) return { gpus: true };
  return { gpus: false, warning: `${image} is a GPU image but this runner has no GPU: its smoke test runs on CPU` };
}

/** A GPU is usable when nvidia-smi lists one; the engine side (--gpus) needs the NVIDIA toolkit too. */
export async function detectGpu(run: Runner): Promise<boolean> {
  const r = await run('nvidia-smi', ['-L'], { timeoutMs: 20_000 });
  return r.exitCode === 0 && /^GPU \d+:/m.test(r.stdout);
}
