// @ts-check
// The layers of src/ and the rules that keep them, for dependency-cruiser (scripts/layers.mjs runs it in
// `npm run lint`). Type-only imports count like any other (tsPreCompilationDeps): a type taken from above
// ties two layers as much as a value does.
//
// A file may import from its own folder and from the layers below its own; never from a layer above it
// (upward), never from another folder of its own layer (sideways: which of two siblings may lean on the
// other is decided by putting them in two layers), and never in a circle, not even inside one folder.
// A folder that is in no layer may neither import nor be imported: a new folder gets its place here first.

/** The one declaration of the layer order, lowest first. A name ending in .ts is a file directly under src/. */
const LAYERS = [
  // What knows nothing of ml-image's config or images: errors, small helpers, the logger, the one seam that
  // starts processes, and the Dockerfile reader.
  ['errors.ts', 'util', 'log', 'process', 'dockerfile'],
  // metadata-action's language (tag rules, expressions, templates, labels) and the git context.
  ['meta'],
  // The config file: schema, YAML loading, checks (tag rules with meta's parser), the resolved Config.
  ['config'],
  // Config + git context → the Plan: pure data, no engine.
  ['plan'],
  // The engine's seam (the docker CLI, what the builder can do); what a run made and must remove.
  ['docker', 'resources'],
  // Layer-cache backends and persisted cache mounts.
  ['cache'],
  // Building an image (with the cache's flags); smoke-testing it.
  ['build', 'smoke'],
  // Credentials, login and the registry-level pushes: by tag, by digest (the build run again from the
  // cache), and the index that puts a target's platforms under its tags.
  ['registry'],
  // Test records: what a passing smoke test proves about a digest, attached to it in the registry.
  ['proof'],
  // What a run produced, gathered from the layers below: outputs, job summary, smoke-test reports.
  ['report'],
  // The phases of a run (setup, log in, build, smoke test, push) and the state they hand on: a Plan in, a
  // result out; no config file read here.
  ['pipeline'],
  // The commands the front ends call: plan (config + checkout → Plan), build (the pipeline's phases over
  // it), test (one smoke test, no build) and merge (a fan-out's indexes).
  ['commands'],
  // The two front ends.
  ['action', 'cli'],
];

const escape = (/** @type {string} */ text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The path pattern of one folder or file of a layer. */
const unit = (/** @type {string} */ name) => (name.endsWith('.ts') ? `src/${escape(name)}$` : `src/${escape(name)}/`);
const anyOf = (/** @type {string[]} */ names) => `^(${names.map(unit).join('|')})`;

/** @type {import('dependency-cruiser').IForbiddenRuleType[]} */
const layerRules = LAYERS.flatMap((layer, i) =>
  layer.map((name) => {
    const above = LAYERS.slice(i + 1).flat();
    const siblings = layer.filter((other) => other !== name);
    const forbidden = [...siblings, ...above];
    return {
      // One rule for each folder, so that scripts/layers.mjs can tell every folder's layer from the names.
      name: `layer-${i + 1}-${name}`,
      comment: `${name} is in layer ${i + 1} of ${LAYERS.length}: it imports from its own folder and from layers below ${i + 1} only`,
      severity: 'error',
      from: { path: anyOf([name]) },
      // The top layer's only folder may import anything of src/: a pattern that matches nothing.
      to: { path: forbidden.length > 0 ? anyOf(forbidden) : '^(?!)' },
    };
  }),
);

const ALL = anyOf(LAYERS.flat());

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'files that import each other in a loop, type-only imports included',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'in-no-layer',
      comment: 'a file of src/ in no layer of .dependency-cruiser.cjs imports: give its folder a layer',
      severity: 'error',
      from: { path: '^src/', pathNot: ALL },
      to: {},
    },
    {
      name: 'to-no-layer',
      comment: 'an import of a file of src/ in no layer of .dependency-cruiser.cjs: give its folder a layer',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: ALL },
    },
    ...layerRules,
  ],
  options: {
    // Only src/ is layered; what it imports from node_modules is no layer's business.
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
