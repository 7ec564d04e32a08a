// Where things are in the config file: key paths → line and column, and scalars exactly as written.
import path from 'node:path';
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { SourceLocation } from '../errors.js';
import type { PathSegment } from './validate.js';

export class SourceMap {
  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  locate(keyPath: readonly PathSegment[], atKey = false): SourceLocation {
    let node: unknown = this.doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (const [i, seg] of keyPath.entries()) {
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
        if (!pair) break;
        if (atKey && i === keyPath.length - 1) {
          offset = rangeStart(pair.key) ?? offset;
          break;
        }
        next = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        next = node.items[seg];
      }
      if (next === undefined || next === null) break;
      node = next;
      offset = rangeStart(node) ?? offset;
    }
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col };
  }

  isFlowList(keyPath: readonly PathSegment[]): boolean {
    const node: unknown = this.doc.getIn(keyPath, true);
    return isSeq(node) && node.flow === true;
  }

  /** Whether the key path is written in the file (a variant's tag-suffix, an image's cache.scope). */
  has(keyPath: readonly PathSegment[]): boolean {
    return this.doc.hasIn(keyPath);
  }

  /** A scalar exactly as written (YAML reads `3.10` as the number 3.1; a build arg wants "3.10"). */
  sourceText(keyPath: readonly PathSegment[]): string | undefined {
    const node: unknown = this.doc.getIn(keyPath, true);
    return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
  }
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | undefined)?.range?.[0];
}

/** How a file path is shown in messages: relative to the working directory when inside it. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, file);
  const outside = rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel);
  return rel && !outside ? rel : file;
}
