// The GitHub runner's path through a JavaScript action, for tests: every Action test goes through here,
// never around it. Like the runner, it reads action.yml (a file that does not parse fails here exactly as
// it fails there), gives each declared input its default, turns `with:` into INPUT_<NAME> strings, creates
// the GITHUB_OUTPUT / GITHUB_STATE / GITHUB_ENV / GITHUB_PATH / GITHUB_STEP_SUMMARY files, an event payload,
// RUNNER_TEMP and GITHUB_WORKSPACE, runs `runs.main` with the chosen Node binary in the workspace, then
// `runs.post` with main's saved state as STATE_* variables, and reads the workflow commands on stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { parseCommandFile, ROOT } from './harness.js';

interface ActionMetadata {
  inputs?: Record<string, { default?: string; required?: boolean }>;
  runs: { using: string; main: string; post?: string };
}

/** A workflow command the step printed (`::name key=value,…::message`), unescaped as the runner does. */
export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

export interface StepResult {
  status: number | null;
  /** stdout and stderr as printed (the runner merges them into one log). */
  log: string;
  commands: WorkflowCommand[];
  /** Values registered with ::add-mask::. */
  masks: string[];
  /** error / warning / notice commands. */
  annotations: WorkflowCommand[];
  /** ::group:: titles with the lines printed inside each. */
  groups: { title: string; lines: string[] }[];
  outputs: Record<string, string>;
  state: Record<string, string>;
  env: Record<string, string>;
  path: string[];
  summary: string;
  /** Inputs given in with: that action.yml does not declare (the runner warns and passes them anyway). */
  unexpectedInputs: string[];
}

export interface GitHubEvent {
  name: string;
  ref: string;
  sha: string;
  payload: object;
}

export const PUSH_TO_MAIN: GitHubEvent = {
  name: 'push',
  ref: 'refs/heads/main',
  sha: '0123456789abcdef0123456789abcdef01234567',
  payload: { repository: { default_branch: 'main', html_url: 'https://github.com/acme/models' } },
};

export interface ActionRunnerOptions {
  /** The Node binary that runs the action (the runner's node24, or another to compare). */
  node: string;
  /** The checked-out repository the step runs in. */
  workspace: string;
  /** Where action.yml is (the action's own checkout); this repository by default. */
  actionDir?: string;
  event?: GitHubEvent;
  /** Further variables for both steps (e.g. a step's env:). */
  env?: Record<string, string>;
}

/** Every RUNNER_TEMP a test file made, removed after its tests (each holds a local layer cache). */
const temps: string[] = [];
afterAll(() => {
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});

export class ActionRunner {
  private readonly metadata: ActionMetadata;
  private readonly actionDir: string;
  readonly runnerTemp: string;
  private savedState: Record<string, string> = {};
  private lastInputs: Record<string, string> = {};

  constructor(private readonly options: ActionRunnerOptions) {
    this.actionDir = options.actionDir ?? ROOT;
    // As the runner: YAML errors in action.yml stop the step before any code runs.
    this.metadata = parse(readFileSync(path.join(this.actionDir, 'action.yml'), 'utf8')) as ActionMetadata;
    if (this.metadata.runs.using !== 'node24')
      throw new Error(`action.yml runs.using is ${this.metadata.runs.using}, not node24`);
    this.runnerTemp = mkdtempSync(path.join(os.tmpdir(), 'runner-temp-'));
    temps.push(this.runnerTemp);
  }

  /**
   * The main step with these `with:` values. `during` sees the step's process and its log so far while it
   * runs, e.g. to cancel it as the runner does (cancelAsRunner).
   */
  async main(
    withValues: Record<string, string> = {},
    extraEnv: Record<string, string> = {},
    during?: (child: ChildProcess, log: () => string) => void,
  ): Promise<StepResult> {
    this.lastInputs = withValues;
    const result = await this.step(this.metadata.runs.main, withValues, extraEnv, during);
    this.savedState = result.state;
    return result;
  }

  /** The post step: same inputs, main's saved state as STATE_<name>. */
  async post(state: Record<string, string> = this.savedState): Promise<StepResult> {
    if (!this.metadata.runs.post) throw new Error('action.yml has no runs.post');
    const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));
    return this.step(this.metadata.runs.post, this.lastInputs, stateEnv);
  }

  /** The environment of a step, as the runner builds it for a node action. */
  stepEnv(withValues: Record<string, string>, files: Record<string, string>): Record<string, string> {
    const event = this.options.event ?? PUSH_TO_MAIN;
    const inputs: Record<string, string> = {};
    for (const [name, input] of Object.entries(this.metadata.inputs ?? {})) {
      if (input.default !== undefined) inputs[inputVariable(name)] = input.default;
    }
    for (const [name, value] of Object.entries(withValues)) inputs[inputVariable(name)] = value;
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      // The test file's own temp dir (test/support/file-environment.cjs) plays the machine's /tmp.
      ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_ACTION: 'ml',
      GITHUB_ACTION_REPOSITORY: 'ml-image-action/ml-image-action',
      GITHUB_ACTOR: 'octocat',
      GITHUB_JOB: 'image',
      GITHUB_RUN_ID: '4242',
      GITHUB_RUN_NUMBER: '7',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_WORKFLOW: 'ci',
      GITHUB_REPOSITORY: 'acme/models',
      GITHUB_REPOSITORY_OWNER: 'acme',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: 'https://api.github.com',
      GITHUB_EVENT_NAME: event.name,
      GITHUB_REF: event.ref,
      GITHUB_REF_NAME: event.ref.replace(/^refs\/(heads|tags)\//, ''),
      GITHUB_SHA: event.sha,
      GITHUB_WORKSPACE: this.options.workspace,
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_NAME: 'test-runner',
      RUNNER_TEMP: this.runnerTemp,
      RUNNER_TOOL_CACHE: path.join(this.runnerTemp, 'tool-cache'),
      ...files,
      ...this.options.env,
      ...inputs,
    };
  }

  private async step(
    entry: string,
    withValues: Record<string, string>,
    extraEnv: Record<string, string>,
    during?: (child: ChildProcess, log: () => string) => void,
  ): Promise<StepResult> {
    const event = this.options.event ?? PUSH_TO_MAIN;
    const dir = mkdtempSync(path.join(this.runnerTemp, '_runner_file_commands-'));
    const file = (name: string, text = '') => {
      const p = path.join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const files = {
      GITHUB_OUTPUT: file('set_output'),
      GITHUB_STATE: file('save_state'),
      GITHUB_ENV: file('set_env'),
      GITHUB_PATH: file('add_path'),
      GITHUB_STEP_SUMMARY: file('step_summary'),
      GITHUB_EVENT_PATH: file('event.json', JSON.stringify(event.payload)),
    };
    mkdirSync(path.join(this.runnerTemp, 'tool-cache'), { recursive: true });
    const env = { ...this.stepEnv(withValues, files), ...extraEnv };
    const { status, log } = await runNode(
      this.options.node,
      path.join(this.actionDir, entry),
      this.options.workspace,
      env,
      during,
    );
    const commands = parseWorkflowCommands(log);
    const declared = new Set(Object.keys(this.metadata.inputs ?? {}).map((n) => n.toLowerCase()));
    return {
      status,
      log,
      commands,
      masks: commands.filter((c) => c.command === 'add-mask').map((c) => c.message),
      annotations: commands.filter((c) => ['error', 'warning', 'notice'].includes(c.command)),
      groups: groupsOf(log),
      outputs: parseCommandFile(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
      state: parseCommandFile(readFileSync(files.GITHUB_STATE, 'utf8')),
      env: parseCommandFile(readFileSync(files.GITHUB_ENV, 'utf8')),
      path: readFileSync(files.GITHUB_PATH, 'utf8').split('\n').filter(Boolean),
      summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
      unexpectedInputs: Object.keys(withValues).filter((n) => !declared.has(n.toLowerCase())),
    };
  }
}

/** The runner's variable for an input: INPUT_ + the name upper-cased with spaces as _ (hyphens kept). */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

function runNode(
  node: string,
  script: string,
  cwd: string,
  env: Record<string, string>,
  during?: (child: ChildProcess, log: () => string) => void,
): Promise<{ status: number | null; log: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, log }));
    during?.(child, () => log);
  });
}

/**
 * Cancels a step as GitHub's runner does (actions/runner ProcessInvoker): SIGINT, then SIGTERM 7.5 s later,
 * then SIGKILL 2.5 s after that, each only while the process still runs. Resolves with the signals sent.
 */
export function cancelAsRunner(child: ChildProcess): Promise<NodeJS.Signals[]> {
  const sent: NodeJS.Signals[] = [];
  const exited = new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );
  const step = async (sig: NodeJS.Signals, waitMs: number): Promise<boolean> => {
    if (child.exitCode !== null || child.signalCode !== null) return true;
    child.kill(sig);
    sent.push(sig);
    return Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), waitMs))]);
  };
  return (async () => {
    if (!(await step('SIGINT', 7_500)) && !(await step('SIGTERM', 2_500))) await step('SIGKILL', 5_000);
    return sent;
  })();
}

const unescapeData = (s: string): string => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProperty = (s: string): string => unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',');

/** Workflow commands on their own lines, honouring ::stop-commands::TOKEN … ::TOKEN:: as the runner does. */
export function parseWorkflowCommands(log: string): WorkflowCommand[] {
  const out: WorkflowCommand[] = [];
  let stopToken: string | undefined;
  for (const line of log.split('\n')) {
    const m = /^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    if (stopToken) {
      if (m[1] === stopToken && !m[2]) stopToken = undefined;
      continue;
    }
    const properties = Object.fromEntries(
      (m[2] ?? '')
        .split(',')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), unescapeProperty(kv.slice(kv.indexOf('=') + 1))]),
    );
    if (m[1] === 'stop-commands') stopToken = m[3];
    out.push({ command: m[1], properties, message: unescapeData(m[3]) });
  }
  return out;
}

function groupsOf(log: string): { title: string; lines: string[] }[] {
  const groups: { title: string; lines: string[] }[] = [];
  let current: { title: string; lines: string[] } | undefined;
  for (const line of log.split('\n')) {
    if (line.startsWith('::group::')) groups.push((current = { title: unescapeData(line.slice(9)), lines: [] }));
    else if (line.startsWith('::endgroup::')) current = undefined;
    else current?.lines.push(line);
  }
  return groups;
}

/** The log as the runner shows it: every ::add-mask:: value replaced by ***, the commands themselves hidden. */
export function displayedLog(step: StepResult): string {
  const masks = [...step.masks].filter(Boolean).sort((a, b) => b.length - a.length);
  return step.log
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .map((l) => masks.reduce((acc, m) => acc.split(m).join('***'), l))
    .join('\n');
}
