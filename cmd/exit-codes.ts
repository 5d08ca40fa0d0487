import { CommanderError } from '@commander-js/extra-typings';
import { AssertionFailed, EnvironmentError, UsageError } from '../harness/errors.js';

// Exit codes (docs/cli.md): 0 done, 1 an assertion failed, 2 usage error, 3 environment error.
const exitCodes = { assertion: 1, usage: 2, environment: 3 } as const;

/** The one place where errors become exit codes and one line on stderr. */
export function exitCodeOf(error: unknown, writeErr: (text: string) => void = (text) => process.stderr.write(text)): number {
  if (error instanceof CommanderError) {
    // Help and version are exits too, and successful ones.
    return error.exitCode === 0 ? 0 : exitCodes.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UsageError) {
    writeErr(`error: ${message}\n`);
    return exitCodes.usage;
  }
  if (error instanceof AssertionFailed) {
    writeErr(`evento: assertion failed: ${message}\n`);
    return exitCodes.assertion;
  }
  if (error instanceof EnvironmentError) {
    writeErr(`evento: ${message}\n`);
    return exitCodes.environment;
  }
  writeErr(`evento: unexpected failure: ${error instanceof Error ? (error.stack ?? message) : message}\n`);
  return exitCodes.environment;
}
