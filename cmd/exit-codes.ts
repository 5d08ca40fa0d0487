import { CommanderError } from '@commander-js/extra-typings';
import { exitCodeOfStatus } from '../harness/analysis/run-outcome.js';
import { AssertionFailed, EnvironmentError, UsageError } from '../harness/model/errors.js';

// Exit codes (docs/cli.md): 0 done, 1 an assertion failed, 2 usage error, 3 environment error; a run's own come from its outcome.
const exitCodes = { assertion: exitCodeOfStatus['assertion-failed'], usage: 2, environment: exitCodeOfStatus['environment-error'] } as const;

/** A stack helps whoever debugs evento, not whoever runs it: shown only when asked for. */
const debugging = (env: NodeJS.ProcessEnv) => env.EVENTO_DEBUG !== undefined && env.EVENTO_DEBUG !== '' && env.EVENTO_DEBUG !== '0';

/** The one place where errors become exit codes and one line on stderr. */
export function exitCodeOf(
  error: unknown,
  writeErr: (text: string) => void = (text) => process.stderr.write(text),
  env: NodeJS.ProcessEnv = process.env,
): number {
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
  const stack = error instanceof Error && debugging(env) ? `\n${error.stack ?? ''}` : ' (EVENTO_DEBUG=1 shows where)';
  writeErr(`evento: unexpected failure: ${message.split('\n')[0] ?? ''}${stack}\n`);
  return exitCodes.environment;
}

/** Under `--progress json` every stderr line is a JSON object, a failure's too. */
export const wantsJsonProgress = (argv: readonly string[]) =>
  argv.some((arg, index) => arg === '--progress=json' || (arg === '--progress' && argv[index + 1] === 'json'));

/** Writes a failure's line as `{"type":"error","message":…}`, for `--progress json`. */
export const jsonErrorWriter =
  (stream: NodeJS.WritableStream = process.stderr) =>
  (text: string) => {
    for (const line of text.trimEnd().split('\n'))
      stream.write(`${JSON.stringify({ type: 'error', message: line.replace(/^(evento: |error: )/, '') })}\n`);
  };
