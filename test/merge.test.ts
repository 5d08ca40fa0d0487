import fc from 'fast-check';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import t from 'tap';
import { createMetrics } from '../client-sim/metrics.js';
import type { Shard } from '../client-sim/shard.js';
import { UsageError } from '../harness/model/errors.js';
import { auditOfHotels } from '../harness/workloads/event.js';
import { mergePartOf, mergeParts, type MergePart } from '../harness/results/merge.js';
import { buildResult, paramsOf } from '../harness/race/result.js';
import { at } from '../lib/at.js';
import { contendedRace, strategyNamed, waitOf } from './helpers.js';

// evento merge without a database: parts built as a run builds its result, from clients' metrics.

interface PartOptions {
  seed?: number;
  eventId?: string;
  strategy?: string;
  clients?: number;
}

/**
 * Shard `shard`'s result file, read back as merge reads it: one reservation of 2 rooms per wait
 * (each waited for exactly that many microseconds), each after one conflict and one reserve request.
 */
function shardPart(shard: Shard, waitsMicros: readonly number[], options: PartOptions = {}): MergePart {
  const metrics = createMetrics();
  for (const wait of waitsMicros) {
    metrics.recordConflict('serialization_failure');
    metrics.recordRequest(performance.now() - wait / 1000, true);
    metrics.recordReservation(2, 0, wait / 1000);
  }
  metrics.count('responses_dropped', waitsMicros.length);
  const rooms = 2 * waitsMicros.length;
  const hotel = { hotel_id: 'h1', hotel_name: 'Hotel 001', contracted: 1000, reserved: rooms, locked: 0, confirmed: rooms, held: 0 };
  const audit = { rooms: auditOfHotels([{ ...hotel, reservations: waitsMicros.length, overbooked: 0, drift: 0 }]), counts: {}, problems: [] };
  const strategy = strategyNamed(options.strategy ?? 'atomic');
  const seed = options.seed ?? 7;
  const config = { ...contendedRace.config, clients: options.clients ?? 100, seed, shard };
  const result = buildResult({
    strategy,
    params: paramsOf(config, { strategy: strategy.name, settings: { workload: 'rooms' }, seed }),
    startedAt: new Date(),
    database: { kind: 'embedded', postgresVersion: '17' },
    eventId: options.eventId ?? 'a5a5a5a5-0000-4000-8000-000000000001',
    load: {
      snapshot: metrics.snapshot(),
      conflictsByReason: metrics.conflictsByReason(),
      attemptsPerReservation: metrics.attemptsPerReservation(),
      retriedAttemptsMs: metrics.retriedAttemptsMs(),
      counts: metrics.kinds(),
      stoppedBy: 'done',
      writes: metrics.writes(),
      histograms: metrics.histograms(),
      perSecond: metrics.perSecond(),
    },
    audit,
    trial: { index: 1, count: 1, seed, position: 0 },
  });
  const file = `part-${shard.index}.json`;
  return mergePartOf(JSON.parse(JSON.stringify(result)), file);
}

/** The waits split over `count` shards as the clients are: sample i to shard i mod count + 1. */
const split = (waits: readonly number[], count: number) =>
  Array.from({ length: count }, (_, index) => waits.filter((_, sample) => sample % count === index));

/** Every wait recorded by one metrics engine, as one host running all the clients would. */
function oneHost(waits: readonly number[]) {
  const metrics = createMetrics();
  for (const wait of waits) metrics.recordReservation(2, 0, wait / 1000);
  return metrics;
}

const waitsMicros = fc.array(fc.integer({ min: 1, max: 600_000_000 }), { minLength: 1, maxLength: 400 });

t.test('a merged p99 is the p99 of one histogram fed every sample', async (t) => {
  // 1..1000 ms: the first shard has the short half and the second the long one, so no part's p99 is the whole's.
  const waits = Array.from({ length: 1000 }, (_, sample) => (sample + 1) * 1000);
  const parts = [shardPart({ index: 1, count: 2 }, waits.slice(0, 500)), shardPart({ index: 2, count: 2 }, waits.slice(500))];
  const merged = mergeParts(parts);
  const whole = oneHost(waits).snapshot().timeToReservationMs;
  t.same(merged.outcome.time_to_reservation_ms, whole, 'p50, p90, p99 and max as one host would report them');
  t.equal(waitOf(merged.outcome).p99, 990.21, 'the p99 of 1..1000 ms: 990 ms, to the top of its bucket');
  t.not(waitOf(at(parts, 1).result.outcome).p99, 990.21, "neither part's p99 is the merge's");

  const property = fc.property(waitsMicros, fc.integer({ min: 1, max: 5 }), (waits, count) => {
    const shards = split(waits, count).map((part, index) => shardPart({ index: index + 1, count }, part));
    const outcome = mergeParts(shards).outcome;
    const merged = decodeFromCompressedBase64(outcome.histograms.time_to_reservation_us);
    t.same(outcome.time_to_reservation_ms, oneHost(waits).snapshot().timeToReservationMs, `${waits.length} waits over ${count} shards`);
    return merged.totalCount === waits.length && decodeFromCompressedBase64(outcome.histograms.latency_us).totalCount === waits.length;
  });
  fc.assert(property, { numRuns: 50 });
});

t.test('counts are summed, the duration is the longest part, the rates are over it', async (t) => {
  const one = shardPart({ index: 1, count: 2 }, [1000, 2000, 3000]);
  const two = shardPart({ index: 2, count: 2 }, [4000, 5000]);
  one.result.outcome.duration_ms = 1000;
  two.result.outcome.duration_ms = 2000;
  const merged = mergeParts([two, one]);
  const { outcome } = merged;
  t.equal(outcome.requests, 5, 'requests');
  t.equal(outcome.reservations, 5, 'reservations');
  t.equal(outcome.rooms_reserved, 10, 'rooms reserved');
  t.equal(outcome.conflicts, 5, 'conflicts');
  t.equal(outcome.conflicts_by_reason.serialization_failure, 5, 'conflicts by reason');
  t.same(outcome.acknowledged, { reservations: 5, rooms: 10 }, 'acknowledged');
  t.equal(outcome.counts.responses_dropped, 5, 'counts by kind');
  t.equal(outcome.duration_ms, 2000, 'the longest part: they ran at once');
  t.equal(outcome.throughput_rps, 2.5, 'requests over the longest part');
  t.equal(outcome.reservations_per_s, 2.5, 'goodput over the longest part');
  t.same(outcome.per_reservation, { requests: 1, conflicts: 1, insufficient: 0 }, 'work per reservation');
  t.equal(outcome.contracted, 1000, "the event's contract, once");
  t.equal(at(merged.hotels, 0).booked, 6, 'per hotel, the most any part saw');
  t.same(merged.verdict, { promises_safety: true, safe: true, label: 'SAFE' }, 'safe when every part is');
  t.equal(merged.params.shard, undefined, 'the merge is the whole run');
  t.same(merged.merged_from, ['part-2.json', 'part-1.json'], 'merged_from names the parts');
  t.equal(merged.params.clients, 100, 'the clients of the whole run');
});

/** The UsageError a merge of these parts throws. */
function refusal(parts: MergePart[]): string {
  try {
    mergeParts(parts);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  return 'merged';
}

t.test('parts that are not the shards of one run are refused, naming the files and the field', async (t) => {
  const one = shardPart({ index: 1, count: 2 }, [1000]);
  const cases: [string, MergePart[], RegExp][] = [
    ['another seed', [one, shardPart({ index: 2, count: 2 }, [1000], { seed: 8 })], /^part-2\.json and part-1\.json differ in params\.seed \(8 vs 7\)/],
    [
      'another event',
      [one, shardPart({ index: 2, count: 2 }, [1000], { eventId: 'a5a5a5a5-0000-4000-8000-000000000002' })],
      /differ in event_id \("a5a5a5a5-0000-4000-8000-000000000002" vs "a5a5a5a5-0000-4000-8000-000000000001"\)/,
    ],
    [
      'another strategy',
      [one, shardPart({ index: 2, count: 2 }, [1000], { strategy: 'pessimistic' })],
      /differ in params\.strategy \("pessimistic" vs "atomic"\)/,
    ],
    ['other parameters', [one, shardPart({ index: 2, count: 2 }, [1000], { clients: 50 })], /differ in params\.clients \(50 vs 100\)/],
    ['another split', [one, shardPart({ index: 2, count: 3 }, [1000])], /differ in params\.shard\.count \(3 vs 2\)/],
    ['a shard twice', [one, shardPart({ index: 1, count: 2 }, [2000])], /^part-1\.json and part-1\.json are both shard 1\/2/],
    ['a shard missing', [one], /^shard 2\/2 missing/],
    ['shards missing', [shardPart({ index: 2, count: 4 }, [1000])], /^shards 1\/4, 3\/4, 4\/4 missing/],
  ];
  for (const [what, parts, expected] of cases) t.match(refusal(parts), expected, what);

  const { result } = one;
  const { shard: _, ...unsharded } = result.params;
  t.throws(() => mergePartOf({ ...result, params: unsharded }, 'whole.json'), /^whole\.json: not a shard \(no params\.shard\)/, 'a run without --shard');
  const { histograms: _histograms, ...older } = result.outcome;
  t.throws(
    () => mergePartOf({ ...result, outcome: older }, 'old.json'),
    /^old\.json: outcome\.histograms: /,
    'a file without histograms names the field',
  );
  t.throws(
    () => mergePartOf({ ...result, params: { ...result.params, shard: { index: 3, count: 2 } } }, 'three.json'),
    /^three\.json: params\.shard: a shard i\/N has 1 <= i <= N/,
    'a shard past its count',
  );
  t.throws(
    () => mergePartOf({ tool: { name: 'k6' } }, 'k6.json'),
    /^k6\.json: not an evento result \(tool\.name: "k6", expected "evento"\)/,
    'not an evento result',
  );
});

t.test("shards of a shared event listed as each started: the merge's listing is the largest, whichever part comes first", async (t) => {
  // Acknowledged parts of a target run: shard 1 listed the 30 rooms and sold them all; shard 2 started after and found none.
  const asTargetPart = (part: MergePart, listed: number): MergePart => {
    const listing = listed > 0 ? [{ hotel_id: 'h1', available: listed }] : [];
    part.result.outcome.contracted = listed;
    part.result.target = { urls: ['http://127.0.0.1:9'], listed: listing, audited_by: 'acknowledged' };
    part.result.verdict = { promises_safety: true, safe: true, label: 'UNAUDITED' };
    return part;
  };
  const full = asTargetPart(
    shardPart(
      { index: 1, count: 2 },
      Array.from({ length: 15 }, (_, sample) => (sample + 1) * 1000),
    ),
    30,
  );
  const empty = asTargetPart(shardPart({ index: 2, count: 2 }, []), 0);
  for (const parts of [
    [empty, full],
    [full, empty],
  ]) {
    const merged = mergeParts(parts);
    const order = parts.map(({ file }) => file).join(', ');
    t.equal(merged.outcome.contracted, 30, `${order}: the 30 rooms listed at the earliest start`);
    t.same(merged.target, full.result.target, `${order}: that part's listing`);
    t.same(merged.verdict, { promises_safety: true, safe: true, label: 'UNAUDITED' }, `${order}: 30 rooms acknowledged of 30 listed is no overbooking`);
    t.equal(merged.outcome.rooms_reserved, 30, `${order}: the full part's rooms`);
  }
});
