// Resources a run creates (containers, temp credential dirs) are registered here as they appear and
// released in reverse order at the end, on failure, and on SIGINT/SIGTERM. Releasing twice is harmless.
import type { Logger } from '../report/log.js';

export class Cleanup {
  private readonly tasks = new Map<string, () => Promise<void>>();

  add(key: string, release: () => Promise<void>): void {
    this.tasks.set(key, release);
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

  get size(): number {
    return this.tasks.size;
  }
}

async function runTask(key: string, task: () => Promise<void>, log: Logger): Promise<void> {
  try {
    await task();
  } catch (err: unknown) {
    log.warn(`cleanup of ${key} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
