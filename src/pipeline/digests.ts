// The files a fan-out entry leaves for `merge`: one JSON per pushed-by-digest platform build, named by its
// matrix entry id, meant to travel as a workflow artifact. Read back strictly: a file that is not what an
// entry wrote is an error naming it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MlImageError } from '../errors.js';
import { digestFileName } from '../plan/ids.js';
import type { PlatformDigest } from '../registry/push-by-digest.js';

export async function writeDigestFile(dir: string, d: PlatformDigest, cwd: string): Promise<string> {
  const full = path.resolve(cwd, dir);
  await mkdir(full, { recursive: true });
  const file = path.join(full, digestFileName(d.entry));
  await writeFile(file, JSON.stringify({ version: 1, ...d }, null, 2) + '\n');
  return file;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Every digest file under a directory (artifacts may nest one folder per entry), by entry id. */
export function readDigestFiles(dir: string): Map<string, PlatformDigest> {
  if (!existsSync(dir)) throw new MlImageError(`digests directory not found: ${dir}`, 2);
  const out = new Map<string, PlatformDigest>();
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!name.endsWith('.json')) continue;
    const file = path.join(dir, name);
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      throw new MlImageError(`${file}: not a digest file (invalid JSON)`);
    }
    const ok =
      data.version === 1 &&
      typeof data.entry === 'string' &&
      typeof data.target === 'string' &&
      typeof data.digest === 'string' &&
      DIGEST.test(data.digest) &&
      typeof data.configDigest === 'string' &&
      DIGEST.test(data.configDigest) &&
      Array.isArray(data.refs) &&
      (data.smoke === 'passed' || data.smoke === 'skipped');
    if (!ok) throw new MlImageError(`${file}: not a digest file written by ml-image (version 1)`);
    const { version: _, ...d } = data;
    out.set(data.entry as string, d as unknown as PlatformDigest);
  }
  return out;
}
