// The Action's source run by GitHub's debugger for actions, @github/local-action (a dev dependency), as a
// developer runs it (`npm run local-action`): it imports src/action/main.ts and post.ts, calls the run()
// each exports with @actions/core stubbed, and takes the inputs from a .env file. In plan-only mode, which
// needs no engine, so this is a unit test; the docker input names no file, so any engine use would fail.
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

// Each run starts tsx on the source (about 3 s alone, more beside other work on 2 cores).
jest.setTimeout(120_000);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LOCAL_ACTION = path.join(ROOT, 'node_modules', '@github', 'local-action', 'bin', 'local-action.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ml-image-local-action-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SHA = '0123456789abcdef0123456789abcdef01234567';

// Tag rules that read the event, so the tags show that the .env's GITHUB_* variables reached the plan.
writeFileSync(path.join(tmp, 'Dockerfile'), 'FROM scratch\n');
writeFileSync(
  path.join(tmp, 'ml-image.yml'),
  `version: 1
images:
  - name: acme/plan-probe
    context: .
    tags:
      - type=ref,event=branch
      - type=sha
`,
);

interface LocalActionRun {
  status: number | null;
  log: string;
  outputs: Record<string, string>;
}

/** local-action on the source entry and post step, with these variables in its .env file. */
function localAction(name: string, variables: Record<string, string>): LocalActionRun {
  const dotenv = path.join(tmp, `${name}.env`);
  writeFileSync(
    dotenv,
    Object.entries(variables)
      .map(([k, v]) => `${k}="${v}"\n`)
      .join(''),
  );
  // The variables of a real step (when these tests run in a workflow) would leak into this one's: the
  // summary file of the job running the tests, its event, its inputs. Only the .env's are wanted.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(GITHUB_|INPUT_|STATE_|RUNNER_|ACTIONS_)/.test(k)),
  );
  const r = spawnSync(
    process.execPath,
    [LOCAL_ACTION, 'run', ROOT, 'src/action/main.ts', dotenv, '--post', 'src/action/post.ts'],
    {
      // local-action runs `npm exec tsx` and `npm ls @actions/core …` here: the project's own node_modules.
      // Offline: tsx is a local dev dependency, and a missing one should fail rather than be downloaded.
      cwd: ROOT,
      env: { ...env, FORCE_COLOR: '0', npm_config_offline: 'true' },
      encoding: 'utf8',
      timeout: 100_000,
    },
  );
  // FORCE_COLOR=0 already keeps chalk's colours out (jest may hand its workers FORCE_COLOR=1); in case not.
  const log = stripVTControlCharacters(`${r.stdout}${r.stderr}`);
  return { status: r.status, log, outputs: outputsOf(log) };
}

/**
 * The outputs as local-action's setOutput stub prints them, `::set-output name=NAME::value`; a value runs on
 * to the next workflow command or section rule (tags and plan span lines).
 */
function outputsOf(log: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  let current: string | undefined;
  for (const line of log.split('\n')) {
    const set = /^::set-output name=([^:]+)::(.*)$/.exec(line);
    if (set) {
      current = set[1];
      outputs[current] = set[2];
    } else if (line.startsWith('::') || line.startsWith('====')) {
      current = undefined;
    } else if (current !== undefined) {
      outputs[current] += `\n${line}`;
    }
  }
  return outputs;
}

/** What the runner gives every step; GITHUB_ACTIONS makes the git context come from these, not a checkout. */
const PUSH_TO_MAIN = {
  GITHUB_ACTIONS: 'true',
  GITHUB_EVENT_NAME: 'push',
  GITHUB_REF: 'refs/heads/main',
  GITHUB_SHA: SHA,
  GITHUB_REPOSITORY: 'acme/models',
};

describe('@github/local-action runs the Action from its source', () => {
  it("plan-only: main's run() sets the plan's outputs from the .env's inputs and context, post's run() follows", () => {
    const r = localAction('plan-only', {
      ...PUSH_TO_MAIN,
      INPUT_CONFIG: path.join(tmp, 'ml-image.yml'),
      'INPUT_PLAN-ONLY': 'true',
      INPUT_DOCKER: path.join(tmp, 'no-docker-here'),
    });
    expect(r.log).not.toMatch(/does not export a run\(\) function/);
    expect({ status: r.status, log: r.log }).toEqual({ status: 0, log: expect.stringContaining('Running Post Step') });
    expect(r.outputs.tags).toBe('acme/plan-probe:main\nacme/plan-probe:sha-0123456');
    expect(r.outputs.version).toBe('main');
    expect(r.outputs['smoke-test']).toBe('skipped');
    expect(r.outputs.labels).toContain(`org.opencontainers.image.revision=${SHA}`);
    expect(JSON.parse(r.outputs.matrix)).toEqual({
      include: [expect.objectContaining({ id: 'acme-plan-probe', image: 'acme/plan-probe' })],
    });
    const plan = JSON.parse(r.outputs.plan) as { push: boolean; jobs: { id: string; tags: string[] }[] };
    expect(plan.push).toBe(false);
    expect(plan.jobs.map((j) => [j.id, j.tags])).toEqual([['acme-plan-probe', ['main', 'sha-0123456']]]);
    // The plan table, printed by main after the outputs.
    expect(r.log).toMatch(/acme\/plan-probe +- +- +no +ubuntu-latest +main sha-0123456/);
  });

  it('a refused input: the error annotation and exit status 1, as on the runner', () => {
    const r = localAction('refused', {
      ...PUSH_TO_MAIN,
      INPUT_CONFIG: path.join(tmp, 'ml-image.yml'),
      'INPUT_PLAN-ONLY': 'maybe',
    });
    expect(r.log).toContain('::error::input plan-only: expected true or false');
    expect(r.status).toBe(1);
    expect(r.outputs).toEqual({});
  });
});
