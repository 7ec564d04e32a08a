// Filesystem facts the config depends on: the repository root (paths must stay inside it), and
// whether a path is a file or directory inside it, with symbolic links resolved.
import { existsSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/** The nearest directory at or above `dir` holding `.git` (a checkout or worktree); else `dir` itself. */
export function repositoryRoot(dir: string): string {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return path.resolve(dir);
  }
}

/** Whether `p` (after resolving symbolic links) is `root` or below it. */
export function isInside(root: string, p: string): boolean {
  const real = (x: string) => {
    try {
      return realpathSync(x);
    } catch {
      return path.resolve(x);
    }
  };
  const rel = path.relative(real(root), real(p));
  return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel));
}

export function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
