// @ts-check
// Jest's global setup and teardown: the CLI's local caches (layer cache and persisted cache mounts, one per
// image scope, and every test image has a scope of its own) go to a directory of this test run, removed at
// the end, instead of accumulating in ~/.cache/ml-image run after run. A cache dir the caller set is left alone.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ownerGone } from './run-registries.mjs';

const KEY = '__mlImageTestCacheRoot';

/**
 * Cache roots of runs killed before their teardown (one run's persisted mounts reach about 5 GB: every test
 * image has a scope of its own), found by their jest process being gone; a concurrent run's root stays.
 * @returns {number} how many were removed
 */
export function sweepDeadCaches(parent = os.tmpdir()) {
  const dead = readdirSync(parent)
    .filter((n) => n.startsWith('ml-image-test-cache-'))
    .map((n) => path.join(parent, n))
    .filter(ownerGone);
  for (const d of dead) rmSync(d, { recursive: true, force: true });
  return dead.length;
}

export async function setup() {
  if (process.env.ML_IMAGE_CACHE_DIR) return;
  const swept = sweepDeadCaches();
  if (swept)
    process.stderr.write(
      `removed ${swept} cache directories of earlier test runs that were killed before their teardown\n`,
    );
  const root = mkdtempSync(path.join(os.tmpdir(), 'ml-image-test-cache-'));
  writeFileSync(path.join(root, 'owner.pid'), `${process.pid}\n`);
  process.env.ML_IMAGE_CACHE_DIR = path.join(root, 'buildkit');
  /** @type {Record<string, unknown>} */ (globalThis)[KEY] = root;
}

export async function teardown() {
  const root = /** @type {Record<string, unknown>} */ (globalThis)[KEY];
  if (typeof root === 'string') rmSync(root, { recursive: true, force: true });
}
