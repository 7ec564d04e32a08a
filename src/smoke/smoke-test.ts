// Runs one image's smoke test: the config's checks and its container-structure-test files, in the test
// environment (volumes, side services or a Compose project) the config asks for. Order: command checks,
// then file, metadata and license checks (read from the image, nothing started), then the HTTP service
// checks. Every check runs (a report lists all failures); every container, network and volume is removed
// afterwards, on success, failure, timeout and cancellation (through Resources).
import {
  DEFAULT_SMOKE_TIMEOUT_MS,
  type CommandCheckConfig,
  type FileCheck,
  type MetadataCheck,
  type SmokeTestConfig,
} from '../config/types.js';
import { seconds } from '../log/log.js';
import { jobName } from '../plan/plan.js';
import { commandRunArgs, containerRunOptionArgs, setupRunArgs } from './container-args.js';
import {
  NO_CONTAINER_RUN_OPTIONS,
  type CommandCheck,
  type LicenseCheck,
  type ContainerRunOptions,
  type StructureSuite,
} from './check-model.js';
import { prepareEnvironment } from './environment.js';
import { fileFailure, ImageFiles, licenseFailure, licenseFiles, metadataFailure, type ImageConfig } from './files.js';
import { builtInGpuChecks, decideGpu } from './gpu.js';
import { httpChecks } from './service.js';
import type { CheckResult, Session, SmokeContext, SmokeResult, SmokeTarget } from './session.js';
import { commandFailure, type CheckFailure } from './verdict.js';

// The smoke test's face: callers outside smoke/ take its types from here, with smokeTest.
export type { CheckResult, SmokeContext, SmokeResult, SmokeTarget } from './session.js';

// No config (`ml-image test IMAGE --structure-test FILE`): the default limit; 0 left every command 1 s.
const EMPTY: SmokeTestConfig = {
  timeoutMs: DEFAULT_SMOKE_TIMEOUT_MS,
  gpu: 'none',
  env: {},
  commands: [],
  files: [],
  structureTests: [],
  volumes: [],
  services: [],
};

const EMPTY_COMMAND: CommandCheckConfig = {
  name: '',
  run: [],
  expectOutput: [],
  excludeOutput: [],
  expectError: [],
  excludeError: [],
  expectExitCode: 0,
  env: {},
  timeoutMs: 120_000,
};

/** The config's command check in the common model: stdout and stderr matched together, no setup. */
export const commandCheckOf = (c: CommandCheckConfig): CommandCheck => ({
  ...c,
  kind: 'command',
  streams: 'combined',
  setup: [],
  teardown: [],
});

export async function smokeTest(
  ctx: SmokeContext,
  job: SmokeTarget,
  image: string,
  suites: readonly StructureSuite[] = [],
): Promise<SmokeResult> {
  const config = job.smokeTest ?? EMPTY;
  if (job.platform && isEmulated(job.platform) && config.emulated === 'skip') {
    const why = `${job.platform} runs only under emulation on this ${hostPlatform()} runner (smoke-test.emulated: skip)`;
    ctx.log.warn(`smoke test of ${jobName(job)} skipped: ${why}`);
    return {
      passed: true,
      gpus: false,
      checks: [{ name: 'smoke test', kind: 'command', passed: true, durationMs: 0, skipped: why }],
    };
  }
  if (job.platform && isEmulated(job.platform))
    ctx.log.info(
      `${jobName(job)}: ${job.platform} runs under QEMU emulation on this ${hostPlatform()} runner (slower)`,
    );
  const gpu = decideGpu(config.gpu, job.gpu, ctx.gpuPresent, jobName(job));
  if (gpu.warning) ctx.log.warn(gpu.warning);
  const deadline = Date.now() + config.timeoutMs;
  const checks: CheckResult[] = [];
  let serial = 0;
  const s: Session = {
    ctx,
    job,
    image,
    config,
    gpus: gpu.gpus,
    remaining: () => Math.max(1_000, deadline - Date.now()),
    spec: (over = {}) => ({
      name: `ml-image-${ctx.runId}-${job.id}-${++serial}`,
      runId: ctx.runId,
      image,
      platform: job.platform,
      gpus: gpu.gpus,
      gpuDevice: ctx.gpuDevice,
      env: config.env,
      extra: s.env?.runArgs ?? [],
      ...over,
    }),
    record: (result) => {
      checks.push(result);
      const secs = seconds(result.durationMs);
      if (result.skipped) ctx.log.info(`- ${result.kind} "${result.name}" skipped: ${result.skipped}`);
      else if (result.passed) ctx.log.info(`✓ ${result.kind} "${result.name}" (${secs})`);
      else ctx.log.error(`✗ ${result.kind} "${result.name}" (${secs}): ${result.message ?? 'failed'}`);
    },
  };

  const started = Date.now();
  try {
    if (config.volumes.length + config.services.length > 0 || config.compose) {
      s.env = await prepareEnvironment(
        ctx,
        { volumes: config.volumes, services: config.services, compose: config.compose },
        image,
        job.id,
      );
    }
  } catch (err: unknown) {
    const why = err instanceof Error ? err.message : String(err);
    s.record({
      name: 'test environment',
      kind: 'service',
      passed: false,
      durationMs: Date.now() - started,
      message: why,
      expected: 'volumes, side services or the Compose project start',
      actual: why,
    });
    return { passed: false, gpus: gpu.gpus, checks };
  }
  try {
    await commandChecks(s, suites);
    await imageChecks(s, suites);
    if (config.http && !ctx.signal?.aborted) await httpChecks(s, config.http);
  } finally {
    await s.env?.close();
  }
  return { passed: checks.every((c) => c.passed), gpus: gpu.gpus, checks };
}

const ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/** This runner's platform as an image platform, e.g. linux/amd64. */
export const hostPlatform = (): string => `linux/${ARCH[process.arch] ?? process.arch}`;

/** Whether containers of this platform run only through QEMU here. */
export const isEmulated = (platform: string): boolean => platform.split('/').slice(0, 2).join('/') !== hostPlatform();

async function commandChecks(s: Session, suites: readonly StructureSuite[]): Promise<void> {
  const builtIn =
    s.gpus && s.config.gpuCheck !== false ? builtInGpuChecks().map((c) => ({ ...EMPTY_COMMAND, ...c })) : [];
  const all: { check: CommandCheck; options: ContainerRunOptions }[] = [
    ...[...builtIn, ...s.config.commands].map((c) => ({ check: commandCheckOf(c), options: NO_CONTAINER_RUN_OPTIONS })),
    ...suites.flatMap((suite) =>
      suite.checks
        .filter((c): c is CommandCheck => c.kind === 'command')
        .map((check) => ({ check, options: suite.containerRunOptions })),
    ),
  ];
  for (const { check, options } of all) {
    if (s.ctx.signal?.aborted) break;
    if (check.requiresGpu && !s.gpus) {
      s.record({
        name: check.name,
        kind: 'command',
        passed: true,
        durationMs: 0,
        skipped: 'needs a GPU and this runner has none (smoke-test.gpu: auto)',
        location: check.location,
      });
      continue;
    }
    const started = Date.now();
    const failure = await runCommand(s, check, options);
    s.record({
      name: check.name,
      kind: 'command',
      passed: !failure,
      durationMs: Date.now() - started,
      ...failure,
      location: check.location,
    });
  }
}

/**
 * One command check. container-structure-test's setup commands run first, each committed into the image
 * the next one (and the check) runs from, as that tool does; teardown commands run after and must pass.
 */
async function runCommand(
  s: Session,
  check: CommandCheck,
  options: ContainerRunOptions,
): Promise<CheckFailure | undefined> {
  const { ctx } = s;
  const base = (image: string) =>
    s.spec({
      image,
      env: { ...s.config.env, ...options.env, ...check.env },
      user: check.user ?? options.user,
      workdir: check.workdir,
      extra: [...(s.env?.runArgs ?? []), ...containerRunOptionArgs(options)],
    });
  let image = s.image;
  const committed: string[] = [];
  try {
    for (const [i, setup] of check.setup.entries()) {
      const spec = base(image);
      const key = ctx.resources.add('container', spec.name, () => ctx.docker.removeContainers([spec.name]));
      const r = await ctx.docker.call(setupRunArgs(spec, setup), {
        timeoutMs: Math.min(check.timeoutMs, s.remaining()),
        signal: ctx.signal,
      });
      if (r.exitCode !== 0) {
        await ctx.resources.release(key, ctx.log);
        return {
          message: `setup command ${i + 1} (${setup.join(' ')}) exited ${r.exitCode}`,
          expected: 'every setup command exits 0',
          actual: `exit code ${r.exitCode}: ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n')}`,
        };
      }
      const tag = `ml-image-setup/${ctx.runId}-${check.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .slice(0, 40)}:${i + 1}`;
      await ctx.docker.ok(['commit', spec.name, tag], `commit setup ${i + 1} of ${check.name}`, { timeoutMs: 120_000 });
      committed.push(tag);
      await ctx.resources.release(key, ctx.log);
      image = tag;
    }
    const spec = base(image);
    const key = ctx.resources.add('container', spec.name, () => ctx.docker.removeContainers([spec.name]));
    // The check's own limit, or what is left of the smoke test's: a timeout names the one that applied.
    const limitMs = Math.min(check.timeoutMs, s.remaining());
    const r = await ctx.docker.call(commandRunArgs(spec, check.run), {
      timeoutMs: limitMs,
      signal: ctx.signal,
      keepFinalNewline: check.dialect === 'cst',
    });
    await ctx.resources.release(key, ctx.log);
    if (r.spawnError) return { message: r.spawnError, expected: 'the container starts', actual: r.spawnError };
    const failure = commandFailure(
      { ...check, timeoutMs: limitMs },
      { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, timedOut: r.timedOut },
    );
    if (failure) return failure;
    // container-structure-test's docker driver never runs teardown commands; its files keep that verdict.
    const teardowns = check.dialect === 'cst' ? [] : check.teardown;
    if (check.teardown.length > teardowns.length)
      ctx.log.debug(`${check.name}: teardown not run, as container-structure-test does not`);
    for (const [i, teardown] of teardowns.entries()) {
      const t = base(image);
      const tkey = ctx.resources.add('container', t.name, () => ctx.docker.removeContainers([t.name]));
      const tr = await ctx.docker.call(commandRunArgs(t, teardown), {
        timeoutMs: Math.min(check.timeoutMs, s.remaining()),
        signal: ctx.signal,
      });
      await ctx.resources.release(tkey, ctx.log);
      if (tr.exitCode !== 0)
        return {
          message: `teardown command ${i + 1} (${teardown.join(' ')}) exited ${tr.exitCode}`,
          expected: 'every teardown command exits 0',
          actual: `exit code ${tr.exitCode}`,
        };
    }
    return undefined;
  } finally {
    if (committed.length > 0)
      await ctx.docker.call(['image', 'rm', '--force', ...committed.reverse()], { timeoutMs: 60_000 });
  }
}

/** File, metadata and license checks: read from the image, nothing of it started. */
async function imageChecks(s: Session, suites: readonly StructureSuite[]): Promise<void> {
  const { ctx } = s;
  const fromSuites = suites.flatMap((suite) => suite.checks);
  const files: FileCheck[] = [...s.config.files, ...fromSuites.filter((c): c is FileCheck => c.kind === 'file')];
  const metadata: MetadataCheck[] = [
    ...(s.config.metadata ? [s.config.metadata] : []),
    ...fromSuites.filter((c): c is MetadataCheck => c.kind === 'metadata'),
  ];
  const licenses = fromSuites.filter((c): c is LicenseCheck => c.kind === 'license');
  if (ctx.signal?.aborted) return;
  if (metadata.length > 0) {
    const started = Date.now();
    const r = await ctx.docker.ok(['image', 'inspect', '--format', '{{json .Config}}', s.image], `inspect ${s.image}`, {
      timeoutMs: 30_000,
      quiet: true,
    });
    const config = JSON.parse(r.stdout) as ImageConfig;
    for (const m of metadata)
      s.record({
        name: m.name,
        kind: 'metadata',
        passed: !metadataFailure(m, config),
        durationMs: Date.now() - started,
        ...metadataFailure(m, config),
        location: m.location,
      });
  }
  if (files.length + licenses.length === 0) return;
  const reader = await ImageFiles.open(ctx, s.image, s.spec().name, s.job.platform);
  try {
    for (const f of files) {
      if (ctx.signal?.aborted) return;
      const started = Date.now();
      const failure = fileFailure(f, await reader.read(f.path));
      s.record({
        name: f.name,
        kind: 'file',
        passed: !failure,
        durationMs: Date.now() - started,
        ...failure,
        location: f.location,
      });
    }
    for (const l of licenses) {
      const started = Date.now();
      const packages: string[] = [];
      const contents = new Map<string, string>();
      if (l.debian) {
        // One walk of /usr/share/doc: its package directories, and each one's copyright file.
        await reader.walk('/usr/share/doc', (e) => {
          const parts = e.path.replace(/\/$/, '').split('/');
          if (parts.length === 2 && e.type === 'directory') packages.push(parts[1]);
          if (parts.length === 3 && parts[2] === 'copyright' && e.type === 'file')
            contents.set(`/usr/share/doc/${parts[1]}/copyright`, e.content?.toString('utf8') ?? '');
        });
      }
      for (const file of l.files) {
        const e = await reader.read(file);
        if (e?.type === 'file') contents.set(file, e.content?.toString('utf8') ?? '');
      }
      const wanted = new Set(licenseFiles(l, packages));
      const failure = licenseFailure(l, { packages, files: new Map([...contents].filter(([k]) => wanted.has(k))) });
      s.record({
        name: l.name,
        kind: 'license',
        passed: !failure,
        durationMs: Date.now() - started,
        ...failure,
        location: l.location,
      });
    }
  } finally {
    await reader.close();
  }
}
