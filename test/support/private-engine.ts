// A private engine for fault tests: the test environment's own dockerd binary started a second time, with
// its own socket, a data root on a tmpfs of a chosen size (a disk that fills up on demand), its own bridge
// and containerd namespace, the classic image store (everything it keeps lives in that data root), and the
// base image imported from the cached root filesystem. It can be stopped and started again with its state
// kept (a restarted engine), and is removed completely at the end. Nothing here touches the shared engine.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface PrivateEngine {
  /** DOCKER_HOST for this engine. */
  host: string;
  /** The base image, imported into this engine. */
  baseImage: string;
  /** Scripts that stop and start the engine (for a docker wrapper that restarts it mid-run). */
  stopScript: string;
  startScript: string;
  /** `docker …` against this engine; throws on failure. */
  docker(args: string[]): string;
  /** Bytes free in the data root. */
  freeBytes(): number;
  up(): boolean;
  /** Waits until the engine answers (after a restart). */
  waitUp(timeoutMs?: number): Promise<void>;
  remove(): Promise<void>;
}

export interface PrivateEngineOptions {
  dockerd: string;
  docker: string;
  rootfsTar: string;
  /** tmpfs size of the data root, e.g. "400m". */
  size: string;
  /** 1–250: the bridge's name and subnet (10.213.<n>.0/24). */
  n: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startPrivateEngine(o: PrivateEngineOptions): Promise<PrivateEngine> {
  const dir = mkdtempSync('/tmp/ml-rel-engine-');
  const data = path.join(dir, 'data');
  mkdirSync(data);
  mkdirSync(path.join(dir, 'exec'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${o.size}`, 'tmpfs', data]);
  const bridge = `mlrel${o.n}`;
  spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
  execFileSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
  execFileSync('ip', ['addr', 'add', `10.213.${o.n}.1/24`, 'dev', bridge]);
  execFileSync('ip', ['link', 'set', bridge, 'up']);
  writeFileSync(path.join(dir, 'daemon.json'), '{}\n');
  const sock = path.join(dir, 'docker.sock');
  const pidfile = path.join(dir, 'dockerd.pid');
  const args = [
    '--config-file',
    path.join(dir, 'daemon.json'),
    '--data-root',
    data,
    '--exec-root',
    path.join(dir, 'exec'),
    '--pidfile',
    pidfile,
    '-H',
    `unix://${sock}`,
    '--bridge',
    bridge,
    '--iptables=false',
    '--ip6tables=false',
    '--containerd-namespace',
    `ml-rel-${o.n}`,
    '--containerd-plugins-namespace',
    `ml-rel-${o.n}-plugins`,
  ];
  const startScript = path.join(dir, 'start.sh');
  const stopScript = path.join(dir, 'stop.sh');
  writeFileSync(
    startScript,
    `#!/bin/bash\nsetsid ${o.dockerd} ${args.map((a) => `'${a}'`).join(' ')} >>'${dir}/dockerd.log' 2>&1 </dev/null &\n`,
  );
  writeFileSync(
    stopScript,
    `#!/bin/bash\npid=$(cat '${pidfile}' 2>/dev/null) || exit 0\nkill "$pid" 2>/dev/null\nfor i in $(seq 100); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done\nkill -9 "$pid" 2>/dev/null\n`,
  );
  chmodSync(startScript, 0o755);
  chmodSync(stopScript, 0o755);
  const host = `unix://${sock}`;
  const env = { ...process.env, DOCKER_HOST: host };
  const up = () =>
    spawnSync(o.docker, ['version', '--format', '{{.Server.Version}}'], { env, stdio: 'ignore', timeout: 10_000 })
      .status === 0;
  const waitUp = async (timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!up()) {
      if (Date.now() > deadline)
        throw new Error(
          `private engine did not come up: ${readFileSync(path.join(dir, 'dockerd.log'), 'utf8').slice(-2000)}`,
        );
      await sleep(200);
    }
  };
  execFileSync(startScript);
  await waitUp();
  const docker = (a: string[]) => execFileSync(o.docker, a, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const baseImage = 'ml-rel/debian:bookworm';
  docker(['import', o.rootfsTar, baseImage]);
  return {
    host,
    baseImage,
    startScript,
    stopScript,
    docker,
    up,
    waitUp,
    freeBytes: () => Number(execFileSync('df', ['--output=avail', '-B1', data], { encoding: 'utf8' }).split('\n')[1]),
    async remove() {
      execFileSync(stopScript);
      spawnSync('umount', ['-l', data]);
      spawnSync('ip', ['link', 'del', bridge]);
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
