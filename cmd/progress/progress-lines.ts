import type { RaceHooks } from '../../harness/model/race-hooks.js';
import type { StrategyResult } from '../../harness/model/result-schema.js';
import type { PoolerInfo } from '../../harness/model/run-config.js';
import { runLabel, type WorkloadName } from '../../harness/model/workload.js';
import { unsafeLegend, verdictText } from '../../report/verdict-text.js';

/** A timed-out run is not "done": its verdict covers what was written before the clients were stopped. */
const stoppedHow: Record<StrategyResult['outcome']['stopped_by'], string> = {
  done: 'done in',
  duration: 'stopped by --duration after',
  timeout: 'stopped by --timeout after',
  interrupted: 'interrupted after',
};

/** One plain line per tick on stderr, for logs and CI where no terminal UI runs. */
/** What sits between the servers and the database, and what it changed, in one line. */
export function poolerText({ info, port }: { info: PoolerInfo; port: number }): string {
  return `PgBouncer ${info.version} in ${info.pool_mode} pooling mode on 127.0.0.1:${port}; postgres.js runs with prepare: false behind it (PgBouncer before 1.21 does not keep prepared statements)`;
}

/** `seed` is in the first line, so that a log of a failed run says how to replay it. */
export function progressLines(stream: NodeJS.WritableStream, roomsPerEvent: number, seed: number): RaceHooks {
  // A tenants run seeds an event per tenant: its rooms are those of every hotel seeded.
  let totalRooms = roomsPerEvent;
  let last = { elapsedMs: 0, requests: 0 };
  let workload: WorkloadName = 'rooms';
  let via: string | undefined;
  // Once, under the first verdict that carries the marker, as the table has it under its rows.
  let legendWritten = false;
  return {
    onReady({ database, servers, pooler, directPools }) {
      const paths = [
        ...(servers.length > 0 ? [`${servers.length} server(s) at ${servers.join(' ')}`] : []),
        ...(directPools ? [`${directPools} pool(s) called in this process (--via direct)`] : []),
      ];
      stream.write(`evento: ${database} database, ${paths.join(' and ')}, seed ${seed}\n`);
      if (pooler) stream.write(`evento: ${poolerText(pooler)}\n`);
    },
    onWarmup({ ms }) {
      stream.write(`evento: warming up for ${ms / 1000}s on a throwaway event (not measured)\n`);
    },
    onStart({ strategy, event, workload: started = 'rooms', via: path }) {
      last = { elapsedMs: 0, requests: 0 };
      workload = started;
      via = path;
      totalRooms = started === 'tenants' ? event.hotels.reduce((sum, hotel) => sum + hotel.contracted, 0) : roomsPerEvent;
      const what = workload === 'slots' ? 'time slots' : `${event.hotels.length} hotel(s), ${totalRooms} rooms`;
      stream.write(`evento: ${runLabel(workload, strategy.name, via)}: event ${event.event_id}, ${what}\n`);
    },
    onTick({ strategy, snapshot }) {
      const seconds = (snapshot.elapsedMs - last.elapsedMs) / 1000;
      const rate = seconds > 0 ? Math.round((snapshot.requests - last.requests) / seconds) : 0;
      last = snapshot;
      const sold = workload === 'slots' ? `bookings ${snapshot.reservations}` : `rooms ${snapshot.roomsReserved}/${totalRooms}`;
      stream.write(
        `evento: ${runLabel(workload, strategy.name, via)} ${(snapshot.elapsedMs / 1000).toFixed(1)}s` +
          ` ${sold} ${rate} req/s` +
          ` conflicts ${snapshot.conflicts} errors ${snapshot.errorsTotal} clients ${snapshot.clientsActive}\n`,
      );
    },
    onResult(result) {
      const how = stoppedHow[result.outcome.stopped_by];
      stream.write(
        `evento: ${runLabel(result.workload, result.params.strategy, result.params.via)} ${how} ${(result.outcome.duration_ms / 1000).toFixed(2)}s: ${verdictText(result.verdict)}\n`,
      );
      if (!result.verdict.promises_safety && !legendWritten) {
        legendWritten = true;
        stream.write(`evento: ${unsafeLegend}\n`);
      }
    },
  };
}
