// How every layer reports progress, and the one way durations and sizes are written. In the lowest layer
// (it imports nothing of ml-image), so that every folder can log without reaching up to report/, which
// gathers the results of all of them. Two implementations: a plain console logger for the CLI and one over
// @actions/core for the Action (see action/logger.ts). Secret values registered with `addSecret` never reach
// the output of either: the console logger masks them itself, the Action one asks the runner to.
//
// Steps are groups. A step's own lines (each check, each push, "built … in 12.1s") say what happened and how
// long it took; a command's full output (BuildKit progress, push progress) goes to `output`: folded inside
// the step's group in the Action, shown in the CLI only with -v — or, when the step fails, its last lines.

export interface Logger {
  info(message: string): void;
  warn(message: string, where?: { file?: string; line?: number; column?: number }): void;
  error(message: string, where?: { file?: string; line?: number; column?: number }): void;
  debug(message: string): void;
  /** One line of a command's full output (see the header). */
  output(line: string): void;
  /** A titled step; its lines are grouped (folded in the Actions log, prefixed in the CLI). */
  group<T>(title: string, body: () => Promise<T>): Promise<T>;
  addSecret(value: string): void;
}

/** Replaces every registered secret in a string; shared by loggers and by error messages. */
export class SecretMasker {
  private readonly secrets = new Set<string>();

  add(value: string): void {
    // Very short values would mask unrelated text and reveal nothing worth hiding.
    if (value.length >= 3) this.secrets.add(value);
  }

  mask(text: string): string {
    let out = text;
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
    return out;
  }
}

export interface ConsoleLoggerOptions {
  verbose?: boolean;
  write?: (line: string) => void;
  masker?: SecretMasker;
}

/** How many output lines of a failed step the CLI shows without -v. */
export const FAILURE_TAIL_LINES = 50;

/**
 * The CLI's logger. Without -v, a step is the lines it reports itself (one per build, check and push, each
 * with its time); the commands' full output is kept, and only a failed step's last 50 lines are printed.
 * With -v, every step has a ▶ header, its output, and its duration.
 */
export class ConsoleLogger implements Logger {
  private readonly masker: SecretMasker;
  private readonly write: (line: string) => void;
  private readonly verbose: boolean;
  private depth = 0;
  /** The output lines of the innermost running step, for its failure tail. */
  private tail: string[] = [];

  constructor(options: ConsoleLoggerOptions = {}) {
    this.masker = options.masker ?? new SecretMasker();
    this.write = options.write ?? ((line) => process.stderr.write(line + '\n'));
    this.verbose = options.verbose ?? false;
  }

  private emit(prefix: string, message: string): void {
    const indent = '  '.repeat(this.depth);
    for (const line of visibleControls(this.masker.mask(message)).split('\n')) this.write(`${indent}${prefix}${line}`);
  }

  info(message: string): void {
    this.emit('', message);
  }
  warn(message: string, where?: { file?: string; line?: number }): void {
    this.emit('warning: ', where?.file ? `${where.file}${where.line ? `:${where.line}` : ''}: ${message}` : message);
  }
  error(message: string, where?: { file?: string; line?: number }): void {
    this.emit('error: ', where?.file ? `${where.file}${where.line ? `:${where.line}` : ''}: ${message}` : message);
  }
  debug(message: string): void {
    if (this.verbose) this.emit('debug: ', message);
  }
  output(line: string): void {
    if (this.verbose) {
      this.emit('', line);
      return;
    }
    this.tail.push(line);
    if (this.tail.length > FAILURE_TAIL_LINES) this.tail.shift();
  }
  async group<T>(title: string, body: () => Promise<T>): Promise<T> {
    if (this.verbose) this.emit('', `▶ ${title}`);
    const outer = this.tail;
    this.tail = [];
    if (this.verbose) this.depth++;
    const started = Date.now();
    try {
      return await body();
    } catch (err: unknown) {
      if (!this.verbose && this.tail.length > 0) {
        this.emit(
          '',
          `✗ ${title} failed after ${seconds(Date.now() - started)}; its last ${this.tail.length} lines of output:`,
        );
        for (const line of this.tail) this.emit('  | ', line);
      }
      throw err;
    } finally {
      this.tail = outer;
      if (this.verbose) {
        this.depth--;
        this.debug(`${title} took ${seconds(Date.now() - started)}`);
      }
    }
  }
  addSecret(value: string): void {
    this.masker.add(value);
  }
}

/** Milliseconds as seconds rounded half up to 0.1: the one rounding of logs, summary and JSON outputs alike. */
export function tenths(ms: number): number {
  return Math.round(ms / 100) / 10;
}

/** Milliseconds as "12.3s", the one way durations are written in logs and reports. */
export function seconds(ms: number): string {
  return `${tenths(ms).toFixed(1)}s`;
}

/** Bytes as "347 MB" (decimal, as docker prints image sizes). */
export function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(bytes < 10_000_000 ? 1 : 0)} MB`;
}

/** Collects lines in memory; for tests and for capturing a step's log into a report. */
export class MemoryLogger extends ConsoleLogger {
  readonly lines: string[];
  constructor(masker?: SecretMasker) {
    const lines: string[] = [];
    super({ write: (l) => lines.push(l), verbose: true, masker });
    this.lines = lines;
  }
}

/**
 * Control characters from config values, refs or command output, shown rather than obeyed by the terminal
 * (an ANSI escape in an image name must not recolour or rewrite the log): \u001b and the like, tabs and
 * line breaks kept.
 */
export function visibleControls(text: string): string {
  return text.replace(
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
