// Parity: our lock between runs (src/resources/lock.ts) against proper-lockfile, the npm library it stands
// in for, on the behaviours that matter to two runs on one machine, each run a child node process: mutual
// exclusion, taking over the lock of a run that was killed, and what is left after a run exits holding it.
// Both agree on exclusion, on a timeout, and on the next run getting the lock after its holder died; they
// differ, asserted below, on when a lock counts as abandoned: ours when its owner's pid is gone,
// proper-lockfile when its mtime is older than `stale` (2 s at the least, 10 s by default), whoever holds
// it. Ours stays (its header has the figures and the reasons).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

type Impl = 'ours' | 'library';
/** hold: keep the lock holdMs, then release; hang: keep it until killed; exit: process.exit() holding it. */
type Mode = 'hold' | 'hang' | 'exit';

let dir: string;
let tmp: string;
let child: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'parity-lock-'));
  tmp = path.join(dir, 'tmp');
  mkdirSync(path.join(tmp, 'lib-locks'), { recursive: true });
  // Our lock, as JavaScript a child process can import: lock.ts and the one module it imports, transpiled.
  const ours = path.join(dir, 'ours');
  execFileSync(process.execPath, [
    '-e',
    `const ts = require(${JSON.stringify(require.resolve('typescript'))});
     const fs = require('fs'), path = require('path');
     for (const f of ['resources/lock.ts', 'errors.ts']) {
       const out = path.join(${JSON.stringify(ours)}, f.replace(/\\.ts$/, '.js'));
       const source = fs.readFileSync(path.join(${JSON.stringify(path.join(ROOT, 'src'))}, f), 'utf8');
       const options = { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 };
       fs.mkdirSync(path.dirname(out), { recursive: true });
       fs.writeFileSync(out, ts.transpileModule(source, { compilerOptions: options }).outputText);
     }`,
  ]);
  writeFileSync(path.join(ours, 'package.json'), '{ "type": "module" }\n');
  // One run: takes the lock `name` (waiting up to waitMs), says when it has it and when it lets it go.
  child = path.join(dir, 'child.mjs');
  writeFileSync(
    child,
    `import path from 'node:path';
const [impl, name, mode, holdMs, waitMs] = process.argv.slice(2);
const say = (what) => process.stdout.write(\`\${what} \${Date.now()}\\n\`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function hold() {
  say('acquired');
  if (mode === 'hang') await new Promise(() => setInterval(() => undefined, 1000));
  if (mode === 'exit') process.exit(0);
  await sleep(Number(holdMs));
  say('released');
}
try {
  if (impl === 'ours') {
    const { withLock } = await import(${JSON.stringify(path.join(ours, 'resources', 'lock.js'))});
    await withLock(name, hold, Number(waitMs));
  } else {
    const { default: lockfile } = await import(${JSON.stringify(require.resolve('proper-lockfile'))});
    const wait = Number(waitMs);
    const release = await lockfile.lock(path.join(process.env.TMPDIR, 'lib-locks', name), {
      realpath: false,
      stale: 2000,
      retries: wait > 0 ? { retries: Math.ceil(wait / 25), factor: 1, minTimeout: 25, maxTimeout: 25 } : 0,
      onCompromised: () => say('compromised'),
    });
    await hold();
    await release().catch(() => say('release-failed'));
  }
} catch (err) {
  say(\`failed:\${err.code ?? err.name}\`);
  process.exitCode = 2;
}
`,
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  /** Resolves with the time (ms since the epoch) of the first line starting with `what`. */
  said(what: string): Promise<number>;
  done: Promise<{ lines: string[]; code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

function start(impl: Impl, name: string, mode: Mode, holdMs = 0, waitMs = 5_000): Run {
  const p = spawn(process.execPath, [child, impl, name, mode, String(holdMs), String(waitMs)], {
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiting: { what: string; resolve: (t: number) => void }[] = [];
  let rest = '';
  p.stdout.setEncoding('utf8').on('data', (text: string) => {
    const parts = (rest + text).split('\n');
    rest = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const w of waiting.filter((w) => line.startsWith(w.what))) w.resolve(Number(line.split(' ')[1]));
    }
  });
  const done = new Promise<{ lines: string[]; code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    p.on('close', (code, signal) => resolve({ lines, code, signal })),
  );
  return {
    said: (what) =>
      new Promise((resolve, reject) => {
        const seen = lines.find((l) => l.startsWith(what));
        if (seen) {
          resolve(Number(seen.split(' ')[1]));
          return;
        }
        waiting.push({ what, resolve });
        void done.then(() => reject(new Error(`the run ended without saying ${what}: ${lines.join(' | ')}`)));
      }),
    done,
    kill: (signal) => p.kill(signal),
  };
}

const time = (lines: string[], what: string): number => Number(lines.find((l) => l.startsWith(what))!.split(' ')[1]);

/** Where each one keeps the lock `name`: ours a directory named by a hash, proper-lockfile `<file>.lock`. */
const lockPath = (impl: Impl, name: string): string =>
  impl === 'ours'
    ? path.join(tmp, 'ml-image-locks', createHash('sha256').update(name).digest('hex').slice(0, 32))
    : path.join(tmp, 'lib-locks', `${name}.lock`);

const IMPLS: Impl[] = ['ours', 'library'];
let names = 0;
const fresh = (impl: Impl) => `${impl}-${++names}`;

describe('ours and proper-lockfile agree', () => {
  it.each(IMPLS)(
    '%s: three runs at once hold the lock one at a time, and all get it',
    async (impl) => {
      const name = fresh(impl);
      const runs = await Promise.all([0, 1, 2].map(() => start(impl, name, 'hold', 150).done));
      for (const r of runs) expect(r.code).toBe(0);
      const spans = runs
        .map((r) => [time(r.lines, 'acquired'), time(r.lines, 'released')] as const)
        .sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
      expect(existsSync(lockPath(impl, name))).toBe(false);
    },
    15_000,
  );

  it.each(IMPLS)(
    '%s: a run that waits no longer than its timeout fails while another holds the lock',
    async (impl) => {
      const name = fresh(impl);
      const holder = start(impl, name, 'hang');
      await holder.said('acquired');
      const late = await start(impl, name, 'hold', 0, 150).done;
      holder.kill('SIGKILL');
      await holder.done;
      expect(late.lines.map((l) => l.split(' ')[0])).toEqual([
        impl === 'ours' ? 'failed:MlImageError' : 'failed:ELOCKED',
      ]);
    },
    15_000,
  );
});

// Where they differ. The difference that decides: when the lock of a run that is gone may be taken.
describe('where they differ, and why', () => {
  it.each(IMPLS)(
    '%s, a run killed holding the lock: ours lets the next run in at once; proper-lockfile only once the lock is older than stale',
    async (impl) => {
      const name = fresh(impl);
      const holder = start(impl, name, 'hang');
      await holder.said('acquired');
      holder.kill('SIGKILL');
      await holder.done;
      expect(existsSync(lockPath(impl, name))).toBe(true);
      const next = await start(impl, name, 'hold', 0, 0).done;
      if (impl === 'ours') {
        expect(next.code).toBe(0);
        return;
      }
      // Within stale (2 s, its floor) of the kill the lock still counts as held; past it, it is taken.
      expect(next.lines.map((l) => l.split(' ')[0])).toEqual(['failed:ELOCKED']);
      const past = (Date.now() - 3_000) / 1000;
      utimesSync(lockPath(impl, name), past, past);
      expect((await start(impl, name, 'hold', 0, 0).done).code).toBe(0);
    },
    15_000,
  );

  it.each(IMPLS)(
    "%s, a live holder's lock older than stale (its event loop stalled, the machine suspended): proper-lockfile lets a second run in beside it, ours does not",
    async (impl) => {
      const name = fresh(impl);
      const holder = start(impl, name, 'hang');
      await holder.said('acquired');
      // What a holder whose timer could not refresh the mtime for 3 s looks like from outside.
      const past = (Date.now() - 3_000) / 1000;
      utimesSync(lockPath(impl, name), past, past);
      const second = await start(impl, name, 'hold', 0, 0).done;
      if (impl === 'library') {
        // The holder learns it lost the lock at its next update (1 s after taking it); it still runs.
        await holder.said('compromised');
      }
      holder.kill('SIGKILL');
      const first = await holder.done;
      expect(first.lines.map((l) => l.split(' ')[0])).toEqual(
        impl === 'ours' ? ['acquired'] : ['acquired', 'compromised'],
      );
      expect(second.lines.map((l) => l.split(' ')[0])).toEqual(
        impl === 'ours' ? ['failed:MlImageError'] : ['acquired', 'released'],
      );
    },
    15_000,
  );

  // Where proper-lockfile does better: a pid is only a name for a process on this machine, in this pid
  // namespace, now. A runner that reuses the pid for another process keeps our lock held to the timeout.
  it.each(IMPLS)(
    '%s, a lock left by a run whose pid now names another, live process: ours waits it out to its timeout; proper-lockfile takes it once older than stale',
    async (impl) => {
      const name = fresh(impl);
      const lock = lockPath(impl, name);
      mkdirSync(lock, { recursive: true });
      if (impl === 'ours') writeFileSync(path.join(lock, 'pid'), String(process.pid));
      const past = (Date.now() - 3_000) / 1000;
      utimesSync(lock, past, past);
      const next = await start(impl, name, 'hold', 0, 150).done;
      expect(next.lines.map((l) => l.split(' ')[0])).toEqual(
        impl === 'ours' ? ['failed:MlImageError'] : ['acquired', 'released'],
      );
      rmSync(lock, { recursive: true, force: true });
    },
    15_000,
  );

  it.each(IMPLS)('%s, what importing it does to the process', (impl) => {
    const target =
      impl === 'ours' ? path.join(dir, 'ours', 'resources', 'lock.js') : require.resolve('proper-lockfile');
    const seen = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import fs from 'node:fs';
         const close = fs.close, closeSync = fs.closeSync, term = process.listeners('SIGTERM').length;
         await import(${JSON.stringify(target)});
         console.log(JSON.stringify({ close: fs.close !== close, closeSync: fs.closeSync !== closeSync,
           sigterm: process.listeners('SIGTERM').length - term }));`,
      ],
      { encoding: 'utf8' },
    );
    // proper-lockfile's graceful-fs wraps the process-wide fs.close and fs.closeSync (to retry EMFILE),
    // and its signal-exit listens for SIGTERM (to remove locks on the way out): the whole process changes.
    expect(JSON.parse(seen)).toEqual(
      impl === 'ours' ? { close: false, closeSync: false, sigterm: 0 } : { close: true, closeSync: true, sigterm: 1 },
    );
  });

  it.each(['exit', 'SIGTERM'] as const)(
    'a run that ends holding the lock (%s): proper-lockfile removes it on the way out; ours leaves it, and the next run takes it over at once',
    async (how) => {
      for (const impl of IMPLS) {
        const name = fresh(impl);
        const holder = start(impl, name, how === 'exit' ? 'exit' : 'hang');
        await holder.said('acquired');
        if (how === 'SIGTERM') holder.kill('SIGTERM');
        await holder.done;
        expect(existsSync(lockPath(impl, name))).toBe(impl === 'ours');
        expect((await start(impl, name, 'hold', 0, 0).done).code).toBe(0);
      }
    },
    15_000,
  );
});
