// @ts-check
// `npm run bench`: how much ml-image's caching saves a fresh CI runner, measured, not asserted.
//
// For two ML images — the bundled iris example, and a heavier one (Debian's torch/scipy/pandas stack) —
// it times, N times each (BENCH_RUNS, default 3), and prints medians and ratios against a plain cold
// `docker buildx build` of the same Dockerfile:
//   plain cold build                        docker buildx build, builder pruned (the baseline)
//   fresh engine, no change                 ml-image build --push (build + smoke test + push), builder pruned
//   plain docker pull of the finished image (the floor a no-change run used to be held to)
//   fresh engine, no change, proven                ml-image build --push finding the test record of its
//                                                  build key: tags moved by manifest (target ≤ 0.3× a pull),
//                                                  each pushed tag checked registry-side to hold that digest
//   fresh engine, no change, smoke-test.retest: always   the path before the fast path: build+smoke+push
//   fresh engine, app code changed                 default, and with retest: always (the probe's cost)
//   fresh engine, a dependency changed      with and without persisted cache mounts
//   cache mount restore + save              as ml-image reports them
// A "fresh engine" keeps only the registry (the layer cache) and ml-image's mount store (what
// @actions/cache keeps on GitHub): the builder's cache, cache mounts included, and the images are removed.
// BENCH_PART=fast-path times only the no-change and app-change runs (and the pull), not the cold builds and
// dependency changes. Needs the environment of `scripts/test-env.sh up` (Docker 26 + buildx, registry on 127.0.0.1:5000).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/cli/index.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PART = process.env.BENCH_PART ?? 'all';
const s = (/** @type {number} */ ms) => `${(ms / 1000).toFixed(1)}s`;
const DOCKER = process.env.ML_IMAGE_TEST_DOCKER ?? '/usr/bin/docker';
const REGISTRY = process.env.ML_IMAGE_TEST_REGISTRY ?? '127.0.0.1:5000';
const BASE = process.env.ML_IMAGE_TEST_BASE_IMAGE ?? 'ml-image-test/debian:bookworm';
// Small packages a "dependency change" adds, a different one each run.
const EXTRAS = ['jq', 'bc', 'tree', 'less', 'file', 'zip', 'unzip', 'patch'];

/** @param {string[]} args @param {NodeJS.ProcessEnv} [env] */
function docker(args, env) {
  return execFileSync(DOCKER, args, { encoding: 'utf8', env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** @template T @param {() => T} fn @returns {{ ms: number, value: T }} */
function timed(fn) {
  const started = performance.now();
  const value = fn();
  return { ms: performance.now() - started, value };
}

/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/**
 * A workload: a copy of an image's context whose dependency step takes an EXTRA_PKGS build argument,
 * with ml-image configs (mounts persisted or not).
 * @param {{ name: string, context: string, dockerfile: string, target?: string, app: string, smoke: string }} w
 */
function prepare(w) {
  const dir = mkdtempSync(path.join(ROOT, '.tmp', `bench-${w.name}-`));
  cpSync(w.context, path.join(dir, 'ctx'), { recursive: true });
  const dockerfile = path.join(dir, 'ctx', 'Dockerfile');
  const text = readFileSync(w.dockerfile, 'utf8');
  const withExtra = text.replace(
    /(RUN --mount=type=cache[\s\S]*?apt-get install -y --no-install-recommends [^\n]*)/,
    (run) => `ARG EXTRA_PKGS=\n${run} \${EXTRA_PKGS}`,
  );
  if (withExtra === text) throw new Error(`${w.name}: no apt-get install step with cache mounts to extend`);
  writeFileSync(dockerfile, withExtra);
  const repo = `bench/${w.name}-${Date.now().toString(36)}`;
  /** @param {boolean} mounts @param {string} extra @param {'on-change' | 'always'} [retest] */
  const config = (mounts, extra, retest = 'on-change') => {
    const file = path.join(dir, `ml-image-${mounts ? 'mounts' : 'nomounts'}-${retest}.yml`);
    writeFileSync(
      file,
      `version: 1
images:
  - name: ${repo}
    context: ctx
${w.target ? `    target: ${w.target}\n` : ''}    build-args: { BASE_IMAGE: "${BASE}", EXTRA_PKGS: "${extra}" }
    tags: [latest]
    cache: { mounts: ${mounts} }
    smoke-test:
      retest: ${retest}
      commands:
        - { name: smoke, run: [python3, -c, "${w.smoke}"] }
push:
  registries: [${REGISTRY}]
`,
    );
    return file;
  };
  return { dir, repo, config, app: path.join(dir, 'ctx', w.app), dockerfile };
}

/** What a new runner has: no images of ours, an empty builder cache (cache mounts included). */
function freshEngine(/** @type {string} */ repo) {
  spawnSync(DOCKER, ['rmi', '--force', `${repo}:latest`, `${REGISTRY}/${repo}:latest`, `${repo}:plain`]);
  docker(['builder', 'prune', '--all', '--force']);
}

/** ml-image build --push; returns its wall time and the images JSON entry. @param {string} config @param {string} storeDir */
function mlImage(config, storeDir) {
  const imagesFile = path.join(os.tmpdir(), `bench-images-${process.pid}.json`);
  const r = timed(() =>
    spawnSync(
      process.execPath,
      [CLI, 'build', '-c', config, '--push', '--docker', DOCKER, '--images-file', imagesFile],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, GITHUB_ACTIONS: '', ML_IMAGE_CACHE_DIR: path.join(storeDir, 'buildkit') },
      },
    ),
  );
  if (r.value.status !== 0) throw new Error(`ml-image build failed:\n${r.value.stderr.slice(-3000)}`);
  /** @type {Record<string, any>} */
  const images = JSON.parse(readFileSync(imagesFile, 'utf8'));
  return { ms: r.ms, image: Object.values(images)[0] };
}

/** The digest the registry itself holds for a reference (skopeo, not ml-image's own client). @param {string} ref */
function registryDigest(ref) {
  return JSON.parse(execFileSync('skopeo', ['inspect', '--tls-verify=false', `docker://${ref}`], { encoding: 'utf8' }))
    .Digest;
}

/** @param {{ name: string, context: string, dockerfile: string, target?: string, app: string, smoke: string }} w */
function bench(w) {
  const p = prepare(w);
  const store = path.join(p.dir, 'store');
  const noMountsStore = path.join(p.dir, 'store-none');
  /** @type {Record<string, number[]>} */
  const t = {
    plainCold: [],
    noChange: [],
    noChangeFull: [],
    noChangeBuild: [],
    pull: [],
    appChange: [],
    appChangeFull: [],
    depMounts: [],
    depNoMounts: [],
    restoreSave: [],
  };
  let mountBytes = 0;
  const log = (/** @type {string} */ m) => process.stderr.write(`[${w.name}] ${m}\n`);

  const all = PART !== 'fast-path';
  for (let i = 0; all && i < RUNS; i++) {
    freshEngine(p.repo);
    const args = [
      'buildx',
      'build',
      '--progress=plain',
      '--load',
      '-t',
      `${p.repo}:plain`,
      '--build-arg',
      `BASE_IMAGE=${BASE}`,
      ...(w.target ? ['--target', w.target] : []),
      '-f',
      p.dockerfile,
      path.dirname(p.dockerfile),
    ];
    t.plainCold.push(timed(() => docker(args)).ms);
    log(`plain cold build ${((t.plainCold.at(-1) ?? 0) / 1000).toFixed(1)}s`);
  }
  // Seed the registry cache and the mount store (a first, cold ml-image run).
  freshEngine(p.repo);
  const seed = mlImage(p.config(true, ''), store);
  log(`seed (cold ml-image run) ${(seed.ms / 1000).toFixed(1)}s`);
  for (let i = 0; i < RUNS; i++) {
    freshEngine(p.repo);
    const r = mlImage(p.config(true, ''), store);
    if (!r.image.proven) throw new Error(`${w.name}: the no-change run was not proven (see its log)`);
    const held = registryDigest(`${REGISTRY}/${p.repo}:latest`);
    if (held !== r.image.proven.digest) throw new Error(`${w.name}: latest holds ${held}, not the proven digest`);
    t.noChange.push(r.ms);
    freshEngine(p.repo);
    const full = mlImage(p.config(true, '', 'always'), store);
    t.noChangeFull.push(full.ms);
    t.noChangeBuild.push(full.image['build-seconds'] * 1000);
    freshEngine(p.repo);
    t.pull.push(timed(() => docker(['pull', '--quiet', `${REGISTRY}/${p.repo}:latest`])).ms);
    log(`no change: proven ${s(r.ms)}, built and tested ${s(full.ms)}, pull ${s(t.pull.at(-1) ?? 0)}`);
  }
  // App changes, default and retest: always in turn, each from its own new source: both build the step.
  for (let i = 0; i < RUNS; i++) {
    for (const retest of /** @type {const} */ (['on-change', 'always'])) {
      writeFileSync(p.app, readFileSync(p.app, 'utf8') + `\n# bench change ${Date.now()}\n`);
      freshEngine(p.repo);
      (retest === 'always' ? t.appChangeFull : t.appChange).push(mlImage(p.config(true, '', retest), store).ms);
    }
  }
  // The store without mounts needs its own seed so both start from the same registry cache.
  for (let i = 0; all && i < RUNS; i++) {
    const extra = EXTRAS[i % EXTRAS.length];
    freshEngine(p.repo);
    const withMounts = mlImage(p.config(true, extra), store);
    t.depMounts.push(withMounts.ms);
    const m = withMounts.image['cache-mounts'] ?? {};
    t.restoreSave.push(((m['restore-seconds'] ?? 0) + (m['save-seconds'] ?? 0)) * 1000);
    mountBytes = Math.max(mountBytes, m['restored-bytes'] ?? 0, m['saved-bytes'] ?? 0);
    freshEngine(p.repo);
    t.depNoMounts.push(mlImage(p.config(false, `${extra} ${EXTRAS[(i + 4) % EXTRAS.length]}`), noMountsStore).ms);
    log(
      `dependency change ${extra}: with mounts ${((t.depMounts.at(-1) ?? 0) / 1000).toFixed(1)}s, without ${((t.depNoMounts.at(-1) ?? 0) / 1000).toFixed(1)}s`,
    );
  }
  rmSync(p.dir, { recursive: true, force: true });
  return { name: w.name, t, mountBytes };
}

const WORKLOADS = [
  {
    name: 'iris',
    context: path.join(ROOT, 'examples/iris'),
    dockerfile: path.join(ROOT, 'examples/iris/Dockerfile'),
    target: 'runtime',
    app: 'serve.py',
    smoke: 'import sklearn',
  },
  {
    name: 'heavy',
    context: path.join(ROOT, 'bench/heavy'),
    dockerfile: path.join(ROOT, 'bench/heavy/Dockerfile'),
    app: 'app.py',
    smoke: 'import torch, scipy, pandas',
  },
];

const only = process.env.BENCH_ONLY;
const results = WORKLOADS.filter((w) => !only || w.name === only).map(bench);
const rows = [['image', 'scenario', 'median', 'vs plain cold', 'target']];
for (const { name, t, mountBytes } of results) {
  const cold = median(t.plainCold);
  const ratio = (/** @type {number} */ ms) => (Number.isNaN(cold) ? '' : `${(cold / ms).toFixed(1)}× faster`);
  const pull = median(t.pull);
  const vsPull = (/** @type {number} */ ms) => `${(ms / pull).toFixed(2)}× a plain pull`;
  rows.push([name, 'plain cold docker build', s(cold), '1.0×', '']);
  rows.push([name, 'plain docker pull of the image', s(pull), ratio(pull), '']);
  rows.push([
    name,
    'fresh engine, no change, proven (tags moved)',
    s(median(t.noChange)),
    vsPull(median(t.noChange)),
    '≤ 0.3× pull',
  ]);
  rows.push([
    name,
    'fresh engine, no change, retest: always (build+smoke+push)',
    s(median(t.noChangeFull)),
    ratio(median(t.noChangeFull)),
    '≥ 5×',
  ]);
  rows.push([name, '  its build step', s(median(t.noChangeBuild)), vsPull(median(t.noChangeBuild)), '≤ 1.2× pull']);
  rows.push([name, 'fresh engine, app code changed', s(median(t.appChange)), ratio(median(t.appChange)), '≥ 3×']);
  rows.push([
    name,
    'fresh engine, app code changed, retest: always',
    s(median(t.appChangeFull)),
    `the default at ${(median(t.appChangeFull) / median(t.appChange)).toFixed(2)}× its speed`,
    '≥ 0.95×',
  ]);
  rows.push([
    name,
    'fresh engine, dependency changed, no persisted mounts',
    s(median(t.depNoMounts)),
    ratio(median(t.depNoMounts)),
    '',
  ]);
  rows.push([
    name,
    'fresh engine, dependency changed, persisted mounts',
    s(median(t.depMounts)),
    `${(median(t.depNoMounts) / median(t.depMounts)).toFixed(2)}× faster than without`,
    '≥ 1.5×',
  ]);
  rows.push([
    name,
    `mount cache restore + save (${(mountBytes / 1e6).toFixed(0)} MB)`,
    s(median(t.restoreSave)),
    '',
    '< 20 s for 500 MB',
  ]);
}
const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
const line = (/** @type {string[]} */ r) => `| ${r.map((x, c) => x.padEnd(widths[c] ?? 0)).join(' | ')} |`;
console.log(
  `ml-image cache benchmark: medians of ${RUNS} runs, ${os.cpus().length} cores, ${DOCKER} (${docker(['version', '--format', '{{.Server.Version}}']).trim()})\n`,
);
console.log(line(rows[0] ?? []));
console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
// A row whose runs this part skipped (BENCH_PART) has no median.
for (const r of rows.slice(1)) if (!r.includes('NaNs')) console.log(line(r));
