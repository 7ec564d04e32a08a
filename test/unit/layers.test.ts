// The layer check of the lint gate (scripts/layers.mjs, dependency-cruiser with .dependency-cruiser.cjs),
// run as a subprocess: it passes on the real tree, and it fails on a copy of src/ given one upward import
// (config importing from commands, type-only, as such imports count too) and one circle, naming both.
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const LAYERS = path.join(REPO, 'scripts', 'layers.mjs');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ml-image-layers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function check(root: string): { status: number | null; lines: string[] } {
  const r = spawnSync(process.execPath, [LAYERS, '--root', root], {
    cwd: os.tmpdir(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, lines: r.stdout.trim().split('\n') };
}

/** src/, the layer config and tsconfig.json copied into a fresh directory. */
function copyOfTree(name: string): string {
  const root = path.join(tmp, name);
  cpSync(path.join(REPO, 'src'), path.join(root, 'src'), { recursive: true });
  for (const file of ['.dependency-cruiser.cjs', 'tsconfig.json']) cpSync(path.join(REPO, file), path.join(root, file));
  return root;
}

describe('the layer check', () => {
  it('passes on the real tree', () => {
    const r = check(REPO);
    expect(r.status).toBe(0);
    expect(r.lines).toEqual([expect.stringMatching(/^layers: \d+ modules, \d+ imports, no circle, none upward$/)]);
  });

  it('fails on a copy with an upward import and a circle, naming both', () => {
    const root = copyOfTree('broken');
    // Upward: config (layer 3) takes a type from commands (layer 12), on the line after the file's last.
    const upwardLine = readFileSync(path.join(root, 'src/config/paths.ts'), 'utf8').split('\n').length;
    appendFileSync(
      path.join(root, 'src/config/paths.ts'),
      "import type { PlanFromConfigOptions } from '../commands/plan-from-config.js';\nexport type Options = PlanFromConfigOptions;\n",
    );
    // A circle inside one folder of the lowest layer: objects.ts and suggest.ts import each other.
    appendFileSync(
      path.join(root, 'src/util/objects.ts'),
      "import { suggest } from './suggest.js';\nexport const near = suggest;\n",
    );
    appendFileSync(
      path.join(root, 'src/util/suggest.ts'),
      "import { isObject } from './objects.js';\nexport const mapping = isObject;\n",
    );
    const r = check(root);
    expect(r.status).toBe(1);
    expect(r.lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^src/config/paths\\.ts:${upwardLine}: \\[layer-3-config\\] imports src/commands/plan-from-config\\.ts, upward: config is in layer 3, commands in layer 12`,
        ),
      ),
    );
    expect(r.lines).toContainEqual(
      expect.stringMatching(
        /^src\/util\/(objects|suggest)\.ts:\d+: \[no-circular\] import circle: src\/util\/(objects|suggest)\.ts -> src\/util\/(objects|suggest)\.ts -> src\/util\/(objects|suggest)\.ts$/,
      ),
    );
    // The upward import closes circles back through commands/ into config/: those are named too.
    expect(
      r.lines.filter((l) => l.includes('[no-circular]') && l.includes('src/commands/plan-from-config.ts')).length,
    ).toBeGreaterThan(0);
  });

  it('fails on a folder that is in no layer, and on an import sideways within a layer', () => {
    const root = copyOfTree('unplaced');
    cpSync(path.join(root, 'src/util/objects.ts'), path.join(root, 'src/helpers/objects.ts'));
    appendFileSync(
      path.join(root, 'src/errors.ts'),
      "import { isObject } from './helpers/objects.js';\nexport const mapping = isObject;\n",
    );
    appendFileSync(
      path.join(root, 'src/action/names.ts'),
      "import { USAGE } from '../cli/args.js';\nexport const usage = USAGE;\n",
    );
    const r = check(root);
    expect(r.status).toBe(1);
    expect(r.lines).toContainEqual(
      expect.stringMatching(/^src\/errors\.ts:\d+: \[to-no-layer\] imports src\/helpers\/objects\.ts: /),
    );
    expect(r.lines).toContainEqual(
      expect.stringMatching(
        /^src\/action\/names\.ts:\d+: \[layer-13-action\] imports src\/cli\/args\.ts, sideways: action and cli are both in layer 13/,
      ),
    );
  });
});
