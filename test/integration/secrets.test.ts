// Secrets, searched for everywhere a run leaves a trace (issue 11): a registry password (login-action's
// registry-auth) and a BuildKit build secret, through the bundled Action under Node 24, pushing to the TLS +
// basic-auth registry. Neither may appear in the log (but the runner's own mask command), the job summary,
// the outputs, the step state, the JUnit and JSON reports, any process's argv sampled during the run, a file
// left under the temp directory or RUNNER_TEMP, or the image: its history, its config, and the config the
// registry holds.
import { describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ActionRunner } from './action-runner.js';
import { ROOT, scratchForFile, testEnv, TINY, uid, writeFile } from './harness.js';

jest.setTimeout(300_000);

const env = testEnv();
const dir = scratchForFile();

/** Every regular file under a directory (links not followed), at most 8 MB each. */
function filesUnder(root: string, out: string[] = []): string[] {
  if (!existsSync(root)) return out;
  for (const e of readdirSync(root, { withFileTypes: true })) {
    const p = path.join(root, e.name);
    if (e.isDirectory()) filesUnder(p, out);
    else if (e.isFile() && statSync(p).size <= 8 * 1024 * 1024) out.push(p);
  }
  return out;
}

describe('secrets leave no trace', () => {
  it('a registry password and a build secret appear nowhere but in the mask command', async () => {
    const name = `it/secrets-${uid()}`;
    const token = `mt-${uid()}-${uid()}-canary`;
    const config = path.relative(
      ROOT,
      writeFile(
        dir,
        `${uid()}.yml`,
        `version: 1
images:
  - name: ${name}
    context: ${path.relative(dir, TINY)}
    target: secret
    secrets: [MODEL_TOKEN]
    build-args: { BASE_IMAGE: "${env.baseImage}", TOKEN_NONCE: "${uid()}" }
    tags: [latest]
    smoke-test:
      commands:
        - { name: digest only, run: [cat, /token.sha256], expect-output: ["^[0-9a-f]{64}$"] }
push:
  registries: [${env.authRegistry}]
`,
      ),
    );
    const tmpBefore = new Set(readdirSync(os.tmpdir()));
    const runner = new ActionRunner({ node: env.node24, workspace: ROOT, env: { MODEL_TOKEN: token } });
    // Every process's argv, sampled while the step runs.
    const argvs = new Set<string>();
    const sampler = setInterval(() => {
      try {
        for (const l of execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n')) argvs.add(l);
      } catch {
        // ps racing a process that exits: the next sample counts.
      }
    }, 40);
    let step;
    try {
      step = await runner.main({
        config,
        'registry-auth': `- registry: ${env.authRegistry}\n  username: ${env.authUser}\n  password: ${env.authPassword}\n`,
        'junit-report': path.relative(ROOT, path.join(dir, 'junit.xml')),
        'json-report': path.relative(ROOT, path.join(dir, 'report.json')),
      });
    } finally {
      clearInterval(sampler);
    }
    expect(step.status).toBe(0);
    expect(argvs.size).toBeGreaterThan(20);
    const post = await runner.post();
    expect(post.status).toBe(0);

    const secrets = [env.authPassword, token];
    const places: Record<string, string> = {
      log:
        step.log
          .split('\n')
          .filter((l) => !l.startsWith('::add-mask::'))
          .join('\n') + post.log,
      summary: step.summary,
      outputs: JSON.stringify(step.outputs),
      state: JSON.stringify(step.state),
      argv: [...argvs].join('\n'),
      history: execFileSync(env.docker, ['history', '--no-trunc', '--format', '{{.CreatedBy}}', `${name}:latest`], {
        encoding: 'utf8',
      }),
      config: execFileSync(env.docker, ['image', 'inspect', `${name}:latest`], { encoding: 'utf8' }),
      'JUnit report': readFileSync(path.join(dir, 'junit.xml'), 'utf8'),
      'JSON report': readFileSync(path.join(dir, 'report.json'), 'utf8'),
      'registry config': execFileSync(
        'skopeo',
        [
          'inspect',
          '--config',
          '--cert-dir',
          env.authCertDir,
          '--creds',
          `${env.authUser}:${env.authPassword}`,
          `docker://${env.authRegistry}/${name}:latest`,
        ],
        { encoding: 'utf8' },
      ),
    };
    const newTemp = readdirSync(os.tmpdir()).filter((n) => !tmpBefore.has(n));
    for (const f of [
      ...newTemp.flatMap((n) => filesUnder(path.join(os.tmpdir(), n))),
      ...filesUnder(runner.runnerTemp),
    ])
      places[f] = readFileSync(f, 'latin1');
    const found = Object.entries(places).flatMap(([where, text]) =>
      secrets.filter((s) => text.includes(s)).map((s) => `${s === token ? 'build secret' : 'password'} in ${where}`),
    );
    expect(found).toEqual([]);
    // The search can see them: the raw log holds the runner's mask commands, and files were read.
    expect(secrets.every((sec) => step.log.includes(`::add-mask::${sec}`))).toBe(true);
    expect(Object.keys(places).length).toBeGreaterThan(8);
    // The build did get the secret: the image holds its digest.
    expect(step.log).toContain('✓ command "digest only"');
    expect(places.history).toContain('MODEL_TOKEN');
  });
});
