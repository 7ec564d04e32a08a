// @ts-check
// The layer check of the lint gate: dependency-cruiser over src/ with the rules of .dependency-cruiser.cjs,
// which declares the layer order. Fails on any import circle (type-only imports included), on any import
// that goes up the order or sideways within a layer, and on a folder that is in no layer. In process and
// offline: it reads the tree and node_modules, nothing else.
//   node scripts/layers.mjs [--root DIR]   prints `file:line: [rule] message` per problem and exits 1, or a
//   one-line summary and exits 0.
// scripts/lint.mjs runs checkLayers() on the repository; test/unit/layers.test.ts runs this file on a copy.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rootFromArgs } from './root-arg.mjs';

const CONFIG = '.dependency-cruiser.cjs';

/** @typedef {{ file: string, line: number, rule: string, message: string }} LayerProblem */

/**
 * Whether `root` has something to check: a src/ folder and the layer config beside it.
 * @param {string} root
 */
export function hasLayers(root) {
  return existsSync(path.join(root, 'src')) && existsSync(path.join(root, CONFIG));
}

/**
 * Cruises root/src with root's .dependency-cruiser.cjs and tsconfig.json.
 * @param {string} root
 * @returns {Promise<{ modules: number, dependencies: number, problems: LayerProblem[] }>}
 */
export async function checkLayers(root) {
  // Loaded here, not at the top: lint.mjs imports this file also for fixture repositories without src/.
  const { cruise } = await import('dependency-cruiser');
  const { default: extractDepcruiseOptions } = await import('dependency-cruiser/config-utl/extract-depcruise-options');
  const { default: extractTSConfig } = await import('dependency-cruiser/config-utl/extract-ts-config');
  const options = await extractDepcruiseOptions(path.join(root, CONFIG));
  const tsConfigFile = path.join(root, 'tsconfig.json');
  const tsConfig = extractTSConfig(tsConfigFile);
  const { output } = await cruise(
    ['src'],
    { ...options, baseDir: root, tsConfig: { fileName: tsConfigFile }, outputType: 'json' },
    undefined,
    { tsConfig },
  );
  const result = typeof output === 'string' ? JSON.parse(output) : output;
  /** @type {import('dependency-cruiser').IViolation[]} */
  const violations = result.summary.violations;
  const forbidden = /** @type {{ name?: string, comment?: string }[]} */ (options.ruleSet?.forbidden ?? []);
  /** The layer of each folder (and file directly under src/), from the rule names `layer-N-NAME`. */
  const layerOf = new Map(
    forbidden.flatMap((r) => {
      const m = /^layer-(\d+)-(.+)$/.exec(r.name ?? '');
      return m ? [[m[2], Number(m[1])]] : [];
    }),
  );
  /** @param {string} file */
  const unitOf = (file) => {
    const m = /^src\/([^/]+)(\/|$)/.exec(file);
    return m ? m[1] : file;
  };
  const problems = violations.map((v) => {
    // The import to change: the one to the next file of a circle, or the one the rule forbids.
    const imported = v.cycle?.[0]?.name ?? v.to;
    return { file: v.from, line: importLine(root, v.from, imported), rule: v.rule.name, message: describe(v) };
  });
  return { modules: result.summary.totalCruised, dependencies: result.summary.totalDependenciesCruised, problems };

  /** @param {import('dependency-cruiser').IViolation} v @returns {string} */
  function describe(v) {
    const rule = v.rule.name;
    if (v.cycle && v.cycle.length > 0)
      return `import circle: ${[v.from, ...v.cycle.map((step) => step.name)].join(' -> ')}`;
    const from = unitOf(v.from);
    const to = unitOf(v.to);
    const [a, b] = [layerOf.get(from), layerOf.get(to)];
    if (rule.startsWith('layer-') && a !== undefined && b !== undefined) {
      const how =
        a === b
          ? `sideways: ${from} and ${to} are both in layer ${a}`
          : `upward: ${from} is in layer ${a}, ${to} in layer ${b}`;
      return `imports ${v.to}, ${how} (${CONFIG} declares the order)`;
    }
    return `imports ${v.to}: ${forbidden.find((r) => r.name === rule)?.comment ?? rule}`;
  }
}

/**
 * The line of `file` whose import names `target` (1 when none is found). Relative specifiers only, `.js`
 * standing for the `.ts` source, as in src/.
 * @param {string} root @param {string} file @param {string} target
 */
function importLine(root, file, target) {
  if (!existsSync(path.join(root, file))) return 1;
  const lines = readFileSync(path.join(root, file), 'utf8').split('\n');
  const index = lines.findIndex((line) => {
    const spec = /from '(\.{1,2}\/[^']+)'/.exec(line)?.[1];
    return spec !== undefined && path.posix.join(path.posix.dirname(file), spec).replace(/\.js$/, '.ts') === target;
  });
  return index + 1 || 1;
}

// Run as a script (not imported by lint.mjs).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = rootFromArgs(process.argv.slice(2), 'layers');
  const { modules, dependencies, problems } = await checkLayers(root);
  for (const p of problems) process.stdout.write(`${p.file}:${p.line}: [${p.rule}] ${p.message}\n`);
  if (problems.length) {
    process.stderr.write(`layers: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(`layers: ${modules} modules, ${dependencies} imports, no circle, none upward\n`);
  }
}
