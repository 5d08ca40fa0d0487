// `node dist/bench/phase-timing.js`: what timing a reservation's app-tier phases costs the server
// process, in CPU per reservation, without the database's own time in the way: the same calls,
// timed and untimed, interleaved over rounds, on a pool whose connection is always free.
import { connect } from '../db/connection.js';
import { openDatabase } from '../harness/database/database.js';
import { median } from '../harness/analysis/stats.js';
import { onOwnConnection } from '../strategies/own-connection.js';
import { createPhaseRecorder, startPhaseTimer, type PhaseRecorder } from '../strategies/phases.js';

const calls = 200_000;
const rounds = 7;

const database = await openDatabase();
const sql = connect(database.url, 1, 'evento-phase-timing-bench');
await sql`select 1`;

/** CPU µs per call of `calls` reservations, each taking the pool's connection and giving it back, timed into `recorder` when given. */
async function cpuPerCall(recorder: PhaseRecorder | undefined): Promise<number> {
  const before = process.cpuUsage();
  for (let call = 0; call < calls; call += 1) {
    const timer = startPhaseTimer(recorder);
    await timer.strategy(sql, (db) => onOwnConnection(db, () => Promise.resolve(call)));
    timer.end();
  }
  const { user, system } = process.cpuUsage(before);
  return (user + system) / calls;
}

const recorder = createPhaseRecorder();
const timed: number[] = [];
const untimed: number[] = [];
for (let round = 0; round < rounds; round += 1) {
  // Alternating which goes first, so that a drift in the host's speed falls on both alike.
  const order = round % 2 === 0 ? [recorder, undefined] : [undefined, recorder];
  for (const given of order) (given ? timed : untimed).push(await cpuPerCall(given));
  recorder.take();
}
await sql.end();
await database.close();
const cost = median(timed.map((value, index) => value - (untimed[index] ?? value)));
process.stdout.write(
  `phase timing: ${calls.toLocaleString('en-US')} calls x ${rounds} rounds; CPU µs per call untimed ${median(untimed).toFixed(2)}, ` +
    `timed ${median(timed).toFixed(2)}; the timing's own cost ${cost.toFixed(2)} µs per reservation (median of the rounds' differences)\n`,
);
