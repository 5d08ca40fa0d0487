import type { AssertionFlags } from '../harness/analysis/assertions.js';
import { decideOutcome } from '../harness/analysis/run-outcome.js';
import { judgedAssertions, type CiFlags } from './flags/ci-options.js';
import { replayCommand } from './output/ci-facts.js';
import type { ChosenOutputs, RunEnd } from './outputs.js';

/** Said once, however many runs could not be sampled. */
const dbTimeHidden =
  "database time not sampled: this database role cannot see the servers' sessions in pg_stat_activity " +
  '(it needs superuser, pg_read_all_stats or pg_monitor); db_time is null in the result files';

/** The flags every command that runs load ends by. */
export type EndingFlags = AssertionFlags & CiFlags & { timeout: number };

/** How a command that ran load got to its end, for `finishRun`. */
export interface RunEnding extends Pick<RunEnd, 'command' | 'results' | 'printed' | 'document'> {
  stoppedBy: 'done' | 'timeout' | 'interrupted';
  environmentError?: string;
  /** A run against `--target`: it promises only what `--assert-no-overbooking` says. */
  target?: boolean;
  /** A load shard's part, judged with the others by `evento merge`. */
  partOfShards?: boolean;
  seed: number;
}

/**
 * The one ending of `run`, `race`, `sweep` and `load`: the outcome decided once, every output
 * finished with it, one "wrote" line for all the files they wrote, and the closing lines; returns
 * the exit code.
 */
export async function finishRun(ending: RunEnding, flags: EndingFlags, { outputs, messages }: ChosenOutputs): Promise<number> {
  const { command, results } = ending;
  const assertions = judgedAssertions(flags, { target: ending.target === true });
  const outcome = decideOutcome({
    results,
    stoppedBy: ending.stoppedBy,
    timeoutSeconds: flags.timeout,
    assertions,
    environmentError: ending.environmentError,
    partOfShards: ending.partOfShards,
  });
  const replay = replayCommand(process.argv.slice(2), ending.seed);
  const end: RunEnd = { command, results, outcome, assertions, replay, printed: ending.printed, document: ending.document };
  const written: string[] = [];
  for (const output of outputs) written.push(...(await output.finish(end)));
  if (results.some(({ outcome }) => outcome.db_time === null)) messages.notice('db-time-hidden', dbTimeHidden);
  messages.wrote(written);
  messages.ended(outcome);
  return outcome.exitCode;
}
