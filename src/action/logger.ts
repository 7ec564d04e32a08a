// The Logger of log/log.ts over @actions/core: groups fold in the run log, warnings and errors become
// annotations (on a file and line when given), secrets are masked by the runner.
import * as core from '@actions/core';
import type { Logger } from '../log/log.js';

type Where = { file?: string; line?: number; column?: number };

const props = (where?: Where): core.AnnotationProperties | undefined =>
  where?.file ? { file: where.file, startLine: where.line, startColumn: where.column } : undefined;

export class ActionLogger implements Logger {
  info(message: string): void {
    core.info(message);
  }
  warn(message: string, where?: Where): void {
    core.warning(message, props(where));
  }
  error(message: string, where?: Where): void {
    core.error(message, props(where));
  }
  debug(message: string): void {
    core.debug(message);
  }
  /** Inside the step's ::group::, so the full output is one click away and out of the way. */
  output(line: string): void {
    core.info(line);
  }
  group<T>(title: string, body: () => Promise<T>): Promise<T> {
    return core.group(title, body);
  }
  addSecret(value: string): void {
    core.setSecret(value);
  }
}
