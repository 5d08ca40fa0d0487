import type { Ranking } from '../harness/analysis/ranking.js';
import { nothingMeasuredLabel } from '../harness/analysis/run-outcome.js';
import type { TrialsVerdict } from '../harness/analysis/trial-verdict.js';
import type { Verdict } from '../harness/model/result-schema.js';

/** Follows the verdict of a strategy that promises nothing, where a legend explains it. */
export const unsafeMarker = '*';
/** Printed under a table whose verdicts carry the marker. */
export const unsafeLegend = `${unsafeMarker} unsafe by design: promises nothing; its overbooking is what it is raced to show`;

/**
 * One trial's verdict as a reader needs it: an unsafe strategy's overbooking is what it was raced
 * to show, and a run in which it happened not to overbook proves nothing about the next one.
 * `marker` follows a strategy that promises nothing; empty where the page says so otherwise.
 */
export function verdictText(verdict: Verdict, marker = unsafeMarker): string {
  if (verdict.promises_safety || verdict.label === nothingMeasuredLabel) return verdict.label;
  return [verdict.safe ? 'held this run' : verdict.label, marker].filter(Boolean).join(' ');
}

/**
 * The verdict over every trial of a run, worded the same in the table, the report, JUnit and the
 * summary: one trial's as `verdictText`; over several, how many held or broke the promise, and by
 * how much they overbooked (`OVERBOOKED 10/10 (+212..+371)`).
 */
export function trialsVerdictText(verdict: TrialsVerdict, marker = unsafeMarker): string {
  const share = `${verdict.count}/${verdict.trials}`;
  const unsafe = (text: string) => [text, verdict.promises_safety ? '' : marker].filter(Boolean).join(' ');
  const labels = verdict.labels.join(', ');
  switch (verdict.kind) {
    case 'safe':
      // The audit's own word (SAFE, or UNAUDITED for a target judged by its 201s).
      return verdict.trials === 1 ? labels : `${labels} ${share}`;
    case 'held':
      return unsafe(verdict.trials === 1 ? 'held this run' : `held ${share}`);
    case 'nothing-measured':
      return verdict.trials === 1 ? nothingMeasuredLabel : `${nothingMeasuredLabel} ${share}`;
    case 'broken': {
      if (verdict.trials === 1) return unsafe(labels);
      const { overbooked } = verdict;
      const range = !overbooked ? '' : overbooked.least === overbooked.most ? ` (+${overbooked.least})` : ` (+${overbooked.least}..+${overbooked.most})`;
      return unsafe(`${verdict.problems.join(', ')} ${share}${range}`);
    }
  }
}

/** Under a ranking that ranks nothing: why, and how many trials would. */
export const unrankedText = ({ fewest, needed }: NonNullable<Ranking['unranked']>) =>
  `not ranked: ${fewest} trial${fewest === 1 ? '' : 's'} of a strategy cannot show a difference; --repeat ${needed} or more`;

/** Under a table whose strategy ran at several settings: its trials were not pooled, and in what they differ. */
export const unpooledText = ({ run, apart }: { run: string; apart: readonly string[] }) =>
  `${run}: trials at different settings (${apart.join(', ')}) are not pooled; each setting has its own row`;
