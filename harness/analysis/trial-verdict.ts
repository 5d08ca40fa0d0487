import { at } from '../../lib/at.js';
import type { StrategyResult } from '../model/result-schema.js';
import { measuredNothing } from './run-outcome.js';

/** How the trials of one run went, as data: the table, the report, JUnit and the summary each word this one. */
export interface TrialsVerdict {
  /**
   * `safe`: promises safety and no trial broke it; `held`: promises nothing and no trial showed an
   * anomaly, which proves nothing about the next; `broken`: some trial overbooked or drifted;
   * `nothing-measured`: none broke, but some trial sold nothing, which proves nothing either.
   */
  kind: 'safe' | 'held' | 'broken' | 'nothing-measured';
  promises_safety: boolean;
  trials: number;
  /** The trials the kind is about: the broken ones, those that sold nothing, or all of them. */
  count: number;
  /** The verdict labels of the trials the kind is about, each once, in trial order (`SAFE`, `UNAUDITED`, `OVERBOOKED by 12`). */
  labels: string[];
  /** What broke, each kind of problem once (`OVERBOOKED`, `DRIFT`): the broken trials' labels without their figures; empty when none broke. */
  problems: string[];
  /** The fewest and most rooms over contract among the broken trials that overbooked; null when none did. */
  overbooked: { least: number; most: number } | null;
}

/** The verdict over every trial of one run (a group of `groupTrials`), computed once for every printer. */
export function trialsVerdict(trials: readonly Pick<StrategyResult, 'verdict' | 'outcome'>[]): TrialsVerdict {
  const { promises_safety } = at(trials, 0).verdict;
  const broken = trials.filter(({ verdict }) => !verdict.safe);
  const unmeasured = trials.filter(measuredNothing);
  const overbooked = broken.map(({ outcome }) => outcome.overbooked_rooms).filter((rooms) => rooms > 0);
  const kind = broken.length > 0 ? 'broken' : unmeasured.length > 0 ? 'nothing-measured' : promises_safety ? 'safe' : 'held';
  const counted = kind === 'broken' ? broken : kind === 'nothing-measured' ? unmeasured : trials;
  const labels = [...new Set(counted.map(({ verdict }) => verdict.label))];
  return {
    kind,
    promises_safety,
    trials: trials.length,
    count: counted.length,
    labels,
    problems:
      kind === 'broken' ? [...new Set(labels.flatMap((label) => label.split(', ').map((problem) => problem.replace(/( by)? [0-9]+$/, ''))))] : [],
    overbooked: overbooked.length === 0 ? null : { least: Math.min(...overbooked), most: Math.max(...overbooked) },
  };
}
