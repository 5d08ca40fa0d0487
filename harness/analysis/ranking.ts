import { at } from '../../lib/at.js';
import type { StrategyResult } from '../model/result-schema.js';
import { differingSettings, settingsOf, settingsText } from '../model/run-settings.js';
import { runLabel } from '../model/workload.js';
import { alpha, compareSamples, smallestP, summarize, type Summary } from './stats.js';
import { trialsVerdict, type TrialsVerdict } from './trial-verdict.js';

/** Every trial of one run (a workload and a strategy at one setting), in the order they ran. */
export interface TrialGroup {
  /** The run's name, and the settings that tell it from another run of the same strategy read with it (`naive rooms=30`). */
  label: string;
  /** `workload:strategy` (the strategy alone for rooms). */
  run: string;
  /** The settings in which this run differs from another of the same strategy read with it; empty when there is none. */
  apart: string[];
  trials: StrategyResult[];
  /** Reservations per second over the trials. */
  goodput: Summary;
  /** The p99 of time to a reservation over the trials; null when a trial's file predates its measurement (format 1). */
  waitP99: Summary | null;
  /** The verdict over the trials, which every printer words. */
  verdict: TrialsVerdict;
  /** Promises safety and kept it in every trial, each of which sold something: only these are ranked. */
  kept: boolean;
}

/** A percentile of time to a reservation from every trial; null when one trial's file predates its measurement (format 1). */
export function waitsOf(trials: readonly StrategyResult[], percentile: 'p50' | 'p99'): number[] | null {
  const waits = trials.flatMap(({ outcome }) => (outcome.time_to_reservation_ms ? [outcome.time_to_reservation_ms[percentile]] : []));
  return waits.length === trials.length ? waits : null;
}

const summaryOf = (samples: number[] | null) => samples && summarize(samples);

/**
 * Trials grouped by run, in the order each run first came. Trials are pooled only when their
 * settings match: a strategy run at two settings (30 rooms and 300) is two groups, each labelled
 * with the settings that tell them apart.
 */
export function groupTrials(results: readonly StrategyResult[]): TrialGroup[] {
  const byRun = new Map<string, { run: string; settings: Map<string, string>; trials: StrategyResult[] }>();
  for (const result of results) {
    const run = runLabel(result.workload, result.params.strategy, result.params.via);
    const settings = settingsOf(result.params);
    const key = JSON.stringify([run, ...settings]);
    const group = byRun.get(key) ?? { run, settings, trials: [] };
    group.trials.push(result);
    byRun.set(key, group);
  }
  const groups = [...byRun.values()];
  return groups.map(({ run, settings, trials }) => {
    const apart = differingSettings(groups.filter((other) => other.run === run).map((other) => other.settings));
    const verdict = trialsVerdict(trials);
    return {
      label: [run, ...settingsText(settings, apart)].join(' '),
      run,
      apart,
      trials,
      goodput: summarize(trials.map(({ outcome }) => outcome.reservations_per_s)),
      waitP99: summaryOf(waitsOf(trials, 'p99')),
      verdict,
      kept: verdict.kind === 'safe',
    };
  });
}

/** Each strategy whose trials were not pooled, with the settings in which they differ: printers say so under their tables. */
export const unpooledRuns = (groups: readonly TrialGroup[]) => [
  ...new Map(groups.filter((group) => group.apart.length > 0).map((group) => [group.run, { run: group.run, apart: group.apart }])).values(),
];

/** The groups in table order, each with its rank (shared when not significantly apart), and why nothing is ranked when so. */
export interface Ranking {
  rows: { group: TrialGroup; rank?: number }[];
  /**
   * Set when two or more groups kept their promise but their trials are too few to tell them
   * apart: the fewest trials of a group, and the fewest a side at which a difference can show.
   */
  unranked?: { fewest: number; needed: number };
}

/** The fewest trials a side at which a two-sided U test can reach `alpha` at all. */
function fewestTrialsToRank() {
  let n = 1;
  while (smallestP(n, n) > alpha) n += 1;
  return n;
}

export const trialsToRank = fewestTrialsToRank();

/**
 * Ranks by goodput the groups that kept their promise, fastest median first; the others follow,
 * unranked. A group shares the rank of the group that opened its tier unless a two-sided
 * Mann-Whitney U test over their trials says it is slower (p ≤ alpha): a difference the trials
 * have not shown is not ranked. With too few trials to show any, nothing is ranked.
 */
export function rankGroups(groups: readonly TrialGroup[]): Ranking {
  const byGoodput = (a: TrialGroup, b: TrialGroup) => b.goodput.median - a.goodput.median;
  const kept = groups.filter((group) => group.kept).sort(byGoodput);
  const others = groups.filter((group) => !group.kept).sort(byGoodput);
  const unrankedRows = [...kept, ...others].map((group) => ({ group }));
  if (kept.length < 2) return { rows: unrankedRows };
  // The smallest p a pair can reach only grows as either side shrinks: the two smallest groups decide.
  const [fewest = 0, next = 0] = kept.map((group) => group.trials.length).sort((a, b) => a - b);
  if (smallestP(fewest, next) > alpha) {
    return { rows: unrankedRows, unranked: { fewest, needed: trialsToRank } };
  }
  let leader = at(kept, 0);
  let leaderRank = 1;
  const goodputs = (of: TrialGroup) => of.trials.map(({ outcome }) => outcome.reservations_per_s);
  const ranked = kept.map((group, index) => {
    if (group !== leader && compareSamples(goodputs(leader), goodputs(group)).significant) {
      leader = group;
      leaderRank = index + 1;
    }
    return { group, rank: leaderRank };
  });
  return { rows: [...ranked, ...others.map((group) => ({ group }))] };
}
