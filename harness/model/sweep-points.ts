import { at } from '../../lib/at.js';
import type { SweepCoordinates } from './result-schema.js';
import type { RunConfig, ThinkRange } from './run-config.js';

export const axisNames = ['hot-rows', 'clients', 'think-ms', 'max-rooms', 'rooms', 'pool-size', 'servers', 'rate'] as const;
export type AxisName = (typeof axisNames)[number];

/** One swept flag and its values, in the order the user listed them. */
export type SweepAxis = { name: Exclude<AxisName, 'think-ms'>; values: number[] } | { name: 'think-ms'; values: ThinkRange[] };

/** One combination of the axes' values and the configuration it runs with. */
export interface SweepPoint {
  coordinates: SweepCoordinates;
  config: RunConfig;
}

/** Rooms per hotel in a fixed-time sweep: more than its clients can book, so no point sells out. */
export const unlimitedRooms = 1_000_000;

export const valueText = (value: number | ThinkRange) => (typeof value === 'number' ? String(value) : value.text);

/** `base` with one axis set; hot rows are hotels that the clients pick at random, so contention is clients per hot row. */
function withAxis(config: RunConfig, axis: SweepAxis, index: number, poolSizeOf: (servers: number) => number, poolSwept: boolean): RunConfig {
  if (axis.name === 'think-ms') return { ...config, thinkMs: at(axis.values, index) };
  const value = at(axis.values, index);
  switch (axis.name) {
    case 'hot-rows':
      return { ...config, hotels: value, pick: 'random' };
    case 'clients':
      return { ...config, clients: value };
    case 'max-rooms':
      return { ...config, maxRooms: value };
    case 'rooms':
      return { ...config, rooms: value };
    case 'pool-size':
      return { ...config, poolSize: value };
    case 'servers':
      // Unless the pool is swept or given, each point keeps about as many connections as cores.
      return { ...config, servers: value, poolSize: poolSwept ? config.poolSize : poolSizeOf(value) };
    case 'rate':
      return { ...config, openLoop: { arrivals: 'poisson', ...config.openLoop, rate: value } };
  }
}

/**
 * Every combination of the axes' values, the first axis varying fastest, so that the points of
 * one line (the first axis at one value of the second) follow each other.
 */
export function sweepPoints(base: RunConfig, axes: readonly SweepAxis[], poolSizeOf: (servers: number) => number = () => base.poolSize): SweepPoint[] {
  const poolSwept = axes.some((axis) => axis.name === 'pool-size');
  let combos: number[][] = [[]];
  for (const axis of axes) combos = combos.flatMap((combo) => axis.values.map((_, index) => [...combo, index]));
  // The first axis varies fastest: order by the last axis first.
  combos.sort((a, b) => {
    for (let axis = axes.length - 1; axis >= 0; axis--) if (at(a, axis) !== at(b, axis)) return at(a, axis) - at(b, axis);
    return 0;
  });
  return combos.map((combo, point) => {
    const config = axes.reduce((config, axis, which) => withAxis(config, axis, at(combo, which), poolSizeOf, poolSwept), base);
    const coordinates = Object.fromEntries(
      axes.map((axis, which) => [axis.name, valueText(at(axis.values as readonly (number | ThinkRange)[], at(combo, which)))]),
    );
    return { coordinates: { point, axes: coordinates }, config };
  });
}
