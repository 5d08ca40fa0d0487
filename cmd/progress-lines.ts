import type { RaceHooks } from '../harness/race.js';

/** One plain line per tick on stderr, for logs and CI where no terminal UI runs. */
export function progressLines(stream: NodeJS.WritableStream, totalRooms: number): RaceHooks {
  let last = { elapsedMs: 0, requests: 0 };
  return {
    onReady({ database, servers }) {
      stream.write(`evento: ${database} database, ${servers.length} server(s) at ${servers.join(' ')}\n`);
    },
    onStart({ strategy, event }) {
      last = { elapsedMs: 0, requests: 0 };
      stream.write(`evento: ${strategy.name}: event ${event.event_id}, ${event.hotels.length} hotel(s), ${totalRooms} rooms\n`);
    },
    onTick({ strategy, snapshot }) {
      const seconds = (snapshot.elapsedMs - last.elapsedMs) / 1000;
      const rate = seconds > 0 ? Math.round((snapshot.requests - last.requests) / seconds) : 0;
      last = snapshot;
      stream.write(
        `evento: ${strategy.name} ${(snapshot.elapsedMs / 1000).toFixed(1)}s` +
          ` rooms ${snapshot.roomsReserved}/${totalRooms} ${rate} req/s` +
          ` conflicts ${snapshot.conflicts} errors ${snapshot.errorsTotal} clients ${snapshot.clientsActive}\n`,
      );
    },
    onResult(result) {
      const how = result.outcome.stopped_by === 'duration' ? 'stopped by --duration after' : 'done in';
      stream.write(`evento: ${result.params.strategy} ${how} ${(result.outcome.duration_ms / 1000).toFixed(2)}s: ${result.verdict.label}\n`);
    },
  };
}
