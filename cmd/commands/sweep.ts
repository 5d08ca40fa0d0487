import Table from 'cli-table3';
import wrapAnsi from 'wrap-ansi';
import { capacities, capacityOrder, capacityRule, type Capacity, type ServiceLevel } from '../../harness/analysis/capacity.js';
import { groupTrials } from '../../harness/analysis/ranking.js';
import { alpha } from '../../harness/analysis/stats.js';
import type { StrategyResult } from '../../harness/model/result-schema.js';
import type { RaceRun } from '../../harness/race/race.js';
import { pointPrices, pointsOf, runSweep, sweepCrossovers, sweepDocument, type SweepHooks } from '../../harness/race/sweep.js';
import { at } from '../../lib/at.js';
import { pointLabel, sweepCrossoverText } from '../../report/sweep-text.js';
import { unrankedText } from '../../report/verdict-text.js';
import { finishRun } from '../finish-run.js';
import type { SweepFlags, SweepPlan } from '../flags/sweep-options.js';
import { endedRace, stopOnSignal } from '../lifecycle.js';
import { formatResults, formatThousands } from '../output/report-table.js';
import { keepResult, openOutputs } from '../outputs.js';
import { plainProgress } from '../progress/progress-view.js';

/** `evento sweep`: a table per point, then the crossovers; the exit code, or a typed error. */
export async function sweepCommand(runs: RaceRun[], plan: SweepPlan, flags: SweepFlags): Promise<number> {
  const chosen = await openOutputs('sweep', flags);
  const { messages } = chosen;
  const interrupt = stopOnSignal(
    () => messages.notice('stopping', 'stopping the clients; what was written is still audited (again to quit now)'),
    messages,
  );

  const results: StrategyResult[] = [];
  // Each point has its own hotels, so its progress lines count its own rooms.
  const format = chosen.progress === 'json' ? 'json' : 'lines';
  let progress = plainProgress(format, plan.base.hotels * plan.base.rooms, plan.base.seed);
  const hooks: SweepHooks = {
    onReady: (info) => progress.onReady?.(info),
    onWarmup: (info) => progress.onWarmup?.(info),
    onStart: (info) => progress.onStart?.(info),
    onTick: (info) => progress.onTick?.(info),
    // Only a view that takes the servers' lines gets them; otherwise they go to this process's own output.
    ...(progress.onServerOutput && { onServerOutput: (line: string) => progress.onServerOutput?.(line) }),
    onPoint({ index, count, coordinates }) {
      const { config } = at(plan.points, index);
      progress = plainProgress(format, config.hotels * config.rooms, config.seed);
      const where = Object.entries(coordinates.axes).map(([axis, value]) => `--${axis} ${value}`);
      messages.notice('point', `sweep point ${index + 1}/${count}: ${where.join(' ')}`);
    },
    async onResult(result, history) {
      await progress.onResult?.(result);
      results.push(result);
      await keepResult(chosen.outputs, result, history);
    },
  };
  const sweep = await endedRace(
    runSweep({ runs, points: plan.points, trials: flags.repeat, signal: interrupt.signal, hooks }).finally(() => interrupt.release()),
  );
  // Judged once, for the table and the JSON alike: each judgement decodes every trial's histogram.
  const capacity = plan.slo && capacities(results, plan.slo);
  const printed = results.length > 0 ? formatSweep(plan, results, capacity).trimEnd() : '';
  const document = sweepDocument(plan.axes, results, capacity);
  // The JSON says each crossover in the table's sentence too, for readers of the file.
  const jsonDocument = { ...document, crossovers: document.crossovers.map((crossover) => ({ ...crossover, sentence: sweepCrossoverText(crossover) })) };
  return finishRun({ command: 'sweep', results, ...sweep, printed, document: jsonDocument, seed: plan.base.seed }, flags, chosen);
}

/** Each strategy's capacity at the target, with the wait and the verdict at every rate offered, and how capacity orders them. */
export function formatCapacity(level: ServiceLevel, capacity: readonly Capacity[], results: readonly StrategyResult[]): string {
  if (capacity.length === 0) return '';
  const rates = at(capacity, 0).points.map(({ rate }) => rate);
  const table = new Table({
    head: ['strategy', `capacity\nat ${level.text}`, ...rates.map((rate) => `${formatThousands(rate)}/s\n${level.percentile} ms`)],
    colAligns: ['left', 'right', ...rates.map(() => 'right' as const)],
    style: { head: [], border: [], compact: true },
  });
  for (const { strategy, rate, points } of capacity) {
    const cells = rates.map((offered) => {
      const point = points.find((candidate) => candidate.rate === offered);
      return point ? `${point.waitMs.toFixed(1)}${point.met ? '' : ' ✗'}` : '—';
    });
    table.push([strategy, rate === null ? 'none' : `${formatThousands(rate)}/s`, ...cells]);
  }
  const order = capacityOrder(capacity, results);
  const { maxDroppedShare, minAchievedShare } = capacityRule;
  const ranks = order.ranks.map(({ strategy, rank }) => `${strategy} ${rank === undefined ? '-' : String(rank)}`).join(', ');
  const top = `${formatThousands(order.topRate)}/s`;
  return [
    `capacity: the highest rate offered up to which every point met ${level.text},`,
    `dropped at most ${maxDroppedShare * 100}% and reserved at least ${minAchievedShare * 100}% of the offer (medians over the trials; ✗ missed)`,
    table.toString(),
    `goodput at ${top}, ranked where the trials differ (Mann-Whitney U):`,
    `  ${order.unranked ? unrankedText(order.unranked) : ranks}`,
    ...order.disagreements.map(
      ({ higherCapacity, moreGoodput }) => `${higherCapacity} met the target at a higher rate, yet ${moreGoodput} reserved significantly more at ${top}`,
    ),
  ].join('\n');
}

const noBreak = '\u00a0';

/** `text` in lines of at most 100 columns, the first after `first`, the others after `rest`. */
function wrapped(text: string, first: string, rest: string): string {
  const lines = wrapAnsi(text, 100 - Math.max(first.length, rest.length), { hard: true }).split('\n');
  return lines.map((line, index) => `${index === 0 ? first : rest}${line}`).join('\n');
}

/**
 * Under a point's table, what each rooms run paid beside its goodput: `buckets 2 / 0` is a median
 * of 2 requests refused while the hotel had their rooms and 0 rooms unsold; empty for slots.
 */
export function pricesLine(results: readonly StrategyResult[]): string {
  const figure = (value: number | null) => (value === null ? '—' : formatThousands(value));
  const runs = groupTrials(results)
    .filter(({ trials }) => at(trials, 0).workload !== 'slots')
    .map(({ label, trials }) => {
      const { refused_while_available, unsold_rooms } = pointPrices(trials);
      return `${label} ${figure(refused_while_available)} / ${figure(unsold_rooms)}`;
    });
  if (runs.length === 0) return '';
  // Each run's figures stay on one line: held together by no-break spaces while the line is wrapped.
  const unbroken = runs.map((run) => run.replaceAll(' ', noBreak)).join(', ');
  return wrapped(`refused while rooms remained / rooms unsold (medians): ${unbroken}`, '', '  ').replaceAll(noBreak, ' ');
}

/** One table per point, headed by its coordinates, with its prices, then the crossovers in sentences. */
export function formatSweep(plan: Pick<SweepPlan, 'axes' | 'slo'>, results: readonly StrategyResult[], capacity?: readonly Capacity[]): string {
  const points = pointsOf(results);
  const tables = points.map(({ coordinates, results }) => {
    const labels = plan.axes.map(({ name }) => pointLabel(name, coordinates.axes[name] ?? '', at(results, 0).params));
    const prices = pricesLine(results);
    return `point ${coordinates.point + 1}/${points.length}: ${labels.join(', ')}\n${formatResults(results)}\n${prices ? `${prices}\n` : ''}`;
  });
  const crossovers = sweepCrossovers(results);
  const closing =
    crossovers.length > 0
      ? [
          `crossovers (order flipped with significance, Mann-Whitney U, p <= ${alpha}):`,
          ...crossovers.map((crossover) => wrapped(sweepCrossoverText(crossover), '  ', '    ')),
        ]
      : ['no crossover: no two strategies that kept their promise swapped places,', 'with a significant difference on both sides'];
  const capacityText = plan.slo && capacity ? formatCapacity(plan.slo, capacity, results) : '';
  return `${[...tables, ...closing, ...(capacityText ? ['', capacityText] : [])].join('\n')}\n`;
}
