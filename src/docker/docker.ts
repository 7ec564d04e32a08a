// The one place that runs the docker CLI. It knows which client binary to use, which builder it drives,
// and how to stream a command's output to the log; callers pass argument arrays built by pure functions.
import { MlImageError } from '../errors.js';
import { tailOf, type ExecOptions, type ExecResult, type Exec } from '../process/exec.js';
import type { Logger } from '../log/log.js';
import type { BuilderKind } from './detect.js';

/** Label put on every container ml-image starts, so the post step can find and remove leftovers. */
export const RUN_LABEL = 'io.github.ml-image.run';

export interface DockerCallOptions extends Omit<ExecOptions, 'onLine'> {
  /** Stream every output line to the log as the step's full output (builds, pushes). */
  stream?: boolean;
  /** A client config dir (--config) holding isolated registry credentials. */
  configDir?: string;
  /** Keep the output out of even the debug log (machine-readable answers such as docker info's JSON). */
  quiet?: boolean;
  /** Sees every output line as it comes (a caller that stops the command on what it reads). */
  watch?: (line: string) => void;
}

export class Docker {
  constructor(
    readonly binary: string,
    readonly builder: BuilderKind,
    private readonly exec: Exec,
    private readonly log: Logger,
  ) {}

  /** Runs docker; returns the result whatever the exit code. */
  async call(args: readonly string[], options: DockerCallOptions = {}): Promise<ExecResult> {
    const { stream, configDir, quiet, watch, ...rest } = options;
    const full = configDir ? ['--config', configDir, ...args] : [...args];
    this.log.debug(`$ ${this.binary} ${full.join(' ')}`);
    return this.exec(this.binary, full, {
      ...rest,
      onLine: (line) => {
        watch?.(line);
        if (!line.trim() || quiet) return;
        if (stream) this.log.output(line);
        else this.log.debug(line);
      },
    });
  }

  /** Runs docker and throws a one-line reason (plus the output's tail) when it fails. */
  async ok(args: readonly string[], what: string, options: DockerCallOptions = {}): Promise<ExecResult> {
    const result = await this.call(args, options);
    if (result.exitCode !== 0) {
      const why =
        result.spawnError ??
        (result.timedOut ? `timed out after ${(options.timeoutMs ?? 0) / 1000}s` : tailOf(result, 8));
      throw new MlImageError(`${what} failed: ${why}`);
    }
    return result;
  }

  async assertEngine(): Promise<string> {
    const r = await this.call(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 30_000 });
    if (r.exitCode !== 0) {
      throw new MlImageError(`cannot reach the Docker engine with ${this.binary}: ${r.spawnError ?? tailOf(r, 3)}`);
    }
    return r.stdout.trim();
  }

  /** Removes containers by name or id; missing ones are fine (cleanup must be idempotent). */
  async removeContainers(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.call(['rm', '--force', '--volumes', ...ids], { timeoutMs: 60_000 });
  }

  async containersWithLabel(label: string): Promise<string[]> {
    return this.listIds(['ps', '--all', '--quiet'], label);
  }

  /**
   * Removes every container, then network, then volume labelled with this run id (containers first: they
   * hold the others), then the names the run gave images: `<image>:ml-image-<run id>` (the image it tests)
   * and `ml-image-setup/<run id>-…` (smoke-test setup commits). Only names go; an image another name keeps
   * stays. Returns how many of each were found; cleanup must never fail, so errors only warn.
   */
  async sweepRun(runId: string): Promise<{ containers: number; networks: number; volumes: number; images: number }> {
    const label = `${RUN_LABEL}=${runId}`;
    const containers = await this.listIds(['ps', '--all', '--quiet'], label);
    await this.removeContainers(containers);
    const networks = await this.listIds(['network', 'ls', '--quiet'], label);
    if (networks.length > 0) await this.call(['network', 'rm', ...networks], { timeoutMs: 60_000 });
    const volumes = await this.listIds(['volume', 'ls', '--quiet'], label);
    if (volumes.length > 0) await this.call(['volume', 'rm', '--force', ...volumes], { timeoutMs: 60_000 });
    const images = await this.imageNamesOfRun(runId);
    if (images.length > 0) await this.call(['image', 'rm', ...images], { timeoutMs: 60_000 });
    return { containers: containers.length, networks: networks.length, volumes: volumes.length, images: images.length };
  }

  /**
   * Image names this run made (see sweepRun). Found by reference filters (a name of up to five path parts):
   * listing every image makes the engine size each one, seconds on an engine with a thousand.
   */
  async imageNamesOfRun(runId: string): Promise<string[]> {
    const filters = [1, 2, 3, 4, 5].flatMap((parts) => [
      '--filter',
      `reference=${Array(parts).fill('*').join('/')}:ml-image-${runId}`,
    ]);
    const r = await this.call(
      [
        'image',
        'ls',
        ...filters,
        '--filter',
        `reference=ml-image-setup/${runId}-*`,
        '--format',
        '{{.Repository}}:{{.Tag}}',
      ],
      { timeoutMs: 30_000, quiet: true },
    );
    return r.exitCode === 0 ? [...new Set(r.stdout.split('\n').filter(Boolean))] : [];
  }

  private async listIds(args: readonly string[], label: string): Promise<string[]> {
    const r = await this.call([...args, '--filter', `label=${label}`], { timeoutMs: 30_000 });
    return r.exitCode === 0 ? r.stdout.split('\n').filter(Boolean) : [];
  }
}
