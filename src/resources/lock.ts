// Locks between concurrent runs on one machine (two jobs of a self-hosted runner, two CLI runs): what they
// share by name — an engine-wide tag between `docker tag` and `docker push`, a cache directory of a scope —
// is used by one at a time. A lock is a directory made atomically under the temp dir, holding the owner's
// pid; a lock whose owner is gone is taken over.
//
// Why not proper-lockfile, which does this on npm: test/unit/parity-lock.test.ts runs both in child
// processes. They agree on exclusion (three runs at once), on a timeout, and on the next run getting the
// lock of one that exited holding it. They differ on when a lock is abandoned: proper-lockfile goes by the
// lock's mtime, so a killed run's lock waits out `stale` (2 s at the least, 10 s by default), and a live run
// whose timer could not refresh it in time (a stalled event loop, a suspended machine) has a second run let
// in beside it; ours goes by the owner's pid, so a live owner is never overtaken and a dead one is at once.
// Where proper-lockfile does better: a pid means something only on this machine and in this pid namespace,
// so a pid reused by another process keeps our lock held to the timeout (asserted too). Importing
// proper-lockfile also rewraps the process's fs.close and fs.closeSync (graceful-fs) and adds a SIGTERM
// listener (signal-exit). Its cost, measured with ncc and scripts/bundle.mjs's options: 66,634 bytes
// against our 11,878, and 19-26 ms against 8 ms for the import and a first lock and release (medians of 21).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MlImageError } from '../errors.js';

const ROOT = (): string => path.join(os.tmpdir(), 'ml-image-locks');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: unknown) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs fn holding the named lock; waits for another holder up to timeoutMs, then fails naming the lock. */
export async function withLock<T>(name: string, fn: () => Promise<T>, timeoutMs = 30 * 60_000): Promise<T> {
  const dir = path.join(ROOT(), createHash('sha256').update(name).digest('hex').slice(0, 32));
  mkdirSync(ROOT(), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (let wait = 50; ; wait = Math.min(wait * 2, 1_000)) {
    try {
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'pid'), String(process.pid));
      break;
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number(readFileSync(path.join(dir, 'pid'), 'utf8'));
      } catch {
        // Just made, pid not written yet: wait.
      }
      if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new MlImageError(`waited ${timeoutMs / 1000}s for another run on this machine to release ${name}`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
