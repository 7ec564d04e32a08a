// How every layer reports progress. Two implementations: a plain console logger for the CLI and one over
// @actions/core for the Action (see action/logger.ts). Secret values registered with `addSecret` never reach
// the output of either: the console logger masks them itself, the Action one asks the runner to.

export interface Logger {
  info(message: string): void;
  warn(message: string, where?: { file?: string; line?: number; column?: number }): void;
  error(message: string, where?: { file?: string; line?: number; column?: number }): void;
  debug(message: string): void;
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

export class ConsoleLogger implements Logger {
  private readonly masker: SecretMasker;
  private readonly write: (line: string) => void;
  private readonly verbose: boolean;
  private depth = 0;

  constructor(options: ConsoleLoggerOptions = {}) {
    this.masker = options.masker ?? new SecretMasker();
    this.write = options.write ?? ((line) => process.stderr.write(line + '\n'));
    this.verbose = options.verbose ?? false;
  }

  private emit(prefix: string, message: string): void {
    const indent = '  '.repeat(this.depth);
    for (const line of this.masker.mask(message).split('\n')) this.write(`${indent}${prefix}${line}`);
  }

  info(message: string): void {
    this.emit('', message);
  }
  warn(message: string, where?: { file?: string; line?: number }): void {
    this.emit('warning: ', where?.file ? `${where.file}${where.line ? ':' + where.line : ''}: ${message}` : message);
  }
  error(message: string, where?: { file?: string; line?: number }): void {
    this.emit('error: ', where?.file ? `${where.file}${where.line ? ':' + where.line : ''}: ${message}` : message);
  }
  debug(message: string): void {
    if (this.verbose) this.emit('debug: ', message);
  }
  async group<T>(title: string, body: () => Promise<T>): Promise<T> {
    this.emit('', `▶ ${title}`);
    this.depth++;
    const started = Date.now();
    try {
      return await body();
    } finally {
      this.depth--;
      this.debug(`${title} took ${((Date.now() - started) / 1000).toFixed(1)}s`);
    }
  }
  addSecret(value: string): void {
    this.masker.add(value);
  }
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
