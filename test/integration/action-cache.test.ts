// Persisted cache mounts through the Action as GitHub runs it, with GitHub's cache service (protocol v2)
// played by test/support/cache-service.ts: the first run saves the RUN --mount=type=cache content with
// @actions/cache; a fresh runner (new RUNNER_TEMP, pruned builder) restores it, so a changed dependency
// downloads only what is new.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCacheService, type CacheService } from '../support/cache-service.js';
import { ActionRunner } from './action-runner.js';
import { debianDownloads, removeScratch, ROOT, scratchDir, testEnv, TINY, uid, writeFile } from './harness.js';

jest.setTimeout(600_000);

const env = testEnv();
let dir: string;
let svc: CacheService;

beforeAll(async () => {
  dir = scratchDir();
  svc = await startCacheService();
});
afterAll(async () => {
  await svc.close();
  removeScratch(dir);
});

/** The cache service's variables, as the runner gives them to every step. */
const serviceEnv = (): Record<string, string> =>
  Object.fromEntries(
    Object.entries(svc.env).filter((e): e is [string, string] => e[1] !== undefined && e[0].startsWith('ACTIONS_')),
  );

function config(name: string, extra: string): string {
  const text = `version: 1
images:
  - name: ${name}
    context: ${path.relative(dir, TINY)}
    build-args: { BASE_IMAGE: "${env.baseImage}", EXTRA_PKGS: "${extra}" }
    tags: [latest]
`;
  return path.relative(ROOT, writeFile(dir, `${uid()}.yml`, text));
}

const freshBuilder = () => execFileSync(env.docker, ['builder', 'prune', '--all', '--force']);

describe("cache mounts through GitHub's cache service", () => {
  it('saved by one run, restored on a fresh runner: only the new dependency is downloaded', async () => {
    const name = `it/action-mounts-${uid()}`;
    freshBuilder();
    const first = await new ActionRunner({ node: env.node24, workspace: ROOT, env: serviceEnv() }).main({
      config: config(name, ''),
    });
    expect(first.status).toBe(0);
    expect(first.log).toMatch(
      new RegExp(
        `saved cache mounts of ${name} \\(/var/cache/apt, /var/lib/apt/lists\\): [\\d.]+ MB in [\\d.]+s as ml-image-mounts-`,
      ),
    );
    const saved = svc.entries.filter((e) => e.finalized && e.key.startsWith('ml-image-mounts-'));
    expect(saved.length).toBeGreaterThanOrEqual(1);
    expect(saved.at(-1)!.blobBytes).toBeGreaterThan(500_000);

    freshBuilder();
    // Another workflow run on another runner: its own RUNNER_TEMP and run id.
    const second = await new ActionRunner({
      node: env.node24,
      workspace: ROOT,
      env: { ...serviceEnv(), GITHUB_RUN_ID: '4243' },
    }).main({ config: config(name, 'jq') });
    expect(second.status).toBe(0);
    expect(second.log).toMatch(
      new RegExp(
        `restored cache mounts of ${name} \\(/var/cache/apt, /var/lib/apt/lists\\): [\\d.]+ MB in [\\d.]+s from ml-image-mounts-`,
      ),
    );
    const got = debianDownloads(second.log);
    expect(got).toContain('jq');
    expect(got).not.toContain('python3-minimal');
    const images = JSON.parse(second.outputs.images) as Record<
      string,
      { 'cache-mounts': { 'restored-bytes': number } }
    >;
    expect(Object.values(images)[0]['cache-mounts']['restored-bytes']).toBeGreaterThan(1_000_000);
    // The working copy under the temp dir was uploaded, then loaded into BuildKit: no run leaves it behind.
    expect(
      readdirSync(path.join(os.tmpdir(), 'ml-image-mounts')).filter((d) => d.includes(name.replace('/', '-'))),
    ).toEqual([]);
  });

  it('a fresh runner whose registry cache holds the unchanged mount steps only looks the mounts up (lookupOnly), never downloads them', async () => {
    const name = `it/action-mounts-lazy-${uid()}`;
    const pushing = path.relative(
      ROOT,
      writeFile(
        dir,
        `${uid()}.yml`,
        `version: 1
images:
  - name: ${name}
    context: ${path.relative(dir, TINY)}
    build-args: { BASE_IMAGE: "${env.baseImage}", EXTRA_PKGS: "" }
    tags: [latest]
push:
  registries: [${env.registry}]
`,
      ),
    );
    freshBuilder();
    const first = await new ActionRunner({ node: env.node24, workspace: ROOT, env: serviceEnv() }).main({
      config: pushing,
      push: 'true',
    });
    expect(first.status).toBe(0);
    expect(first.log).toMatch(new RegExp(`saved cache mounts of ${name} .* as ml-image-mounts-`));

    freshBuilder();
    const before = svc.requests.length;
    const second = await new ActionRunner({
      node: env.node24,
      workspace: ROOT,
      env: { ...serviceEnv(), GITHUB_RUN_ID: '4244' },
    }).main({ config: pushing, push: 'true' });
    expect(second.status).toBe(0);
    expect(second.log).toMatch(
      new RegExp(
        `cache mounts of ${name} \\(/var/cache/apt, /var/lib/apt/lists\\): not restored, the steps that use them are unchanged since ml-image-mounts-\\S+ was saved`,
      ),
    );
    expect(debianDownloads(second.log)).toEqual([]);
    // One lookup, no blob download, and (nothing changed) no new save.
    expect(svc.requests.slice(before).map((r) => r.kind)).toEqual(['GetCacheEntryDownloadURL']);
  });
});
