// Owns the registry of everything a run creates that must not outlive it: containers, networks, volumes,
// buildx builders, temporary credential dirs. Phases register a resource when they create it and may
// release it early; whatever is left is released in reverse order at the end, on failure and on
// SIGINT/SIGTERM. Releasing twice is harmless. Below the phases: pipeline/, smoke/, build/ and registry/
// all register here, none imports another's cleanup.
import type { Logger } from '../log/log.js';

export type ResourceKind = 'container' | 'network' | 'volume' | 'builder' | 'credentials' | 'directory' | 'image';

export class Resources {
  private readonly tasks = new Map<string, () => Promise<void>>();

  /** Registers a resource and how to remove it; the key is its kind and name, e.g. "container ml-image-…". */
  add(kind: ResourceKind, name: string, release: () => Promise<void>): string {
    const key = `${kind} ${name}`;
    this.tasks.set(key, release);
    return key;
  }

  /** Releases one resource now (e.g. a container whose checks are done). */
  async release(key: string, log: Logger): Promise<void> {
    const task = this.tasks.get(key);
    this.tasks.delete(key);
    if (task) await runTask(key, task, log);
  }

  async releaseAll(log: Logger): Promise<void> {
    const entries = [...this.tasks.entries()].reverse();
    this.tasks.clear();
    for (const [key, task] of entries) await runTask(key, task, log);
  }

  /** What is registered now, for tests and for a report of what a failed cleanup left. */
  get keys(): string[] {
    return [...this.tasks.keys()];
  }
}

async function runTask(key: string, task: () => Promise<void>, log: Logger): Promise<void> {
  try {
    await task();
  } catch (err: unknown) {
    log.warn(`cleanup of ${key} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
