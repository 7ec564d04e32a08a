// How the entry points answer SIGINT and SIGTERM: the first signal aborts the run's AbortSignal, so the
// running docker command stops and every resource the run registered is removed before the process ends.
// The CLI leaves at once on a second signal (a second Ctrl-C means "now"). The Action keeps cleaning up:
// GitHub's runner cancels a step with SIGINT, then SIGTERM 7.5 s later, then SIGKILL 2.5 s after that
// (actions/runner ProcessInvoker), so its SIGTERM is part of one cancellation, not a second request.

export interface Interrupt {
  signal: AbortSignal;
  /** The first signal received, if any. */
  received(): NodeJS.Signals | undefined;
}

export function onInterrupt(options: { say: (text: string) => void; secondSignalExits: boolean }): Interrupt {
  const controller = new AbortController();
  let first: NodeJS.Signals | undefined;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (first) {
        if (options.secondSignalExits) process.exit(130);
        options.say(`${sig}: still cleaning up`);
        return;
      }
      first = sig;
      options.say(`${sig}: stopping and cleaning up…`);
      controller.abort();
    });
  }
  return { signal: controller.signal, received: () => first };
}
