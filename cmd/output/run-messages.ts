import type { RunOutcome } from '../../harness/analysis/run-outcome.js';
import { assertionText, outcomeSentence, statusWords, timedOutDetail, unmeasuredDetail } from './outcome-text.js';

/**
 * What a run says on stderr around its progress: notices, the files it wrote and how it ended.
 * Plain lines, or under `--progress json` one JSON object per line, so that stderr stays parseable.
 */
export interface RunMessages {
  /** `type` names the notice for JSON readers; `text` is the line a person reads. */
  notice(type: string, text: string, fields?: Record<string, unknown>): void;
  wrote(files: readonly string[]): void;
  ended(outcome: RunOutcome): void;
}

const timeoutAdvice = 'the partial results were audited and written. Raise --timeout or lower the load';
const unmeasuredAdvice = "the errors column and each result file's errors_by_kind say what failed";

export function plainMessages(stream: NodeJS.WritableStream): RunMessages {
  const line = (text: string) => stream.write(`evento: ${text}\n`);
  return {
    notice: (_type, text) => line(text),
    wrote(files) {
      if (files.length > 0) line(`wrote ${files.join(', ')}`);
    },
    ended(outcome) {
      if (outcome.failures.length > 0) line(`assertion failed: ${outcome.failures.map(assertionText).join('; ')}`);
      if (outcome.environmentError !== undefined) line(outcome.environmentError);
      if (outcome.timeoutSeconds !== undefined) line(`${timedOutDetail(outcome.timeoutSeconds)}; ${timeoutAdvice}`);
      if (outcome.unmeasured.length > 0) line(`${statusWords['nothing-measured']}: ${unmeasuredDetail(outcome.unmeasured)}; ${unmeasuredAdvice}`);
    },
  };
}

export function jsonMessages(stream: NodeJS.WritableStream): RunMessages {
  const write = (object: Record<string, unknown>) => stream.write(`${JSON.stringify(object)}\n`);
  return {
    notice: (type, text, fields = {}) => write({ type, message: text, ...fields }),
    wrote(files) {
      if (files.length > 0) write({ type: 'wrote', files });
    },
    ended(outcome) {
      for (const failure of outcome.failures) write({ type: 'assertion', message: assertionText(failure) });
      write({
        type: 'outcome',
        outcome: outcome.status,
        exit_code: outcome.exitCode,
        message: outcomeSentence(outcome),
        failures: outcome.failures.map(assertionText),
        unmeasured: outcome.unmeasured,
        ...(outcome.timeoutSeconds !== undefined && { timeout_s: outcome.timeoutSeconds }),
        ...(outcome.environmentError !== undefined && { error: outcome.environmentError }),
      });
    },
  };
}

export const runMessages = (progress: string | undefined, stream: NodeJS.WritableStream = process.stderr) =>
  progress === 'json' ? jsonMessages(stream) : plainMessages(stream);
