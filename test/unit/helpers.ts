// Small helpers shared by the unit tests.

/** The Error a function throws; fails the test when it throws nothing or a non-Error. */
export function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (err: unknown) {
    if (err instanceof Error) return err;
    throw new Error(`threw a non-Error: ${String(err)}`);
  }
  throw new Error('expected an error, but none was thrown');
}
