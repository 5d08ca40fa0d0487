import type { Crossover } from '../harness/analysis/crossover.js';
import type { RunParams } from '../harness/model/result-schema.js';
import type { SweepCrossover } from '../harness/race/sweep.js';

const oneDecimal = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));
const plural = (count: number | string, one: string, many = `${one}s`) => `${count} ${Number(count) === 1 ? one : many}`;

/** How a sentence names an axis's value at a point: "64 hot rows (3.1 clients per hot row)". */
export function pointLabel(axis: string, text: string, params: Pick<RunParams, 'clients' | 'hotels'>): string {
  switch (axis) {
    case 'hot-rows':
      return `${plural(text, 'hot row')} (${plural(oneDecimal(params.clients / params.hotels), 'client')} per hot row)`;
    case 'clients':
      return params.hotels === 1 ? `${text} clients on one hot row` : `${text} clients (${oneDecimal(Number(text) / params.hotels)} per hot row)`;
    case 'think-ms':
      return `think ${text} ms`;
    case 'max-rooms':
      return `at most ${plural(text, 'room')} a request`;
    case 'rooms':
      return `${plural(text, 'room')} a hotel, to sell-out`;
    case 'pool-size':
      return `${plural(text, 'connection')} per server`;
    case 'rate':
      return `${text} attempts/s offered`;
    default:
      return plural(text, 'server');
  }
}

/** A crossover in a sentence, its last point of one lead and its first of the other named `until` and `from`. */
export const crossoverText = ({ leader, overtaker }: Crossover, until: string, from: string) =>
  `${leader} ahead of ${overtaker} up to ${until}; ${overtaker} ahead from ${from}`;

/** A sweep's crossover in a sentence, as the sweep's table, its JSON and the report say it: "at servers 2: optimistic ahead of …". */
export function sweepCrossoverText(crossover: SweepCrossover): string {
  const label = ({ value, ...load }: SweepCrossover['points']['until']) => pointLabel(crossover.axis, value, load);
  const sentence = crossoverText(crossover, label(crossover.points.until), label(crossover.points.from));
  return crossover.fixed ? `at ${crossover.fixed}: ${sentence}` : sentence;
}
