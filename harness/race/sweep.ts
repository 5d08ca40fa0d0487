import { at } from '../../lib/at.js';
import type { Capacity } from '../analysis/capacity.js';
import { findCrossovers, type Crossover } from '../analysis/crossover.js';
import { groupTrials } from '../analysis/ranking.js';
import { median } from '../analysis/stats.js';
import { openDatabase } from '../database/database.js';
import { toolVersion } from '../model/paths.js';
import type { RaceHooks } from '../model/race-hooks.js';
import type { RunParams, StrategyResult, SweepCoordinates } from '../model/result-schema.js';
import type { ThinkRange } from '../model/run-config.js';
import { valueText, type SweepAxis, type SweepPoint } from '../model/sweep-points.js';
import { prepareRace, trialOrder, type RaceOptions, type RaceRun } from './race.js';

export interface SweepOptions extends Pick<RaceOptions, 'runs' | 'databaseUrl' | 'signal' | 'tickMs'> {
  points: SweepPoint[];
  trials: number;
  hooks?: SweepHooks;
}

/** A race's hooks, and one more as each point begins. */
export interface SweepHooks extends RaceHooks {
  /** A point's runs begin; `index` counts from 0, in `points`. */
  onPoint?(info: { index: number; count: number; coordinates: SweepCoordinates }): void;
}

export interface SweepOutcome {
  results: StrategyResult[];
  stoppedBy: 'done' | 'timeout' | 'interrupted';
}

/**
 * Each point in turn, on one database: its own servers (the point may change their number or
 * pool), a warm-up, then every run's trials interleaved, each on a fresh event and audited.
 */
export async function runSweep(options: SweepOptions): Promise<SweepOutcome> {
  const { runs, points, hooks = {} } = options;
  const database = await openDatabase(options.databaseUrl);
  const results: StrategyResult[] = [];
  try {
    for (const [index, { coordinates, config }] of points.entries()) {
      if (options.signal?.aborted) return { results, stoppedBy: 'interrupted' };
      hooks.onPoint?.({ index, count: points.length, coordinates });
      const race = await prepareRace({ runs, config, database, sweep: coordinates, signal: options.signal, tickMs: options.tickMs, hooks });
      try {
        await race.warmUp();
        for (const { run, trial } of trialOrder<RaceRun>(runs, options.trials, config.seed)) {
          if (options.signal?.aborted) return { results, stoppedBy: 'interrupted' };
          const { result, stoppedBy } = await race.runTrial(run, trial);
          results.push(result);
          if (stoppedBy === 'timeout' || stoppedBy === 'interrupted') return { results, stoppedBy };
        }
      } finally {
        await race.close();
      }
    }
    return { results, stoppedBy: 'done' };
  } finally {
    await database.close();
  }
}

/** The trials of one sweep point, and the point's coordinates. */
export interface PointTrials {
  coordinates: SweepCoordinates;
  results: StrategyResult[];
}

/** A sweep's trials by point, in the sweep's order; results without sweep coordinates are left out. */
export function pointsOf(results: readonly StrategyResult[]): PointTrials[] {
  const byPoint = new Map<number, PointTrials>();
  for (const result of results) {
    if (!result.sweep) continue;
    const point = byPoint.get(result.sweep.point) ?? { coordinates: result.sweep, results: [] };
    point.results.push(result);
    byPoint.set(result.sweep.point, point);
  }
  return [...byPoint.values()].sort((a, b) => a.coordinates.point - b.coordinates.point);
}

/** Points that differ only along the first axis: one line of a sweep's chart, one search for crossovers. */
export interface SweepLine {
  /** The swept axis the line runs along. */
  axis: string;
  /** The other axes' values, "servers 2"; empty with one axis. */
  fixed: string;
  points: PointTrials[];
}

export function sweepLines(points: readonly PointTrials[]): SweepLine[] {
  const lines = new Map<string, SweepLine>();
  for (const point of points) {
    const [axis = '', ...others] = Object.keys(point.coordinates.axes);
    const fixed = others.map((name) => `${name} ${point.coordinates.axes[name] ?? ''}`).join(', ');
    const line = lines.get(fixed) ?? { axis, fixed, points: [] };
    line.points.push(point);
    lines.set(fixed, line);
  }
  return [...lines.values()];
}

/** Where a lead ends or begins along a line: the swept axis's value there, and the load a label relates it to. */
export type LinePoint = { value: string } & Pick<RunParams, 'clients' | 'hotels'>;

/** A crossover along one line; `until` and `from` index the line's points, which `points` gives. */
export interface SweepCrossover extends Crossover {
  axis: string;
  fixed: string;
  points: { until: LinePoint; from: LinePoint };
}

/**
 * The crossovers of a sweep: along the first axis, for each value of the second, between the
 * strategies that promise safety and kept it in every trial of the point.
 */
export function sweepCrossovers(results: readonly StrategyResult[]): SweepCrossover[] {
  return sweepLines(pointsOf(results)).flatMap((line) => {
    const crossoverPoints = line.points.map(({ results }) => ({
      samples: Object.fromEntries(
        groupTrials(results)
          .filter((group) => group.kept)
          .map((group) => [group.label, group.trials.map(({ outcome }) => outcome.reservations_per_s)]),
      ),
    }));
    const pointAt = (index: number): LinePoint => {
      const { coordinates, results } = at(line.points, index);
      const { clients, hotels } = at(results, 0).params;
      return { value: coordinates.axes[line.axis] ?? '', clients, hotels };
    };
    return findCrossovers(crossoverPoints).map((crossover) => ({
      ...crossover,
      axis: line.axis,
      fixed: line.fixed,
      points: { until: pointAt(crossover.until), from: pointAt(crossover.from) },
    }));
  });
}

/** What a design pays at a point that goodput does not show; medians over its trials, null where a trial's file lacks the figure. */
export interface PointPrices {
  /** 422s answered while the hotel still had the rooms asked for. */
  refused_while_available: number | null;
  /** Contracted rooms neither confirmed nor held when the trial ended. */
  unsold_rooms: number | null;
}

export function pointPrices(trials: readonly StrategyResult[]): PointPrices {
  const medianOf = (figure: (outcome: StrategyResult['outcome']) => number | undefined) => {
    const values = trials.map(({ outcome }) => figure(outcome));
    return values.every((value) => value !== undefined) ? median(values) : null;
  };
  return {
    refused_while_available: medianOf((outcome) => outcome.refused_while_available),
    unsold_rooms: medianOf((outcome) => outcome.unsold_rooms),
  };
}

/**
 * What `sweep --json` writes: the axes, each point's goodput per strategy (median and 95%
 * interval; null bounds below 6 trials) and prices, the crossovers, and every trial's result.
 */
export function sweepDocument(axes: readonly SweepAxis[], results: readonly StrategyResult[], capacity?: readonly Capacity[]) {
  return {
    tool: { name: 'evento', version: toolVersion },
    kind: 'sweep',
    axes: axes.map(({ name, values }) => ({ name, values: (values as readonly (number | ThinkRange)[]).map(valueText) })),
    points: pointsOf(results).map(({ coordinates, results }) => ({
      ...coordinates,
      strategies: groupTrials(results).map(({ label, trials, goodput, kept }) => ({
        strategy: label,
        trials: trials.length,
        goodput_median: goodput.median,
        goodput_low: Number.isFinite(goodput.low) ? goodput.low : null,
        goodput_high: Number.isFinite(goodput.high) ? goodput.high : null,
        ...pointPrices(trials),
        kept,
      })),
    })),
    crossovers: sweepCrossovers(results),
    ...(capacity && { capacity: capacity.map(({ strategy, slo, rate }) => ({ strategy, slo, rate })) }),
    results,
  };
}
