/** The CLI's failures by kind; cmd/main.ts maps each to its exit code, and nothing else does. */

/** A flag or argument the user must fix (exit 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The machine or the database is not as needed: unreachable, port in use, timed out (exit 3). */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

/** `--assert-no-overbooking` or `--expect-overbooking` did not hold (exit 1). */
export class AssertionFailed extends Error {
  override name = 'AssertionFailed';
}

export const causeOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The code a system error carries (ENOENT, EADDRINUSE), if it is one. */
export const codeOf = (error: unknown) => (error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined);
