import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { readTimelineWindow, type TimelineWindow } from '../harness/history/witness-timeline.js';
import type { StrategyResult } from '../harness/model/result-schema.js';
import { runLabel } from '../harness/model/workload.js';
import { witnessWords } from './witness-text.js';

/** Timelines a report draws at most: those of results with a witness first, then in the results' order. */
export const timelinesShown = 6;

/** One result's timeline, as the report draws it. */
export interface ReportTimeline extends TimelineWindow {
  id: string;
  title: string;
  /** What the result's witnesses say, one line each: "overbooking at Hotel 001: G-single …". */
  witnesses: string[];
}

/** The timelines of the results that have a history file, and how many of those were left out. */
export interface ReportTimelines {
  timelines: ReportTimeline[];
  /** Results with a history file beyond those drawn. */
  leftOut: number;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * Reads the history beside each result that names one (`folderOf(result)` is its result file's
 * folder) and windows it around its witnesses: results without a history cost no read.
 */
export async function reportTimelines(
  results: readonly StrategyResult[],
  folderOf: (result: StrategyResult) => string | undefined,
): Promise<ReportTimelines> {
  const candidates: { result: StrategyResult; path: string }[] = [];
  for (const result of results) {
    const folder = folderOf(result);
    if (!result.history || folder === undefined) continue;
    const path = join(folder, result.history.file);
    if (await exists(path)) candidates.push({ result, path });
  }
  const witnessed = (result: StrategyResult) => ((result.outcome.witnesses ?? []).some((witness) => witness.operations.length > 0) ? 0 : 1);
  const chosen = candidates
    .map((candidate, index) => ({ ...candidate, index }))
    .sort((a, b) => witnessed(a.result) - witnessed(b.result) || a.index - b.index)
    .slice(0, timelinesShown);
  const timelines: ReportTimeline[] = [];
  for (const [index, { result, path }] of chosen.entries()) {
    const witnesses = result.outcome.witnesses ?? [];
    const trial = result.trial && result.trial.count > 1 ? ` trial ${result.trial.index}` : '';
    const point = result.sweep ? `, sweep point ${result.sweep.point + 1}` : '';
    timelines.push({
      id: `timeline-${index + 1}`,
      title: `${runLabel(result.workload, result.params.strategy, result.params.via)}${trial}${point}`,
      witnesses: witnesses.map((witness) => {
        const { anomaly, summary } = witnessWords(witness, result.params.strategy);
        return `${witness.kind} at ${witness.place}: ${anomaly}. ${summary}.`;
      }),
      ...(await readTimelineWindow(path, witnesses)),
    });
  }
  return { timelines, leftOut: candidates.length - chosen.length };
}
