// What the steps that declare cache mounts are built from, as one hash: the Dockerfile up to the last of
// them, the build arguments, the platform and the content of every file COPY/ADD takes from the context
// before it. When the stored mount content was saved by a build with the same fingerprint, the layer
// cache (exported in max mode by that build) holds those steps, so they will not run and restoring their
// mounts would only cost time. The hash is deliberately coarser than BuildKit's cache key (the whole
// prefix of the file, every build argument, .dockerignore not applied): a false "changed" only costs a
// restore, a false "unchanged" would run a step with empty mounts, so every doubt means "changed".
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { instructions } from '../dockerfile/instructions.js';

/** Hashing more than this of the context is not worth what a skipped restore saves. */
const MAX_HASHED_BYTES = 256 * 1024 * 1024;

export type StepInputs = { text: string; sources: string[] } | { unknown: string };

/**
 * The text of every instruction up to and including the one starting at `lastLine`, and the context paths
 * its COPY/ADD instructions read. Unknown when a source cannot be pinned down from the text alone
 * (wildcards, variables, URLs, heredocs).
 */
export function stepInputs(dockerfile: string, lastLine: number): StepInputs {
  const upTo = instructions(dockerfile).filter((i) => i.line <= lastLine);
  const sources: string[] = [];
  for (const ins of upTo) {
    if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
    if (ins.text.includes('<<')) return { unknown: `line ${ins.line}: a heredoc` };
    const args = argsOf(ins.text.trim().slice(ins.keyword.length).trim());
    if (!args) return { unknown: `line ${ins.line}: unparsable ${ins.keyword}` };
    const flags = args.filter((a) => a.startsWith('--'));
    if (flags.some((f) => f.startsWith('--from='))) continue; // another stage or image: already in the text
    const srcs = args.filter((a) => !a.startsWith('--')).slice(0, -1);
    for (const s of srcs) {
      if (/[*?[$]/.test(s) || /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || s.startsWith('git@'))
        return { unknown: `line ${ins.line}: source ${s} is a pattern, variable or URL` };
      sources.push(s);
    }
  }
  return { text: upTo.map((i) => i.text.trim().replace(/\s+/g, ' ')).join('\n'), sources };
}

/** COPY/ADD arguments in shell or JSON form; undefined when unreadable. */
function argsOf(rest: string): string[] | undefined {
  const flags: string[] = [];
  let body = rest;
  for (let m = /^(--\S+)\s+/.exec(body); m; m = /^(--\S+)\s+/.exec(body)) {
    flags.push(m[1]);
    body = body.slice(m[0].length);
  }
  if (body.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(body);
      return Array.isArray(parsed) && parsed.every((x) => typeof x === 'string') ? [...flags, ...parsed] : undefined;
    } catch {
      return undefined;
    }
  }
  return [...flags, ...body.split(/\s+/).filter(Boolean)];
}

export interface FingerprintInput {
  dockerfile: string;
  /** Line of the last instruction that declares a persisted cache mount. */
  lastLine: number;
  context: string;
  buildArgs: Record<string, string>;
  platform?: string;
}

/** 16 hex digits, or undefined when the inputs cannot be known (then mounts are always restored). */
export async function mountFingerprint(input: FingerprintInput): Promise<string | undefined> {
  const steps = stepInputs(input.dockerfile, input.lastLine);
  if ('unknown' in steps) return undefined;
  const hash = createHash('sha256');
  hash.update(`${steps.text}\n\0platform=${input.platform ?? ''}\n`);
  for (const [k, v] of Object.entries(input.buildArgs).sort(([a], [b]) => a.localeCompare(b)))
    hash.update(`arg ${k}=${v}\n`);
  const budget = { bytes: MAX_HASHED_BYTES };
  const root = path.resolve(input.context);
  for (const s of steps.sources) {
    const full = path.resolve(root, s.replace(/^\/+/, ''));
    if (full !== root && !full.startsWith(root + path.sep)) return undefined;
    if (!(await hashPath(hash, root, full, budget))) return undefined;
  }
  return hash.digest('hex').slice(0, 16);
}

/** Adds a file or a directory tree (names, modes, link targets, content) to the hash; false past the budget or when missing. */
async function hashPath(
  hash: ReturnType<typeof createHash>,
  root: string,
  full: string,
  budget: { bytes: number },
): Promise<boolean> {
  const st = await lstat(full).catch(() => undefined);
  if (!st) return false;
  const rel = path.relative(root, full);
  if (st.isSymbolicLink()) {
    hash.update(`link ${rel} ${await readlink(full)}\n`);
    return true;
  }
  if (st.isDirectory()) {
    hash.update(`dir ${rel}\n`);
    for (const name of (await readdir(full)).sort())
      if (!(await hashPath(hash, root, path.join(full, name), budget))) return false;
    return true;
  }
  if (!st.isFile()) return false;
  budget.bytes -= st.size;
  if (budget.bytes < 0) return false;
  hash.update(`file ${rel} ${st.mode & 0o777} ${st.size}\n`);
  hash.update(await readFile(full));
  return true;
}
