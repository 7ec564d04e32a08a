// Reads a tar stream — what `docker cp CONTAINER:PATH -` writes — incrementally, so a file's mode, owner
// and content can be checked without starting the container (its entrypoint never runs), and without
// reading a whole directory tree when only its first entry matters: the caller stops the stream early.
// ustar headers, with pax extended headers ('x') for long names and large ids, as docker writes them.

export interface TarEntry {
  path: string;
  /** Permission bits (and setuid/setgid/sticky), as in the header. */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'other';
  linkTarget?: string;
  /** Up to the reader's limit of a regular file's content. */
  content?: Buffer;
  /** The content was cut at the limit. */
  truncated?: boolean;
}

const BLOCK = 512;

const text = (b: Buffer, start: number, len: number): string => {
  const raw = b.subarray(start, start + len);
  const nul = raw.indexOf(0);
  return (nul >= 0 ? raw.subarray(0, nul) : raw).toString('utf8');
};

/** Numeric header fields: octal text, or GNU base-256 when the top bit is set. */
function num(b: Buffer, start: number, len: number): number {
  if (b[start] & 0x80) {
    let v = 0;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + b[i];
    return v;
  }
  const t = text(b, start, len).trim();
  return t ? parseInt(t, 8) : 0;
}

function parsePax(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const space = body.indexOf(0x20, i);
    if (space < 0) break;
    const len = Number(body.subarray(i, space).toString('ascii'));
    if (!Number.isFinite(len) || len <= 0) break;
    const record = body.subarray(space + 1, i + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

const TYPES: Record<string, TarEntry['type']> = {
  '0': 'file',
  '\0': 'file',
  '': 'file',
  '5': 'directory',
  '2': 'symlink',
  '1': 'hardlink',
  '3': 'char',
  '4': 'block',
  '6': 'fifo',
};

/**
 * Feed chunks to `push`; each complete entry goes to `onEntry`, which may answer 'stop'. `push` answers true
 * once reading should stop (asked to, or the archive ended).
 */
export class TarReader {
  private buf = Buffer.alloc(0);
  private pax: Record<string, string> = {};
  private current?: TarEntry;
  private remaining = 0;
  private padding = 0;
  private contentChunks: Buffer[] = [];
  private kept = 0;
  private done = false;

  constructor(
    private readonly maxContentBytes: number,
    private readonly onEntry: (entry: TarEntry) => 'stop' | void,
  ) {}

  push(chunk: Uint8Array): boolean {
    if (this.done) return true;
    this.buf = Buffer.concat([this.buf, Buffer.from(chunk)]);
    for (;;) {
      if (this.current) {
        if (!this.readContent()) return false;
        if (this.done) return true;
        continue;
      }
      if (this.padding > 0) {
        const skip = Math.min(this.padding, this.buf.length);
        this.buf = this.buf.subarray(skip);
        this.padding -= skip;
        if (this.padding > 0) return false;
      }
      if (this.buf.length < BLOCK) return false;
      const header = this.buf.subarray(0, BLOCK);
      if (header.every((x) => x === 0)) return (this.done = true);
      const typeflag = String.fromCharCode(header[156]);
      const size = num(header, 124, 12);
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L') {
        if (this.buf.length < BLOCK + padded) return false;
        const body = this.buf.subarray(BLOCK, BLOCK + size);
        if (typeflag === 'x') this.pax = { ...this.pax, ...parsePax(body) };
        if (typeflag === 'L') this.pax.path = text(body, 0, size);
        this.buf = this.buf.subarray(BLOCK + padded);
        continue;
      }
      const prefix = text(header, 345, 155);
      const name = text(header, 0, 100);
      const type = TYPES[typeflag] ?? 'other';
      const entry: TarEntry = {
        path: this.pax.path ?? (prefix ? `${prefix}/${name}` : name),
        mode: num(header, 100, 8) & 0o7777,
        uid: this.pax.uid !== undefined ? Number(this.pax.uid) : num(header, 108, 8),
        gid: this.pax.gid !== undefined ? Number(this.pax.gid) : num(header, 116, 8),
        size: this.pax.size !== undefined ? Number(this.pax.size) : size,
        type,
        linkTarget:
          type === 'symlink' || type === 'hardlink' ? (this.pax.linkpath ?? text(header, 157, 100)) : undefined,
      };
      this.pax = {};
      this.buf = this.buf.subarray(BLOCK);
      // Only regular files carry content; other entries' size is 0 in what docker writes.
      this.current = entry;
      this.remaining = type === 'file' ? entry.size : 0;
      this.padding = type === 'file' ? Math.ceil(entry.size / BLOCK) * BLOCK - entry.size : 0;
      this.contentChunks = [];
      this.kept = 0;
    }
  }

  /** True when the current entry is complete (and handed on). */
  private readContent(): boolean {
    const take = Math.min(this.remaining, this.buf.length);
    const room = Math.max(0, this.maxContentBytes - this.kept);
    if (room > 0 && take > 0) this.contentChunks.push(Buffer.from(this.buf.subarray(0, Math.min(take, room))));
    this.kept += Math.min(take, room);
    this.remaining -= take;
    this.buf = this.buf.subarray(take);
    if (this.remaining > 0) return false;
    const entry = this.current!;
    if (entry.type === 'file') {
      entry.content = Buffer.concat(this.contentChunks);
      entry.truncated = this.kept < entry.size;
    }
    this.current = undefined;
    if (this.onEntry(entry) === 'stop') this.done = true;
    return true;
  }
}
