// The build key: what a job's build resolves to from its layer cache alone, before anything is loaded,
// tested or pushed. The probe (build-command.ts probeCommand) asks BuildKit for the image manifest without
// storing or pushing it: from a warm registry cache that moves a few kilobytes (the cache's manifest and
// config, never a layer) and takes under a second. Its digest is the key: the same cached layers, config
// and labels give the same key on any runner, and a changed input gives another — or, more often, a step
// that is not in the cache, which the probe sees in BuildKit's progress and stops at (the full path builds
// it anyway). The key is not the pushed digest (the pushed image's layer timestamps are rewritten, which
// needs the layers); the test record of a pushed digest names the key it was built from (proof/).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CacheArgs } from '../cache/cache.js';
import type { BuilderInfo } from '../docker/builder.js';
import type { Docker } from '../docker/docker.js';
import type { BuildJob } from '../plan/plan.js';
import { probeCommand } from './build-command.js';

export type ProbeResult = { key: string; ms: number } | { miss: string; ms: number };

/** One event of `--progress=rawjson`: BuildKit's SolveStatus, of which only the vertices matter here. */
interface RawEvent {
  vertexes?: { name?: string; started?: string; cached?: boolean; error?: string }[];
}

/**
 * The Dockerfile step an event shows running rather than coming from the cache, if any: a numbered step
 * (`[stage n/m] RUN …`) started without `cached`. BuildKit reports a cached step started and cached in one
 * event; FROM is never "cached" (it resolves the base), and `[internal]` vertices are not steps.
 */
export function runningStep(event: RawEvent): string | undefined {
  for (const v of event.vertexes ?? []) {
    const name = v.name ?? '';
    if (!/^\[[^\]]*\b\d+\/\d+\] /.test(name) || /^\[[^\]]*\] FROM /.test(name)) continue;
    if (v.started && !v.cached) return name;
  }
  return undefined;
}

/**
 * Splits rawjson output (indented JSON objects, one after another) into events, line by line: an object
 * starts at a line `{` and ends at a line `}`. Lines outside an object (a warning) are ignored.
 */
export class RawJsonEvents {
  private lines: string[] | undefined;

  push(line: string): RawEvent | undefined {
    if (line === '{') this.lines = [];
    if (!this.lines) return undefined;
    this.lines.push(line);
    if (line !== '}') return undefined;
    const text = this.lines.join('\n');
    this.lines = undefined;
    try {
      return JSON.parse(text) as RawEvent;
    } catch {
      return undefined;
    }
  }
}

/** The image manifest digest buildx's --metadata-file names (containerimage.digest). */
async function digestOf(metadataFile: string): Promise<string | undefined> {
  try {
    const meta = JSON.parse(await readFile(metadataFile, 'utf8')) as Record<string, unknown>;
    const d = meta['containerimage.digest'];
    return typeof d === 'string' && /^sha256:[a-f0-9]{64}$/.test(d) ? d : undefined;
  } catch {
    return undefined;
  }
}

export interface ProbeOptions {
  builder: BuilderInfo;
  builderName?: string;
  cache: CacheArgs;
  /** The private docker config holding registry logins (a private registry's cache). */
  configDir?: string;
  secretEnv?: Record<string, string>;
  signal?: AbortSignal;
}

/** Resolves the job's build key from its layer cache, or says which step is not in it (the probe stops there). */
export async function probeBuild(docker: Docker, job: BuildJob, options: ProbeOptions): Promise<ProbeResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ml-image-probe-'));
  const started = Date.now();
  const stop = new AbortController();
  let running: string | undefined;
  try {
    const metadataFile = path.join(dir, 'metadata.json');
    const cmd = probeCommand(job, options.builder, {
      iidFile: path.join(dir, 'iid'),
      cache: options.cache,
      builderName: options.builderName,
      metadataFile,
    });
    const events = new RawJsonEvents();
    const result = await docker.call(cmd.args, {
      env: { ...cmd.env, ...options.secretEnv },
      configDir: options.configDir,
      quiet: true,
      signal: options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal,
      timeoutMs: 10 * 60_000,
      watch: (line) => {
        const event = running ? undefined : events.push(line);
        running ??= event && runningStep(event);
        if (running) stop.abort();
      },
    });
    const ms = Date.now() - started;
    if (running) return { miss: `${running.replace(/\s+/g, ' ').slice(0, 100)} is not in the layer cache`, ms };
    if (result.exitCode !== 0)
      return { miss: `the probe failed (${result.stderr.trim().split('\n').pop()?.slice(0, 200) ?? ''})`, ms };
    const key = await digestOf(metadataFile);
    return key ? { key, ms } : { miss: 'the probe named no manifest digest', ms };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
