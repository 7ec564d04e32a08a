// The real @actions/cache (protocol v2) against the stand-in service of test/support/cache-service.ts:
// what it sends for a save and a restore, and how each failure surfaces to a caller (return value,
// exception, or a log line through @actions/core, which writes `::warning::…` etc. to stdout).
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import * as cache from '@actions/cache';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startCacheService, unsignedJwt, type CacheService, type RecordedRequest } from '../support/cache-service.js';

jest.setTimeout(120_000);

const MiB = 1024 * 1024;
let svc: CacheService;
let ws: string;
const envBefore: Record<string, string | undefined> = {};
let out: string[] = [];
let stdout: { mockRestore(): void };

beforeAll(async () => {
  svc = await startCacheService();
  // The library reads process.env on every call (service version, URL, token, RUNNER_TEMP, workspace).
  for (const [k, v] of Object.entries(svc.env)) {
    envBefore[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  ws = svc.env['GITHUB_WORKSPACE'] ?? '';
  // @actions/core logs (info, ::debug::, ::warning::, ::add-mask::) and tar's output go to stdout.
  stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
});
afterAll(async () => {
  stdout.mockRestore();
  for (const [k, v] of Object.entries(envBefore)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await svc.close();
});
afterEach(() => {
  out = [];
});

/** The requests made since the last call, as "METHOD kind status" plus the raw records. */
function take(): { seq: string[]; raw: RecordedRequest[] } {
  const raw = svc.requests.splice(0);
  return { seq: raw.map((r) => `${r.method} ${r.kind} ${r.status}`), raw };
}
const warnings = (): string[] => out.filter((l) => l.startsWith('::warning::'));
const infos = (): string[] => out.filter((l) => !l.startsWith('::'));

/** (Re)creates `name` under the workspace with these files; returns its absolute path. */
function makeDir(name: string, files: Record<string, Buffer | string>): string {
  const dir = path.join(ws, name);
  rmSync(dir, { recursive: true, force: true });
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), data);
  }
  return dir;
}
function digest(dir: string): Record<string, string> {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
  return Object.fromEntries(
    files.map((d) => {
      const p = path.join(d.parentPath, d.name);
      return [path.relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex')];
    }),
  );
}

describe('@actions/cache v2 against the stand-in service', () => {
  it('saves a directory with one Put Blob (archive under 128 MiB) and restores identical bytes', async () => {
    const dir = makeDir('small', { 'a.txt': 'hello\n', 'sub/b.json': '{"b":1}\n', 'big.bin': randomBytes(20 * MiB) });
    const want = digest(dir);
    const id = await cache.saveCache([dir], 'deps-linux-1');
    expect(id).toBeGreaterThan(0);
    const save = take();
    expect(save.seq).toEqual(['POST CreateCacheEntry 200', 'PUT upload 201', 'POST FinalizeCacheEntryUpload 200']);
    expect(save.raw[1]?.path).toMatch(/^\/devstoreaccount1\/actions-cache\/[0-9a-f-]+\?sv=.*sig=…$/);
    expect(out.some((l) => l.includes('cache.tzst'))).toBe(true); // zstd on PATH → zstd-without-long
    const entry = svc.entries.find((e) => e.key === 'deps-linux-1');
    expect(entry).toMatchObject({ id, finalized: true });
    expect(entry?.size).toBe(entry?.blobBytes);
    expect(entry?.blobBytes).toBeGreaterThan(20 * MiB);

    rmSync(dir, { recursive: true });
    expect(await cache.restoreCache([dir], 'deps-linux-1')).toBe('deps-linux-1');
    expect(take().seq).toEqual(['POST GetCacheEntryDownloadURL 200', 'GET download 200']);
    expect(digest(dir)).toEqual(want);
    expect(warnings()).toEqual([]);
  });

  it('an archive over 128 MiB goes up as 64 MiB Put Blocks and one Put Block List, and comes back whole', async () => {
    const dir = makeDir('large', { 'weights.bin': randomBytes(130 * MiB), 'cfg.txt': 'x' });
    const want = digest(dir);
    expect(await cache.saveCache([dir], 'model-large')).toBeGreaterThan(0);
    const save = take();
    expect(save.seq).toEqual([
      'POST CreateCacheEntry 200',
      'PUT upload 201',
      'PUT upload 201',
      'PUT upload 201',
      'PUT upload 201',
      'POST FinalizeCacheEntryUpload 200',
    ]);
    const puts = save.raw.filter((r) => r.kind === 'upload').map((r) => r.path);
    expect(puts.slice(0, 3).every((p) => p.includes('comp=block&blockid='))).toBe(true);
    expect(new Set(puts.slice(0, 3)).size).toBe(3);
    expect(puts[3]).toContain('comp=blocklist');
    expect(svc.entries.find((e) => e.key === 'model-large')?.blobBytes).toBeGreaterThan(128 * MiB);

    rmSync(dir, { recursive: true });
    expect(await cache.restoreCache([dir], 'model-large')).toBe('model-large');
    expect(digest(dir)).toEqual(want);
    take();
  });

  it('restore keys and partial keys match by prefix, newest first; the version (paths) must match', async () => {
    const dir = makeDir('pfx', { 'v.txt': 'one' });
    await cache.saveCache([dir], 'pip-abc-1');
    makeDir('pfx', { 'v.txt': 'two' });
    await cache.saveCache([dir], 'pip-abc-2');
    rmSync(dir, { recursive: true });
    take();
    expect(await cache.restoreCache([dir], 'pip-zzz', ['pip-nope-', 'pip-abc-'])).toBe('pip-abc-2');
    expect(readFileSync(path.join(dir, 'v.txt'), 'utf8')).toBe('two');
    expect(infos()).toContain('Cache hit for restore-key: pip-abc-2\n');
    expect(await cache.restoreCache([dir], 'pip-abc-', [], { lookupOnly: true })).toBe('pip-abc-2'); // partial primary key
    expect(await cache.restoreCache([dir, path.join(ws, 'other')], 'pip-abc-1')).toBeUndefined(); // other paths, other version
    expect(take().seq).toEqual([
      'POST GetCacheEntryDownloadURL 200',
      'GET download 200',
      'POST GetCacheEntryDownloadURL 200',
      'POST GetCacheEntryDownloadURL 200',
    ]);
  });

  it('a miss is undefined: one lookup answered ok false, no download, no warning', async () => {
    const dir = makeDir('miss', { f: 'f' });
    expect(await cache.restoreCache([dir], 'never-saved', ['never-'])).toBeUndefined();
    expect(take().seq).toEqual(['POST GetCacheEntryDownloadURL 200']);
    expect(warnings()).toEqual([]);
  });

  it('saving a key again is refused with 409 already_exists: saveCache returns -1 and logs info, not a warning', async () => {
    const dir = makeDir('pfx', { 'v.txt': 'three' });
    expect(await cache.saveCache([dir], 'pip-abc-1')).toBe(-1);
    expect(take().seq).toEqual(['POST CreateCacheEntry 409']);
    expect(infos()).toContain(
      'Failed to save: Unable to reserve cache with key pip-abc-1, another job may be creating this cache.\n',
    );
    expect(warnings()).toEqual([]);
    expect(svc.entries.filter((e) => e.key === 'pip-abc-1')).toHaveLength(1);
  });

  it('a wrong runtime token (401): restore warns and misses, save logs info and returns -1; neither throws', async () => {
    const dir = makeDir('auth', { f: 'f' });
    process.env['ACTIONS_RUNTIME_TOKEN'] = unsignedJwt({ sub: 'someone-else' });
    try {
      expect(await cache.restoreCache([dir], 'deps-linux-1')).toBeUndefined();
      expect(await cache.saveCache([dir], 'auth-key')).toBe(-1);
    } finally {
      process.env['ACTIONS_RUNTIME_TOKEN'] = svc.token;
    }
    expect(take().seq).toEqual(['POST GetCacheEntryDownloadURL 401', 'POST CreateCacheEntry 401']);
    expect(warnings()).toEqual([
      expect.stringMatching(
        /^::warning::Failed to restore: Failed to GetCacheEntryDownloadURL: Received non-retryable error: Failed request: \(401\) Unauthorized: invalid runtime token/,
      ),
    ]);
    expect(infos()).toContain(
      'Failed to save: Unable to reserve cache with key auth-key, another job may be creating this cache.\n',
    );
  });

  it('one 500 on the blob PUT is retried at once by the storage SDK, and the save succeeds', async () => {
    const dir = makeDir('flaky', { f: randomBytes(1024) });
    svc.failNext('upload', 1);
    expect(await cache.saveCache([dir], 'flaky-1')).toBeGreaterThan(0);
    expect(take().seq).toEqual([
      'POST CreateCacheEntry 200',
      'PUT upload 500',
      'PUT upload 201',
      'POST FinalizeCacheEntryUpload 200',
    ]);
    expect(warnings()).toEqual([]);
  });

  it('an upload that fails for good only warns: -1, no finalize, and the key stays a miss', async () => {
    const dir = makeDir('broken', { f: randomBytes(1024) });
    svc.failNext('upload', 1, 403);
    expect(await cache.saveCache([dir], 'broken-1')).toBe(-1);
    expect(take().seq).toEqual(['POST CreateCacheEntry 200', 'PUT upload 403']);
    expect(warnings()).toEqual([
      expect.stringMatching(
        /^::warning::uploadCacheArchiveSDK: internal error uploading cache archive: injected failure/,
      ),
      expect.stringMatching(/^::warning::Failed to save: injected failure/),
    ]);
    expect(svc.entries.find((e) => e.key === 'broken-1')).toMatchObject({ finalized: false, blobBytes: undefined });
    expect(await cache.restoreCache([dir], 'broken-1')).toBeUndefined();
    take();
  });

  it('a failed download only warns and misses; a 4xx body is even taken for the archive, so tar fails', async () => {
    const dir = path.join(ws, 'pfx');
    svc.failNext('download', 1, 500); // 500 is not among the download retry codes (502/503/504)
    expect(await cache.restoreCache([dir], 'pip-abc-2')).toBeUndefined();
    svc.failNext('download', 1, 403); // only 5xx are errors to downloadCacheHttpClient: the XML is written out
    expect(await cache.restoreCache([dir], 'pip-abc-2')).toBeUndefined();
    expect(take().seq).toEqual([
      'POST GetCacheEntryDownloadURL 200',
      'GET download 500',
      'POST GetCacheEntryDownloadURL 200',
      'GET download 403',
    ]);
    expect(warnings()).toEqual([
      '::warning::Failed to restore: downloadCache failed: Cache service responded with 500\n',
      expect.stringMatching(/^::warning::Failed to restore: ".*tar" failed with error/),
    ]);
    expect(out.some((l) => l.startsWith('::error::'))).toBe(false);
  });

  it('what does throw: a bad key (ValidationError) and paths that match nothing (plain Error)', async () => {
    await expect(cache.saveCache([path.join(ws, 'pfx')], 'a,b')).rejects.toThrow(cache.ValidationError);
    await expect(cache.saveCache([path.join(ws, 'does-not-exist')], 'k')).rejects.toThrow(/^Path Validation Error/);
    await expect(cache.restoreCache([], 'k')).rejects.toThrow(cache.ValidationError);
    expect(take().seq).toEqual([]);
  });
});
