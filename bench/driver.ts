import { connect } from '../db/connection.js';
import { seedEvent } from '../harness/workloads/event.js';
import { at } from '../lib/at.js';
import { serverConnectionSettings } from '../server/idempotency.js';
import { listAvailable } from '../strategies/rooms.js';
import { StrategyRegistry } from '../strategies/registry.js';
import { hotRows } from './ceiling.js';
import { treeTicks } from './proc.js';
import { median } from './stats.js';

/**
 * What the two statements of a reservation cost in postgres.js alone: one server's pool (one
 * connection) and `inFlight` loops in the bench's own process, each listing availability and then
 * claiming with atomic, as a server does for a client's two requests, without HTTP, routes or a
 * client loop around them. The servers' CPU per reservation in the paths phase, less this, is
 * what HTTP and the routes cost.
 */
export interface DriverCost {
  inFlight: number;
  /** Medians over the runs. */
  rate: number;
  /** µs of this process's CPU per reservation (user and system), and of PostgreSQL's (NaN when not measured). */
  nodeUs: number;
  systemUs: number;
  postgresUs: number;
  rates: number[];
}

interface DriverOptions {
  databaseUrl: string;
  postgresPid?: number;
  inFlight: number;
  seconds: number;
  runs: number;
  log(line: string): void;
}

/** Before each measured window: the statements prepared and the code warm. */
const warmupMs = 1000;

export async function measureDriver(options: DriverOptions): Promise<DriverCost> {
  const sql = connect(options.databaseUrl, 1, 'evento-bench-driver', { settings: serverConnectionSettings });
  const atomic = new StrategyRegistry().find('atomic');
  if (!atomic) throw new Error('no atomic strategy in the registry');
  const runs: { rate: number; nodeUs: number; systemUs: number; postgresUs: number }[] = [];
  try {
    for (let run = 1; run <= options.runs; run += 1) {
      const event = await seedEvent(sql, hotRows.hotels, hotRows.rooms, `evento bench driver ${new Date().toISOString()}`);
      let reservations = 0;
      let stopped = false;
      const loop = async (index: number) => {
        for (let turn = 0; !stopped; turn += 1) {
          const hotels = (await listAvailable(sql, event.event_id)) ?? [];
          const hotel = at(hotels, (index + turn) % hotels.length);
          const request = {
            eventId: event.event_id,
            hotelId: hotel.hotel_id,
            rooms: 1 + (turn % hotRows.maxRooms),
            email: 'driver@evento.test',
            requestId: null,
          };
          if ((await atomic.reserve(sql, request)).status === 'reserved') reservations += 1;
        }
      };
      const loops = Array.from({ length: options.inFlight }, (_, index) => loop(index));
      await new Promise((resolve) => setTimeout(resolve, warmupMs));
      const [cpuBefore, postgresBefore, countBefore, startedAt] = [process.cpuUsage(), await postgresTicks(options), reservations, performance.now()];
      await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
      const [cpu, postgresAfter, count, seconds] = [
        process.cpuUsage(cpuBefore),
        await postgresTicks(options),
        reservations - countBefore,
        (performance.now() - startedAt) / 1000,
      ];
      stopped = true;
      await Promise.all(loops);
      const perReservation = (us: number) => (count > 0 ? us / count : NaN);
      const measured = {
        rate: Math.round(count / seconds),
        nodeUs: perReservation(cpu.user + cpu.system),
        systemUs: perReservation(cpu.system),
        // Ticks are hundredths of a second.
        postgresUs: perReservation((postgresAfter - postgresBefore) * 10_000),
      };
      options.log(
        `driver run ${run}: ${measured.rate} reservations/s, ${Math.round(measured.nodeUs)} µs of CPU per reservation in postgres.js's process`,
      );
      runs.push(measured);
    }
  } finally {
    await sql.end({ timeout: 2 });
  }
  const of = (key: 'rate' | 'nodeUs' | 'systemUs' | 'postgresUs') => Math.round(median(runs.map((run) => run[key])));
  return {
    inFlight: options.inFlight,
    rate: of('rate'),
    nodeUs: of('nodeUs'),
    systemUs: of('systemUs'),
    postgresUs: of('postgresUs'),
    rates: runs.map((run) => run.rate),
  };
}

const postgresTicks = (options: DriverOptions) => (options.postgresPid ? treeTicks(options.postgresPid) : Promise.resolve(NaN));
