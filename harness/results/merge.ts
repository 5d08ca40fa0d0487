import { encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { mergeEncoded, summarize, type AttemptsHistogram } from '../../client-sim/metrics.js';
import { at } from '../../lib/at.js';
import { countsBySqlstate } from '../../strategies/sqlstate.js';
import { acknowledgedVerdict } from '../analysis/verdict.js';
import { UsageError } from '../model/errors.js';
import { perReservation, perSecond, resultFormat, resultOf, type HotelOutcome, type StrategyResult } from '../model/result-schema.js';

/** One shard's result file, as read. */
export interface MergePart {
  file: string;
  result: StrategyResult;
}

/** A part as a merge reads it (`resultOf`), or a usage error naming the file and the first field that is missing or wrong. */
export function mergePartOf(value: unknown, file: string): MergePart {
  const result = resultOf(value, file);
  if (!result.params.shard) {
    throw new UsageError(`${file}: not a shard (no params.shard); parts come from runs with --shard i/N`);
  }
  return { file, result };
}

/** What every part of one sharded run shares, flattened to dotted paths: all but the shard's index. */
function identityOf({ result }: MergePart): Map<string, string> {
  const { shard, ...params } = result.params;
  const trial = result.trial && { index: result.trial.index, count: result.trial.count };
  return flatten({ workload: result.workload, event_id: result.event_id, params: { ...params, shard: { count: shard?.count } }, trial }, '');
}

function flatten(value: unknown, prefix: string, into = new Map<string, string>()): Map<string, string> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, item] of Object.entries(value)) flatten(item, `${prefix}${prefix ? '.' : ''}${key}`, into);
  } else if (value !== undefined) into.set(prefix, JSON.stringify(value));
  return into;
}

/** Refuses parts that are not the shards of one run: same seed, parameters, event and strategy, each shard once. */
function checkParts(parts: readonly MergePart[]): void {
  const first = at(parts, 0);
  const expected = identityOf(first);
  for (const part of parts.slice(1)) {
    const identity = identityOf(part);
    const paths = [...new Set([...expected.keys(), ...identity.keys()])].sort();
    const differing = paths.find((path) => expected.get(path) !== identity.get(path));
    if (differing !== undefined) {
      const shown = (value: string | undefined) => value ?? 'unset';
      throw new UsageError(
        `${part.file} and ${first.file} differ in ${differing} (${shown(identity.get(differing))} vs ${shown(expected.get(differing))}): the parts of one run share its seed, parameters, event and strategy`,
      );
    }
  }
  const shardCount = first.result.params.shard?.count ?? 1;
  const byIndex = new Map<number, string>();
  for (const { file, result } of parts) {
    const index = result.params.shard?.index ?? 1;
    const seen = byIndex.get(index);
    if (seen !== undefined) throw new UsageError(`${seen} and ${file} are both shard ${index}/${shardCount}: give each shard once`);
    byIndex.set(index, file);
  }
  const missing = Array.from({ length: shardCount }, (_, index) => index + 1).filter((index) => !byIndex.has(index));
  if (missing.length > 0) {
    throw new UsageError(
      `shard${missing.length > 1 ? 's' : ''} ${missing.map((index) => `${index}/${shardCount}`).join(', ')} missing: a merge of some shards is not the run's demand`,
    );
  }
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

/** Each key's values added up, over every record that has it. */
function sumRecords<T extends Record<keyof T, number>>(records: readonly T[]): T {
  const total: Record<string, number> = {};
  for (const record of records) for (const [key, value] of Object.entries<number>(record)) total[key] = (total[key] ?? 0) + value;
  return total as T;
}

type SeriesField = 'per_second' | 'per_tenth_second';

/** A time series of the parts summed bucket by bucket, as one run's; left out unless every part has it (older files lack it). */
function summedSeries(field: SeriesField, outcomes: readonly Pick<Outcome, SeriesField>[]): Partial<Pick<Outcome, SeriesField>> {
  const parts = outcomes.map((outcome) => outcome[field]);
  if (!parts.every((part) => part !== undefined)) return {};
  return {
    [field]: {
      requests: sumSeries(parts.map((part) => part.requests)),
      reservations: sumSeries(parts.map((part) => part.reservations)),
      conflicts: sumSeries(parts.map((part) => part.conflicts)),
      errors: sumSeries(parts.map((part) => part.errors)),
    },
  };
}

/** Second by second from each part's own start: the parts ran at once, each counting from when its clients started. */
function sumSeries(series: readonly number[][]): number[] {
  const seconds = Math.max(0, ...series.map((counts) => counts.length));
  return Array.from({ length: seconds }, (_, second) => sum(series.map((counts) => counts[second] ?? 0)));
}

type Outcome = StrategyResult['outcome'];

// The most telling reason any part stopped for, first: a stop the user did not plan outranks one they did.
const stopOrder: Outcome['stopped_by'][] = ['interrupted', 'timeout', 'duration', 'done'];

/** Per hotel, the most any part's audit saw: every part audited the same event's tables, each at its own end. */
function mergeHotels(parts: readonly StrategyResult[]): HotelOutcome[] {
  const hotels = new Map<string, HotelOutcome>();
  for (const hotel of parts.flatMap((part) => part.hotels)) {
    const seen = hotels.get(hotel.hotel_id);
    hotels.set(
      hotel.hotel_id,
      seen
        ? {
            ...seen,
            booked: Math.max(seen.booked, hotel.booked),
            overbooked: Math.max(seen.overbooked, hotel.overbooked),
            drift: Math.max(seen.drift, hotel.drift),
          }
        : { ...hotel },
    );
  }
  return [...hotels.values()];
}

/**
 * The histogram of every part's samples and its percentiles. The max is the parts' largest: an
 * encoded histogram keeps its largest value only as the top of its bucket.
 */
function mergeHistogram(parts: readonly StrategyResult[], field: 'latency' | 'time_to_reservation') {
  const histogram = mergeEncoded(parts.map(({ outcome }) => ({ encoded: outcome.histograms[`${field}_us`], values: outcome.requests })));
  // Shards were written after time to reservation was measured: each part has it.
  const max = Math.max(...parts.map(({ outcome }) => outcome[`${field}_ms`]?.max ?? 0));
  const { p50, p90, p99 } = summarize(histogram);
  return { histogram, summary: { p50: Math.min(p50, max), p90: Math.min(p90, max), p99: Math.min(p99, max), max } };
}

/**
 * The shards of one run as the result one host would have written: the clients' counts summed,
 * the HDR histograms merged exactly and their percentiles read again, the longest part's
 * duration (the parts run at once) and the rates over it. The audit's figures (overbooked,
 * drift, per hotel) and the rooms listed describe one event's tables, which every part saw: the
 * most any part saw is kept, so a part that found the event sold out adds nothing. Throws a
 * UsageError, naming the files, for parts that are not the shards of one run.
 */
export function mergeParts(parts: readonly MergePart[]): StrategyResult {
  if (parts.length === 0) throw new UsageError('no part to merge');
  checkParts(parts);
  const results = parts.map(({ result }) => result);
  const [first] = results as [StrategyResult, ...StrategyResult[]];
  const outcomes = results.map(({ outcome }) => outcome);
  const total = (figure: (outcome: Outcome) => number) => sum(outcomes.map(figure));
  const most = (figure: (outcome: Outcome) => number) => Math.max(...outcomes.map(figure));

  const durationMs = most((outcome) => outcome.duration_ms);
  const requests = total((outcome) => outcome.requests);
  const reservations = total((outcome) => outcome.reservations);
  const roomsReserved = total((outcome) => outcome.rooms_reserved);
  const conflicts = total((outcome) => outcome.conflicts);
  const insufficient = total((outcome) => outcome.insufficient);
  const unsold = outcomes.flatMap((outcome) => (outcome.unsold_rooms === undefined ? [] : [outcome.unsold_rooms]));
  const latency = mergeHistogram(results, 'latency');
  const wait = mergeHistogram(results, 'time_to_reservation');
  const mismatches = outcomes.flatMap((outcome) => (outcome.log_mismatch === null ? [] : [outcome.log_mismatch]));
  const chaos = outcomes.flatMap((outcome) => (outcome.chaos ? [outcome.chaos] : []));
  const witnesses = outcomes.flatMap((outcome) => outcome.witnesses ?? []);
  // Parts written before the histogram had it: summed only when every part has it.
  const attemptsOf = outcomes.flatMap((outcome): AttemptsHistogram[] => (outcome.attempts_per_reservation ? [outcome.attempts_per_reservation] : []));
  const unsafe = results.filter(({ verdict }) => !verdict.safe);
  // Shards of a shared event each list it as they start, after the earliest may have sold some (or all): the largest listing is the run's.
  const earliest = results.reduce((widest, result) => (result.outcome.contracted > widest.outcome.contracted ? result : widest));
  const contracted = earliest.outcome.contracted;
  // Parts of a target run judged by their 201s: only their sum against the rooms listed can show an overbooking.
  const acknowledgedOverbooking = first.target?.audited_by === 'acknowledged' ? Math.max(0, roomsReserved - contracted) : undefined;
  // The merge is the whole run, as one host would have run it.
  const params = { ...first.params };
  delete params.shard;

  return {
    format: resultFormat,
    tool: first.tool,
    workload: first.workload,
    started_at: results.map((result) => result.started_at).sort()[0] ?? first.started_at,
    params,
    environment: first.environment,
    event_id: first.event_id,
    ...(first.trial && { trial: first.trial }),
    outcome: {
      requests,
      reservations,
      rooms_reserved: roomsReserved,
      contracted,
      overbooked_rooms: acknowledgedOverbooking ?? most((outcome) => outcome.overbooked_rooms),
      drift: most((outcome) => outcome.drift),
      conflicts,
      conflicts_by_reason: sumRecords(outcomes.map((outcome) => outcome.conflicts_by_reason)),
      conflicts_by_sqlstate: countsBySqlstate(sumRecords(outcomes.map((outcome) => outcome.conflicts_by_reason))),
      ...(attemptsOf.length === outcomes.length && { attempts_per_reservation: sumRecords(attemptsOf) }),
      retried_attempts_ms: total((outcome) => outcome.retried_attempts_ms ?? 0),
      retries: total((outcome) => outcome.retries),
      insufficient,
      ...(outcomes.some((outcome) => outcome.refused_while_available !== undefined) && {
        refused_while_available: total((outcome) => outcome.refused_while_available ?? 0),
      }),
      // Every part audited the same tables at its own end: the last to end saw the fewest unsold.
      ...(unsold.length > 0 && { unsold_rooms: Math.min(...unsold) }),
      errors: total((outcome) => outcome.errors),
      errors_by_kind: sumRecords(outcomes.map((outcome) => outcome.errors_by_kind)),
      duration_ms: durationMs,
      throughput_rps: perSecond(requests, durationMs),
      reservations_per_s: perSecond(reservations, durationMs),
      rooms_per_s: perSecond(roomsReserved, durationMs),
      latency_ms: latency.summary,
      time_to_reservation_ms: wait.summary,
      per_reservation: perReservation(reservations, { requests, conflicts, insufficient }),
      histograms: { latency_us: encodeIntoCompressedBase64(latency.histogram), time_to_reservation_us: encodeIntoCompressedBase64(wait.histogram) },
      ...summedSeries('per_second', outcomes),
      ...summedSeries('per_tenth_second', outcomes),
      acknowledged: {
        reservations: total((outcome) => outcome.acknowledged.reservations),
        rooms: total((outcome) => outcome.acknowledged.rooms),
      },
      stopped_by: stopOrder.find((reason) => outcomes.some((outcome) => outcome.stopped_by === reason)) ?? 'done',
      log_mismatch: mismatches.length > 0 ? Math.max(...mismatches) : null,
      counts: sumRecords(outcomes.map((outcome) => outcome.counts)),
      chaos: chaos.length > 0 ? sumRecords(chaos) : null,
      ...(witnesses.length > 0 && { witnesses }),
    },
    hotels: mergeHotels(results),
    verdict:
      acknowledgedOverbooking === undefined
        ? {
            promises_safety: first.verdict.promises_safety,
            safe: unsafe.length === 0,
            label: unsafe.length === 0 ? 'SAFE' : [...new Set(unsafe.map(({ verdict }) => verdict.label))].join(', '),
          }
        : acknowledgedVerdict(acknowledgedOverbooking),
    ...(first.sweep && { sweep: first.sweep }),
    ...(earliest.target && { target: earliest.target }),
    merged_from: parts.map(({ file }) => file),
  };
}
