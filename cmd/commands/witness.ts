import { dirname, join } from 'node:path';
import type { HistoryOp } from '../../client-sim/history.js';
import { readHistory } from '../../harness/history/history.js';
import { UsageError } from '../../harness/model/errors.js';
import type { WrittenWitness } from '../../harness/model/history-findings.js';
import { readResultFile } from '../../harness/results/results-file.js';
import { formatHistoryOutcome, formatTimeOrder } from '../output/history-text.js';

/** `evento witness RESULT`: the witnesses of a result file, each with its operations in time order. */
export async function witnessCommand(file: string): Promise<string> {
  const result = await readResultFile(file);
  if (!result.history || !result.outcome.history_check) {
    throw new UsageError(`${file} was written without --history: run again with --history to record what a witness needs`);
  }
  const path = join(dirname(file), result.history.file);
  let history: HistoryOp[];
  try {
    history = await readHistory(path);
  } catch (error) {
    throw new UsageError(`cannot read the history ${path}: ${(error as Error).message.split('\n')[0] ?? ''}`);
  }
  const timeOrder = (witness: WrittenWitness) => (witness.operations.length > 0 ? formatTimeOrder(witness, history) : '');
  const none = (result.outcome.witnesses ?? []).length === 0 ? [`no witness: the audit found nothing wrong (${result.verdict.label})`] : [];
  return [formatHistoryOutcome(result, timeOrder), ...none].join('\n');
}
