// The one seam through which ml-image starts processes (docker, git, nvidia-smi): `execProcess`, and the
// `Exec` type of it that every caller takes, so that tests hand in a fake. (Named exec, not run: a "run"
// in ml-image is one invocation of the pipeline, the one its runId names.)
// Commands are argument arrays, never shell strings, so nothing from a config, a branch name or a tag can be
// interpreted by a shell. Output is streamed line by line to the caller (for live logs) and also buffered.
import { execa } from 'execa';

export interface ExecOptions {
  cwd?: string;
  /** Added to the inherited environment; a value of undefined removes the variable. */
  env?: Record<string, string | undefined>;
  /** Written to stdin (e.g. a password for --password-stdin): never placed in argv. */
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /**
   * Takes stdout as raw bytes instead of text (binary output, e.g. a tar stream); returning 'stop' ends
   * the process early (it is killed, and the result says so in `stopped`). stdout stays empty then.
   */
  onStdoutBytes?: (chunk: Uint8Array) => 'stop' | void;
  /** Keep the output's final newline (container-structure-test matches output as the program wrote it). */
  keepFinalNewline?: boolean;
}

export interface ExecResult {
  file: string;
  args: readonly string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  spawnError?: string;
  /** onStdoutBytes asked to stop: the process was ended on purpose. */
  stopped?: boolean;
}

/** Starts one process and waits for it; never throws for a failed command (see exitCode, spawnError). */
export type Exec = (file: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

export const execProcess: Exec = async (file, args, options = {}) => {
  const tap = (stream: 'stdout' | 'stderr') =>
    function* (line: unknown): Generator {
      options.onLine?.(String(line), stream);
      yield line;
    };
  const stop = new AbortController();
  const onBytes = options.onStdoutBytes;
  const bytes = onBytes
    ? {
        // With binary: true, execa hands the transform raw Uint8Array chunks; its type says unknown.
        // It yields nothing on purpose: the bytes go to onBytes, none to execa's stdout.
        // eslint-disable-next-line require-yield
        *transform(chunk: unknown): Generator<never> {
          if (!stop.signal.aborted && chunk instanceof Uint8Array && onBytes(chunk) === 'stop') stop.abort();
        },
        binary: true,
      }
    : undefined;
  const result = await execa(file, [...args], {
    reject: false,
    cwd: options.cwd,
    env: options.env,
    extendEnv: true,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : undefined,
    timeout: options.timeoutMs,
    cancelSignal: options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal,
    // A process still there 2 s after SIGTERM is killed: `docker run` waits on a container that ignores the
    // signal it forwards, and a cancelled Action has 7.5 s before the runner's own SIGTERM.
    forceKillAfterDelay: 2_000,
    stripFinalNewline: !options.keepFinalNewline,
    stdout: bytes ? [bytes] : [tap('stdout')],
    stderr: [tap('stderr')],
  });
  const spawned = typeof result.exitCode === 'number' || result.signal !== undefined;
  return {
    file,
    args,
    exitCode: result.exitCode ?? (result.signal ? 128 : 127),
    // execa types these as strings; a process that never spawned leaves them undefined.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion
    stdout: String(result.stdout ?? ''),
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion
    stderr: String(result.stderr ?? ''),
    timedOut: result.timedOut,
    spawnError: spawned ? undefined : result.shortMessage,
    stopped: stop.signal.aborted || undefined,
  };
};

/** The last lines of a failed command's output, for a one-line-plus-context error message. */
export function tailOf(result: ExecResult, lines = 15): string {
  const text = (result.stderr.trim() || result.stdout.trim()).split('\n');
  return text.slice(-lines).join('\n');
}
