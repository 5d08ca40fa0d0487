import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import type { Test } from 'tap';
import type { RaceRun } from '../harness/race/race.js';
import { useStrategyModule } from '../harness/race/strategy-modules.js';
import type { Sql } from '../db/connection.js';
import { inBatches } from '../strategies/batch.js';
import { StrategyRegistry } from '../strategies/registry.js';
import type { ReserveOutcome, ReserveRequest } from '../strategies/types.js';
import { contendedRace, raceIn, roomRuns, strategyNamed, useDatabase } from './helpers.js';

const database = await useDatabase(t);
const withHistory = (t: Test, runs: RaceRun[]) =>
  raceIn(t, { ...contendedRace, config: { ...contendedRace.config, history: true }, databaseUrl: database.url, runs });

t.test('batched: claims settled together, and every 201 has its row (history check)', async (t) => {
  const {
    results: [result],
  } = await withHistory(t, roomRuns([strategyNamed('batched')]));
  if (!result) return t.fail('a result');
  const { outcome, verdict, params } = result;
  t.equal(verdict.label, 'SAFE', 'SAFE');
  t.equal(params.batch_ms, 2, 'the window is recorded');
  t.equal(outcome.history_check?.valid, true, `the history checks out: ${JSON.stringify(outcome.history_check?.anomalies.slice(0, 2))}`);
  t.equal(outcome.history_check?.acknowledged_checked, outcome.reservations, 'every 201 was checked against the tables');
  t.ok((outcome.history_check?.reads_checked ?? 0) > 0, 'reads were checked');
  const [batches] = await database.sql<[{ largest: number }]>`
    select max(claims)::int as largest from (
      select count(*) as claims from reservations r join event_hotel_rooms ehr on ehr.id = r.event_hotel_rooms_id
      where ehr.event_id = ${result.event_id} group by r.xmin
    ) as per_transaction`;
  t.ok(batches.largest > 1, `one transaction wrote ${batches.largest} reservations`);
});

t.test('a batch that answers 201 to a claim it could not cover: the audit sees nothing, the history check does', async (t) => {
  const registry = new StrategyRegistry();
  const brokenBatch = registry.find(await useStrategyModule(registry, fileURLToPath(new URL('broken-batch.js', import.meta.url))));
  if (!brokenBatch) return t.fail('the module was registered');
  const {
    results: [result],
  } = await withHistory(t, roomRuns([brokenBatch]));
  if (!result) return t.fail('a result');
  const { outcome, verdict } = result;
  t.equal(verdict.label, 'SAFE', 'the tables hold no more rooms than contracted');
  t.equal(outcome.history_check?.valid, false, 'the history check fails');
  const lost = outcome.history_check?.anomalies_by_kind.lost_write ?? 0;
  t.ok(lost > 0, `201s without their row: ${lost}`);
});

t.test("a batch's window is the one its first claim brings from the server's configuration", async (t) => {
  const sizes: number[] = [];
  const reserve = inBatches((_sql, claims) => {
    sizes.push(claims.length);
    return Promise.resolve(claims.map((): ReserveOutcome => ({ status: 'not_found' })));
  });
  // Batches are kept per pool, known by its options: nothing here reaches a database.
  const pool = { options: {} } as unknown as Sql;
  const claim = (batchMs: number): ReserveRequest => ({ eventId: 'e', hotelId: 'h', rooms: 1, email: 'a@example.com', requestId: null, batchMs });
  const startedAt = performance.now();
  const first = reserve(pool, claim(400));
  await sleep(100);
  await Promise.all([first, reserve(pool, claim(400))]);
  t.ok(performance.now() - startedAt >= 390, 'the first claim waited out its window');
  t.same(sizes, [2], 'a claim that came within the window joined it');
  await Promise.all([reserve(pool, claim(0)), sleep(50).then(() => reserve(pool, claim(0)))]);
  t.same(sizes, [2, 1, 1], 'with no window, claims 50 ms apart are settled apart');
});
