// The `ml-image` command: plain typed command functions over the shared pipeline. Errors become exit
// codes in exactly one place (`main`).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { jsonSchemaDocument } from '../config/json-schema.js';
import { secretBuildArgsWarning } from '../config/semantic-checks.js';
import { jobName } from '../plan/plan.js';
import { ConfigError, exitCodeFor, formatIssue, MlImageError, oneLineReason } from '../errors.js';
import { buildTestPush, PipelineFailure } from '../commands/build-test-push.js';
import { testImage } from '../commands/test-image.js';
import { merge } from '../commands/merge.js';
import { consoleTable, smokeSuites, writeSmokeReports } from '../report/smoke-report.js';
import { planFromConfig } from '../commands/plan-from-config.js';
import { formatPlan } from '../plan/format.js';
import { execProcess, type Exec } from '../process/exec.js';
import { formatVerified, verifyImage } from '../proof/verify.js';
import { parseRegistryAuth, registryClientFor } from '../registry/auth.js';
import { ConsoleLogger, type Logger } from '../log/log.js';
import { toOutputs } from '../report/result.js';
import { parseCli, USAGE, type CliCommand } from './args.js';

export interface CliIo {
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  readStdin: () => string;
  signal?: AbortSignal;
  log?: Logger;
}

type BuildArgs = Extract<CliCommand, { command: 'build' }>;

export async function buildCommandMain(args: BuildArgs, io: CliIo, log: Logger): Promise<void> {
  const env = io.env;
  const password = args.passwordStdin ? io.readStdin().replace(/\r?\n$/, '') : env.ML_IMAGE_PASSWORD;
  const username = args.username ?? env.ML_IMAGE_USERNAME;
  if (password) log.addSecret(password);
  const result = await buildTestPush({
    config: args.config,
    cwd: io.cwd,
    env,
    push: args.push,
    registries: args.registries,
    registriesFrom: '--registry',
    filters: args.filters,
    credentials: parseRegistryAuth(env.ML_IMAGE_REGISTRY_AUTH ?? '', 'ML_IMAGE_REGISTRY_AUTH'),
    sharedCredential: username && password ? { username, password } : undefined,
    docker: args.docker ?? env.ML_IMAGE_DOCKER,
    builder: args.builder,
    buildxBuilder: args.buildxBuilder,
    cacheBackend: args.cacheBackend,
    minFreeBytes: args.minFreeBytes,
    retest: args.retest,
    planFile: args.planFile,
    digestsDir: args.digestsDir,
    log,
    signal: io.signal,
  }).catch((err: unknown) => {
    // A failed run still leaves its reports: which check failed is what the reader wants.
    if (err instanceof PipelineFailure)
      writeSmokeReports(args.reports, smokeSuites(err.result.images), io.cwd, err.result.runId);
    throw err;
  });
  writeSmokeReports(args.reports, smokeSuites(result.images), io.cwd, result.runId);
  if (args.outputRefs)
    writeOutputRefs(
      args.outputRefs,
      io.cwd,
      result.images.map((i) => ({
        image: i.name,
        variant: i.variant,
        platform: i.platform ?? null,
        refs: i.pushed.map((p) => `${p.ref}@${p.digest}`),
      })),
    );
  if (args.imagesFile) writeFileSync(args.imagesFile, toOutputs(result).images + '\n');
  const refs = result.images.flatMap((i) =>
    i.pushed.length > 0 ? i.pushed.map((p) => `${p.ref}@${p.digest}`) : i.localRefs,
  );
  log.info(`done: ${result.pushRequested ? 'pushed' : 'built and tested (not pushed)'}`);
  io.stdout([...new Set(refs)].join('\n') + '\n');
}

/** --output-refs: every pushed reference@digest, per image, variant and platform, for manifests to pin. */
function writeOutputRefs(
  file: string,
  cwd: string,
  entries: { image: string; variant: string; platform: string | null; refs: string[] }[],
): void {
  writeFileSync(path.resolve(cwd, file), JSON.stringify({ version: 1, images: entries }, null, 2) + '\n');
}

type MergeArgs = Extract<CliCommand, { command: 'merge' }>;

export async function mergeCommandMain(args: MergeArgs, io: CliIo, log: Logger): Promise<void> {
  const env = io.env;
  const password = args.passwordStdin ? io.readStdin().replace(/\r?\n$/, '') : env.ML_IMAGE_PASSWORD;
  const username = args.username ?? env.ML_IMAGE_USERNAME;
  if (password) log.addSecret(password);
  const merged = await merge({
    config: args.config,
    planFile: args.planFile,
    digestsDir: path.resolve(io.cwd, args.digests),
    cwd: io.cwd,
    env,
    credentials: parseRegistryAuth(env.ML_IMAGE_REGISTRY_AUTH ?? '', 'ML_IMAGE_REGISTRY_AUTH'),
    sharedCredential: username && password ? { username, password } : undefined,
    docker: args.docker ?? env.ML_IMAGE_DOCKER,
    log,
    signal: io.signal,
  });
  if (args.outputRefs) {
    writeOutputRefs(
      args.outputRefs,
      io.cwd,
      merged.flatMap((m) =>
        m.platforms.map((p) => ({
          image: p.image,
          variant: p.variant,
          platform: p.platform,
          refs: [...p.refs, ...m.indexes.map((x) => `${x.ref}@${x.digest}`)],
        })),
      ),
    );
  }
  io.stdout(merged.flatMap((m) => m.indexes.map((x) => `${x.ref}@${x.digest}`)).join('\n') + '\n');
}

type TestArgs = Extract<CliCommand, { command: 'test' }>;

/** `ml-image test`: 0 when every check passed, 1 when one failed. */
export async function testCommandMain(args: TestArgs, io: CliIo, log: Logger): Promise<number> {
  const { name, result, runId } = await testImage({
    image: args.image,
    config: args.config,
    images: args.filters.images,
    variants: args.filters.variants,
    structureTests: args.structureTests,
    cwd: io.cwd,
    env: io.env,
    docker: args.docker ?? io.env.ML_IMAGE_DOCKER,
    log,
    signal: io.signal,
  });
  const suites = [{ name, result }];
  writeSmokeReports(args.reports, suites, io.cwd, runId);
  io.stdout(consoleTable(suites));
  if (io.signal?.aborted) throw new MlImageError('cancelled', 130);
  return result.passed ? 0 : 1;
}

type PlanArgs = Extract<CliCommand, { command: 'plan' }>;

export async function planCommandMain(args: PlanArgs, io: CliIo, exec: Exec = execProcess): Promise<void> {
  const { plan } = await planFromConfig({ ...args, registriesFrom: '--registry', cwd: io.cwd, env: io.env, exec });
  io.stdout(formatPlan(plan, args.format));
}

/**
 * `ml-image validate`: the config file, then the plan it gives in this checkout (not printed), so that
 * whatever `plan` refuses — two targets pushing one reference — validate refuses with the same message.
 */
export async function validateCommandMain(
  config: string,
  io: CliIo,
  log: Logger,
  exec: Exec = execProcess,
): Promise<void> {
  const { config: c } = await planFromConfig({ config, cwd: io.cwd, env: io.env, push: false, exec });
  for (const image of c.images) {
    for (const v of image.variants) {
      const warning = secretBuildArgsWarning(
        jobName({ image: image.name, variant: v.name }),
        v.buildArgs,
        c.policy.secretBuildArgs,
      );
      if (warning) log.warn(warning);
    }
  }
  log.info(`${config}: valid (${c.images.length} image${c.images.length === 1 ? '' : 's'})`);
}

/** `verify`: the digest's test records, read with ML_IMAGE_REGISTRY_AUTH's logins or the docker config's. */
async function verifyCommandMain(cmd: Extract<CliCommand, { command: 'verify' }>, io: CliIo): Promise<number> {
  const creds = parseRegistryAuth(io.env.ML_IMAGE_REGISTRY_AUTH ?? '', 'ML_IMAGE_REGISTRY_AUTH');
  const verified = await verifyImage(registryClientFor(creds, io.env, execProcess), cmd.image);
  io.stdout(formatVerified(verified));
  if (cmd.json) writeFileSync(path.resolve(io.cwd, cmd.json), JSON.stringify(verified, null, 2) + '\n');
  return verified.records.length > 0 ? 0 : 1;
}

/** Runs one command line; returns the exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let verbose = false;
  let log: Logger = io.log ?? new ConsoleLogger();
  try {
    const cmd = parseCli(argv);
    if (cmd.command === 'build' || cmd.command === 'test' || cmd.command === 'merge') verbose = cmd.verbose;
    log = io.log ?? new ConsoleLogger({ verbose });
    switch (cmd.command) {
      case 'help':
        io.stdout(USAGE);
        return 0;
      case 'validate':
        await validateCommandMain(cmd.config, io, log);
        return 0;
      case 'schema':
        io.stdout(jsonSchemaDocument());
        return 0;
      case 'plan':
        await planCommandMain(cmd, io);
        return 0;
      case 'build':
        await buildCommandMain(cmd, io, log);
        return 0;
      case 'test':
        return await testCommandMain(cmd, io, log);
      case 'merge':
        await mergeCommandMain(cmd, io, log);
        return 0;
      case 'verify':
        return await verifyCommandMain(cmd, io);
    }
  } catch (err: unknown) {
    if (err instanceof ConfigError) {
      for (const issue of err.issues) log.error(formatIssue(issue));
      log.error(`${err.issues.length} problem${err.issues.length === 1 ? '' : 's'} in the config`);
    } else {
      log.error(oneLineReason(err));
      if (verbose && err instanceof Error && !(err.name === 'MlImageError' || err.name === 'PipelineFailure'))
        log.debug(err.stack ?? '');
      if (exitCodeFor(err) === 2) io.stdout(USAGE);
    }
    return exitCodeFor(err);
  }
}

export function readStdinSync(): string {
  return readFileSync(0, 'utf8');
}
