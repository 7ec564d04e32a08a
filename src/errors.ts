// Error types shared by every layer, and the single mapping from an error to a process exit code.
// Front ends (cli/, action/) call `exitCodeFor` and `oneLineReason`; nothing else decides exit codes.

/** A location in a source file, 1-based, for messages and GitHub annotations. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** One problem found in a config file. `path` is the key path, e.g. `images[0].smoke-test.http.port`. */
export interface ConfigIssue {
  location: SourceLocation;
  path: string;
  message: string;
}

/**
 * A failure the user can act on; its message is the one-line reason printed on exit. `location` points at
 * the line it is about (a Dockerfile step, a smoke-test check), for annotations.
 */
export class MlImageError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly location?: SourceLocation,
  ) {
    super(message);
    this.name = 'MlImageError';
  }
}

/** Every problem in a config file, collected in one pass so a user fixes them all at once. */
export class ConfigError extends MlImageError {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(
      issues.length === 1
        ? formatIssue(issues[0])
        : `${issues.length} problems in ${issues[0]?.location.file ?? 'config'}:\n` +
            issues.map((i) => '  ' + formatIssue(i)).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Bad command-line usage. */
export class UsageError extends MlImageError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** `key.path: message`, for places that show the location apart (annotations). */
export function issueText(issue: ConfigIssue): string {
  return `${issue.path ? issue.path + ': ' : ''}${issue.message}`;
}

export function formatIssue(issue: ConfigIssue): string {
  const { file, line, column } = issue.location;
  return `${file}:${line}:${column}: ${issueText(issue)}`;
}

/** Issues in file order (line, then column), ties in the order found. */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return issues
    .map((issue, order) => ({ issue, order }))
    .sort(
      (a, b) =>
        a.issue.location.line - b.issue.location.line ||
        a.issue.location.column - b.issue.location.column ||
        a.order - b.order,
    )
    .map((x) => x.issue);
}

export function exitCodeFor(err: unknown): number {
  return err instanceof MlImageError ? err.exitCode : 1;
}

/** The reason printed last on failure: the error's own message for expected failures, more for bugs. */
export function oneLineReason(err: unknown): string {
  if (err instanceof MlImageError) return err.message;
  if (err instanceof Error) return `unexpected error: ${err.message}`;
  return `unexpected error: ${String(err)}`;
}
