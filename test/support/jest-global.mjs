// @ts-check
// Jest's global setup and teardown: the CLI's local caches (layer cache and persisted cache mounts, one per
// image scope, and every test image has a scope of its own) go to a directory of this test run, removed at
// the end, instead of accumulating in ~/.cache/ml-image run after run. A cache dir the caller set is left alone.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const KEY = '__mlImageTestCacheRoot';

export async function setup() {
  if (process.env.ML_IMAGE_CACHE_DIR) return;
  const root = mkdtempSync(path.join(os.tmpdir(), 'ml-image-test-cache-'));
  process.env.ML_IMAGE_CACHE_DIR = path.join(root, 'buildkit');
  /** @type {Record<string, unknown>} */ (globalThis)[KEY] = root;
}

export async function teardown() {
  const root = /** @type {Record<string, unknown>} */ (globalThis)[KEY];
  if (typeof root === 'string') rmSync(root, { recursive: true, force: true });
}
