// Whether smoke-test containers get GPUs: detection on this runner, and the policy that turns
// (policy, image needs a GPU, GPU present) into a decision, a warning, or a clear failure.
import type { GpuPolicy } from '../config/types.js';
import { MlImageError } from '../errors.js';
import { readdirSync, readFileSync } from 'node:fs';
import type { Docker } from '../docker/docker.js';
import type { Exec } from '../process/exec.js';
import type { Logger } from '../log/log.js';

export interface GpuDecision {
  gpus: boolean;
  warning?: string;
}

export function decideGpu(policy: GpuPolicy, imageNeedsGpu: boolean, gpuPresent: boolean, image: string): GpuDecision {
  if (policy === 'none') return { gpus: false };
  if (policy === 'required') {
    if (!gpuPresent)
      throw new MlImageError(
        `smoke test of ${image} requires a GPU (smoke-test.gpu: required) but this runner has none`,
      );
    return { gpus: true };
  }
  if (!imageNeedsGpu) return { gpus: false };
  if (gpuPresent) return { gpus: true };
  return { gpus: false, warning: `${image} is a GPU image but this runner has no GPU: its smoke test runs on CPU` };
}

/** How containers get GPUs: Docker's --gpus (NVIDIA runtime hook), or a CDI device the engine has a spec for. */
export type GpuDevice = 'gpus-flag' | 'cdi';

export interface EngineGpuFacts {
  /** Runtimes the engine lists (docker info .Runtimes). */
  runtimes: string[];
  /** CDI spec directories the engine reads (docker info .CDISpecDirs; Docker 25+ with CDI on). */
  cdiSpecDirs: string[];
  /** Whether one of those directories holds an NVIDIA spec (nvidia.com/gpu devices). */
  nvidiaCdiSpec: boolean;
}

/** CDI when the engine reads CDI specs and has NVIDIA's; else --gpus, which needs the NVIDIA runtime hook. */
export function gpuDeviceFor(facts: EngineGpuFacts): GpuDevice {
  return facts.cdiSpecDirs.length > 0 && facts.nvidiaCdiSpec ? 'cdi' : 'gpus-flag';
}

/** One line for the log: what was found. */
export function describeGpu(present: boolean, facts: EngineGpuFacts): string {
  const cdi =
    facts.cdiSpecDirs.length > 0
      ? `CDI spec dirs ${facts.cdiSpecDirs.join(', ')}${facts.nvidiaCdiSpec ? ' (NVIDIA spec found)' : ' (no NVIDIA spec)'}`
      : 'no CDI';
  return `GPU: ${present ? 'nvidia-smi lists a GPU' : 'nvidia-smi lists none'}; engine runtimes ${facts.runtimes.join(', ') || 'none'}; ${cdi}; containers get ${present ? (gpuDeviceFor(facts) === 'cdi' ? '--device nvidia.com/gpu=all' : '--gpus all') : 'no GPU'}`;
}

/** A GPU is usable when nvidia-smi lists one; the engine side (--gpus) needs the NVIDIA toolkit too. */
export async function detectGpu(exec: Exec): Promise<boolean> {
  const r = await exec('nvidia-smi', ['-L'], { timeoutMs: 20_000 });
  return r.exitCode === 0 && /^GPU \d+:/m.test(r.stdout);
}

/** What the engine says about GPUs: runtimes and CDI spec directories (docker info), NVIDIA's spec among them. */
export async function engineGpuFacts(
  info: () => Promise<string>,
  readDir: (dir: string) => string[],
  readText: (file: string) => string,
): Promise<EngineGpuFacts> {
  let parsed: { Runtimes?: Record<string, unknown>; CDISpecDirs?: string[] | null } = {};
  try {
    parsed = JSON.parse(await info()) as typeof parsed;
  } catch {
    // An engine that does not answer in JSON has nothing to say about GPUs.
  }
  const cdiSpecDirs = parsed.CDISpecDirs ?? [];
  const nvidiaCdiSpec = cdiSpecDirs.some((dir) => {
    try {
      return readDir(dir).some((f) => /\.(ya?ml|json)$/.test(f) && /nvidia\.com\/gpu/.test(readText(`${dir}/${f}`)));
    } catch {
      return false;
    }
  });
  return { runtimes: Object.keys(parsed.Runtimes ?? {}), cdiSpecDirs, nvidiaCdiSpec };
}

/** src/smoke/probes/torch-cuda.py, word for word (a unit test keeps the two equal; the device check runs the file). */
export const TORCH_CUDA_PROBE = `# ml-image's built-in GPU probe for images with PyTorch: passes when torch is absent (nothing to probe),
# fails when torch is there but sees no CUDA device or cannot run a kernel on it.
import importlib.util, sys
if importlib.util.find_spec("torch") is None:
    print("torch not installed: skipped"); sys.exit(0)
import torch
if not torch.cuda.is_available():
    print("torch " + torch.__version__ + " sees no CUDA device", file=sys.stderr); sys.exit(1)
x = torch.ones(1024, device="cuda")
print("torch " + torch.__version__ + ": " + str(torch.cuda.device_count()) + " CUDA device(s), " + torch.cuda.get_device_name(0) + ", sum " + str(int(x.sum().item())))
`;

/**
 * The built-in checks a GPU smoke test gets (smoke-test.gpu-check, default on): the GPU is visible in the
 * container (nvidia-smi -L, which the NVIDIA runtime or CDI mounts in), and PyTorch, when the image has it,
 * runs a kernel on it.
 */
export function builtInGpuChecks(): { name: string; run: string[]; expectOutput: string[] }[] {
  return [
    { name: 'GPU visible (nvidia-smi -L)', run: ['nvidia-smi', '-L'], expectOutput: ['^GPU \\d+: '] },
    {
      name: 'PyTorch runs on CUDA (when installed)',
      run: ['python3', '-c', TORCH_CUDA_PROBE],
      expectOutput: ['^torch (not installed|.*CUDA device)'],
    },
  ];
}

/**
 * What a smoke test needs to know about GPUs on this runner and engine, found once per run and logged in
 * one line: whether nvidia-smi lists a GPU, and how the engine hands it over.
 */
export async function probeGpuSetup(
  exec: Exec,
  docker: Docker,
  log: Logger,
): Promise<{ gpuPresent: boolean; gpuDevice: GpuDevice }> {
  const gpuPresent = await detectGpu(exec);
  const facts = await engineGpuFacts(
    async () => (await docker.call(['info', '--format', '{{json .}}'], { timeoutMs: 30_000, quiet: true })).stdout,
    readdirSync,
    (f) => readFileSync(f, 'utf8'),
  );
  log.info(describeGpu(gpuPresent, facts));
  return { gpuPresent, gpuDevice: gpuDeviceFor(facts) };
}
