// Reads a Dockerfile into its instructions the way BuildKit's parser does: continuation lines joined
// (the backslash removed, nothing added), comment and blank lines dropped even inside a continuation,
// each instruction with the line it starts on. Shared by everything that reads Dockerfiles: the base
// image, the line of a failed step, the cache mounts to persist.

export interface Instruction {
  /** 1-based line of the instruction's first line. */
  line: number;
  /** The instruction with its continuation lines joined. */
  text: string;
  /** The keyword, upper-cased (FROM, RUN, ...). */
  keyword: string;
}

export function instructions(dockerfile: string): Instruction[] {
  const out: Instruction[] = [];
  let pending: { line: number; text: string } | undefined;
  const push = (p: { line: number; text: string }) =>
    out.push({ ...p, keyword: (/^\s*(\S+)/.exec(p.text)?.[1] ?? '').toUpperCase() });
  for (const [i, raw] of dockerfile.split(/\r?\n/).entries()) {
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    const continued = raw.endsWith('\\');
    const part = continued ? raw.slice(0, -1) : raw;
    pending = pending ? { line: pending.line, text: pending.text + part } : { line: i + 1, text: part };
    if (!continued) {
      push(pending);
      pending = undefined;
    }
  }
  if (pending) push(pending);
  return out;
}
