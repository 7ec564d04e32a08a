// The CLI's log as a person reads it (dist/cli/index.js): one line per step with its time; BuildKit's own
// output only with -v, or, when a step fails, its last 50 lines.
import { describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, scratchForFile, testEnv, TINY, tinyConfig, uid, writeFile } from './harness.js';

jest.setTimeout(300_000);

const env = testEnv();
const CLI = path.join(ROOT, 'dist/cli/index.js');
const dir = scratchForFile();

function config(name: string, dockerfile?: string): string {
  return tinyConfig(dir, name, {
    more: `${dockerfile ? `    dockerfile: ${dockerfile}\n` : ''}    smoke-test:
      commands:
        - { name: python, run: [python3, -c, "print('ok')"], expect-output: ["^ok$"] }
`,
  });
}

const cli = (args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, GITHUB_ACTIONS: '', ML_IMAGE_CACHE_DIR: path.join(dir, 'cache', 'buildkit') },
  });

describe('the CLI log', () => {
  it('without -v: a line per step with its time, no BuildKit output, no step headers', () => {
    const name = `it/logs-${uid()}`;
    const r = cli(['build', '-c', config(name)]);
    expect(r.status).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(
        /^docker \S+ \(\S+\), engine \S+, buildx v[\d.]+ builder default \(docker driver, BuildKit \S+, containerd image store\); run [a-f0-9]{8}$/,
      ),
      expect.stringMatching(/^free space under \/var\/lib\/docker: \d+ MB$/),
      `cache for ${name}: local: auto: no push registry`,
      `cache mounts of ${name} (/var/cache/apt, /var/lib/apt/lists): nothing stored yet`,
      expect.stringMatching(
        new RegExp(
          `^built ${name} in \\d+\\.\\ds \\(\\d+/\\d+ steps cached, \\d+(\\.\\d)? MB\\): sha256:[a-f0-9]{64}$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `^saved cache mounts of ${name} \\(/var/cache/apt, /var/lib/apt/lists\\): [\\d.]+ MB in \\d+\\.\\ds as ml-image-mounts-`,
        ),
      ),
      expect.stringMatching(/^GPU: nvidia-smi lists none; engine runtimes [^;]+; no CDI; containers get no GPU$/),
      expect.stringMatching(/^✓ command "python" \(\d+\.\ds\)$/),
      'done: built and tested (not pushed)',
    ]);
  });

  it('with -v: every step has a ▶ header and BuildKit progress lines inside it', () => {
    const r = cli(['build', '-v', '-c', config(`it/logs-v-${uid()}`)]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^▶ Build it\/logs-v-/m);
    expect(r.stderr).toMatch(/^ {2}#\d+ \[.*\d+\/\d+\] /m);
  });

  it('a failed build prints the last 50 lines of its output and the failed step', () => {
    const name = `it/logs-fail-${uid()}`;
    const broken = writeFile(
      dir,
      `broken-${uid()}.Dockerfile`,
      `FROM ${env.baseImage}\nRUN for i in $(seq 1 80); do echo noise-$i; done; exit 7\n`,
    );
    const r = cli(['build', '-c', config(name, path.relative(TINY, broken))]);
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    const head = lines.findIndex((l) =>
      /^✗ Build it\/logs-fail-\w+ failed after \d+\.\ds; its last 50 lines of output:$/.test(l),
    );
    expect(head).toBeGreaterThanOrEqual(0);
    const tail = lines.slice(head + 1, head + 51);
    expect(tail.every((l) => l.startsWith('  | '))).toBe(true);
    expect(tail.some((l) => l.includes('noise-80'))).toBe(true);
    expect(r.stderr).not.toContain('noise-1\n');
    expect(lines.at(-1)).toMatch(
      new RegExp(`^error: build of ${name} failed at \\[2/2\\] RUN for i in .*exit code: 7$`),
    );
  });
});
