import * as v from 'valibot';
import { UsageError } from './errors.js';
import type { ChaosOutcome } from './faults.js';
import type { CheckResult, KeptSafe, WrittenWitness } from './history-findings.js';
import { vias } from './run-config.js';
import { bucketsSetting, retryEntries, settingsEntries, workloadNames } from './workload-settings.js';

/**
 * The result file's format, written in every file as `format`. A file without one is format 1
 * (the first release's shape) and is read with the fields added since filled in where they can be
 * derived; a reader refuses a newer format. Raise it when a field changes meaning or becomes required.
 */
export const resultFormat = 2;

// Objects keep fields this schema does not name, so that a file written by a newer evento, or
// with fields added beside these, passes through a reader (and a merge's params) unchanged.
const record = v.looseObject;
const count = v.pipe(v.number(), v.finite());
const counts = v.record(v.string(), count);
const text = v.string();
/** A percentile summary in ms. */
const latency = record({ p50: count, p90: count, p99: count, max: count });
/** Requests, reservations, conflicts and errors per bucket of time. */
const series = record({ requests: v.array(count), reservations: v.array(count), conflicts: v.array(count), errors: v.array(count) });
/** A nested record produced by an analysis, checked as an object here and described in its own document. */
const analysis = <T>(what: string) => v.custom<T>((input) => typeof input === 'object' && input !== null, `${what} (an object)`);

const retryParams = record(retryEntries);

const chaosParams = record({
  faults: v.array(v.picklist(['kill-server', 'kill-backends', 'slow-db'])),
  /** Mean time between kills (kill-server, kill-backends). */
  every_ms: count,
  /** slow-db: the pause after each read, null without slow-db. */
  latency_ms: v.nullable(count),
});

const workload = v.picklist(workloadNames);

/** The parameters of a run, named as in the result file. */
const params = record({
  strategy: text,
  clients: count,
  servers: count,
  hotels: count,
  rooms: count,
  max_rooms: count,
  think_ms: text,
  seed: count,
  pick: v.picklist(['first', 'random']),
  in_flight: count,
  pool_size: count,
  /** Set when the clients ran for a fixed time (--duration) instead of to sell-out. */
  duration_ms: v.optional(count),
  /** Unmeasured load before the race's first run (--warmup); 0 or unset: none. */
  warmup_ms: v.optional(count),
  /** `rooms` when unset. */
  workload: v.optional(workload),
  /** The holds workload's settings (harness/workload-settings.ts); only in its runs. */
  holds: v.optional(record(settingsEntries.holds)),
  /** The slots workload's settings; only in its runs. */
  slots: v.optional(record(settingsEntries.slots)),
  /** The tenants workload's settings; only in its runs. */
  tenants: v.optional(record(settingsEntries.tenants)),
  /** The pooler between the servers and the database (--pooler); unset without. */
  pooler: v.optional(record({ name: v.literal('pgbouncer'), version: text, pool_mode: v.literal('transaction'), prepared_statements: v.boolean() })),
  /** Lost responses and the retries they cause; unset when no response is ever lost. */
  retries: v.optional(retryParams),
  /** Faults injected while the clients ran (--chaos); unset without. */
  chaos: v.optional(chaosParams),
  /** The one shard of `clients` this run ran (--shard i/N); unset when it ran them all. */
  shard: v.optional(
    v.pipe(
      record({ index: v.pipe(v.number(), v.integer()), count: v.pipe(v.number(), v.integer()) }),
      v.check(({ index, count }) => index >= 1 && index <= count, 'a shard i/N has 1 <= i <= N'),
    ),
  ),
  /** Attempts started per second (--rate), the open loop; absent for the closed loop. */
  rate: v.optional(count),
  /** How the open loop's arrivals were spaced; absent for the closed loop. */
  arrivals: v.optional(v.picklist(['poisson', 'constant'])),
  /** --latency-limit: arrivals not started this long after their intended time were dropped; null: none. */
  latency_limit_ms: v.optional(v.nullable(count)),
  /** Left out of the measured window at the start (--ramp); absent when nothing was. */
  ramp_ms: v.optional(count),
  /** How often the database's waits were sampled (--sample-ms); 0: not sampled; absent in older files. */
  sample_ms: v.optional(count),
  /** How the clients' requests reached the strategy (--via): through the server processes, or called in evento's process; absent in older files (http). */
  via: v.optional(v.picklist(vias)),
  /** Bucket rows per hotel (--buckets); only in the runs of a strategy that keeps its rooms in buckets. */
  buckets: v.optional(bucketsSetting),
  /** How long each server gathered a hotel's claims before settling them (--batch-ms); only for a strategy that batches. */
  batch_ms: v.optional(count),
});

/** One phase of the app tier's time, in ms: the mean, which adds up across phases where percentiles do not, and two percentiles. */
const phase = record({ mean: count, p50: count, p99: count });

/** One key (a hotel, a room type: whatever the query groups by) of an audit: `overbooked = max(0, sold - capacity)`, `unsold = max(0, capacity - sold)`. */
const keyAudit = record({ key: text, capacity: count, sold: count, overbooked: count, unsold: count });

/** An audit query's rows and their totals. */
const sqlAudit = record({
  /** The query's file as given. */
  file: text,
  rows: v.array(keyAudit),
  capacity: count,
  sold: count,
  overbooked: count,
  unsold: count,
});

const outcome = record({
  requests: count,
  reservations: count,
  rooms_reserved: count,
  contracted: count,
  overbooked_rooms: count,
  drift: count,
  conflicts: count,
  /** The same 409s by the reason the server gave (serialization_failure, unique_violation, …); format 1: empty. */
  conflicts_by_reason: counts,
  /** The same 409s by SQLSTATE (40001, 40P01, 55P03, 23505, 23P01), a strategy's own reasons (version_mismatch) by name. */
  conflicts_by_sqlstate: v.optional(counts),
  /** Reservations acknowledged by how many attempts each took (1, 2, 3-4, 5-8, 9+); adds up to `acknowledged.reservations`. */
  attempts_per_reservation: v.optional(record({ '1': count, '2': count, '3-4': count, '5-8': count, '9+': count })),
  /** Milliseconds clients spent, summed, on attempts answered 409 and then sent again. */
  retried_attempts_ms: v.optional(count),
  /**
   * Where the database's time went while the clients ran (--sample-ms); null when the role could
   * not see the servers' sessions; absent when not sampled (docs/where-time-goes.md).
   */
  db_time: v.optional(v.nullable(record({ samples: count, interval_ms: count, backend_samples: count, shares: counts }))),
  /**
   * Where reservations' time went in evento's own servers: pool wait, statements, commit, handling
   * (docs/where-time-goes.md); absent against a --target.
   */
  app_phases: v.optional(
    record({
      /** Reservations timed (every strategy call, whatever it answered) over `servers` servers. */
      reservations: count,
      servers: count,
      pool_wait_ms: phase,
      statements_ms: phase,
      commit_ms: phase,
      handling_ms: phase,
      server_ms: phase,
      /** A reserve request's mean time as its client saw it, split; `client_and_http` is what the servers did not see. */
      request_mean_ms: record({ request: count, client_and_http: count, handling: count, pool_wait: count, statements: count, commit: count }),
      /** The servers' histograms merged, in µs, compressed base64 (hdr-histogram-js), for merging runs. */
      histograms: record({ pool_wait_us: text, statements_us: text, commit_us: text, handling_us: text, server_us: text }),
    }),
  ),
  retries: count,
  insufficient: count,
  /** 422s whose answer said the hotel still had the rooms asked for: refused by a design's price, not by a sold-out hotel; absent in older files. */
  refused_while_available: v.optional(count),
  /** Contracted rooms neither confirmed nor held when the run ended, by the audit; absent in older files. */
  unsold_rooms: v.optional(count),
  errors: count,
  errors_by_kind: counts,
  duration_ms: count,
  /** All requests per second; kept for readers of the file, never ranked on. */
  throughput_rps: count,
  /** Goodput: reservations the audit found, per second of the clients phase; the ranking metric. */
  reservations_per_s: count,
  /** Format 1: derived from rooms_reserved and duration_ms. */
  rooms_per_s: count,
  /** One reserve request. */
  latency_ms: latency,
  /** From a client's first attempt at a claim to its 201, retries included: what a user waits; absent in format 1. */
  time_to_reservation_ms: v.optional(latency),
  /** Work spent per reservation: each count divided by reservations; each null when nothing was reserved; format 1: derived. */
  per_reservation: record({ requests: v.nullable(count), conflicts: v.nullable(count), insufficient: v.nullable(count) }),
  /** HDR histograms in microseconds, compressed base64 (hdr-histogram-js), for merging runs; format 1: empty strings, none kept. */
  histograms: record({ latency_us: text, time_to_reservation_us: text }),
  /** Requests, reservations (acknowledged), conflicts and errors in each second from the clients' start; absent in older files. */
  per_second: v.optional(series),
  /** The same by tenth of a second, kept for runs under 10 s, whose per-second series would be a few dots. */
  per_tenth_second: v.optional(series),
  /** What the clients were told (201 responses), beside what the tables hold. */
  acknowledged: record({ reservations: count, rooms: count }),
  stopped_by: v.picklist(['done', 'duration', 'timeout', 'interrupted']),
  /** Rooms by which the tables differ from a replay of the event log; null when the strategy does not write one. */
  log_mismatch: v.nullable(count),
  /**
   * Per kind, from the clients and the workload's audit: holds confirmed, expired_holds,
   * leaked_holds, duplicates, duplicates_prevented, slots_taken, overlapping_pairs, …
   */
  counts,
  /** What the injected faults did and how the writes they left in doubt turned out; null without --chaos. */
  chaos: v.nullable(v.custom<ChaosOutcome>((input) => v.is(counts, input), 'counts by kind (an object of numbers)')),
  /** With --history: how each anomaly the audit found came about; empty when nothing is wrong (docs/histories.md). */
  witnesses: v.optional(v.array(analysis<WrittenWitness>('a witness'))),
  /** With --history: the history checked against the tables, independently of the audit (docs/histories.md). */
  history_check: v.optional(analysis<CheckResult>('a history check')),
  /** With --history, for a strategy that promises safety: how it kept the promise (docs/histories.md). */
  kept_safe: v.optional(analysis<KeptSafe>('how the strategy kept safe')),
  /** With --target and --audit-sql: the user's audit query's verdict, per key (docs/external-targets.md). */
  audit_sql: v.optional(sqlAudit),
  /** Open loop (params.rate): attempts due per second over the clients' time, started or not. */
  offered_rate: v.optional(count),
  /** Open loop: reservations acknowledged per second in the measured window. */
  achieved_rate: v.optional(count),
  /** Open loop: arrivals dropped by --latency-limit, never sent. */
  dropped: v.optional(count),
  /** Open loop: how late attempts started after their intended time. */
  schedule_lag_ms: v.optional(record({ p50: count, p99: count, max: count })),
  /** The measured window, ms from the clients' start: what goodput and latency count (--ramp to the clients' stop). */
  window_ms: v.optional(record({ from: count, to: count })),
});

/** One hotel of an event as audited from the tables; `booked` counts confirmed and held rooms. */
const hotel = record({ hotel_id: text, name: text, contracted: count, booked: count, overbooked: count, drift: count });

const verdict = record({
  promises_safety: v.boolean(),
  /** No overbooked room and no drift, as audited from the tables. */
  safe: v.boolean(),
  /** SAFE, or what went wrong: "OVERBOOKED by 12", "DRIFT 30", or both. */
  label: text,
});

/** Which of a run's repeated trials a result is (`--repeat`). */
const trial = record({
  /** 1 to count. */
  index: count,
  count,
  /** The clients' seed in this trial; trial k of every strategy has the same one. */
  seed: count,
  /** Where the trial came in the race's interleaved order, from 0. */
  position: count,
});

/** A sweep point: its index in the sweep's order and the value of each swept axis, as the user wrote it. */
const sweep = record({
  point: count,
  axes: v.record(v.string(), text),
  /** With `sweep --slo`: the latency target capacity was judged by, as given ("p99=50ms"). */
  slo: v.optional(text),
});

/** A run against servers that already ran (`--target`). */
const target = record({
  urls: v.array(text),
  /** What `GET /{event}/available` listed at the start. */
  listed: v.array(record({ hotel_id: text, available: count })),
  /** `sql`: judged by the user's `--audit-sql` query; `acknowledged`: unaudited, by the 201s against the rooms listed. */
  audited_by: v.picklist(['sql', 'acknowledged']),
});

/** One strategy run, as written to bench-results/ (docs/result-format.md). */
export const resultSchema = record({
  /** The result format (`resultFormat`); absent in format 1 files. */
  format: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1, 'a format from 1'))),
  tool: record({ name: v.literal('evento'), version: text }),
  /** What the clients did (params.workload, repeated here for readers of the file); format 1: rooms. */
  workload,
  started_at: text,
  params,
  /** `none`: a run against a target (`--target`), whose database evento did not use while the clients ran. */
  environment: record({ node: text, postgres: text, cpus: count, database: v.picklist(['embedded', 'url', 'none']) }),
  event_id: text,
  /** Absent in result files written before trials. */
  trial: v.optional(trial),
  outcome,
  hotels: v.array(hotel),
  verdict,
  /** Which point of a sweep the trial ran at (`evento sweep`); absent outside sweeps. */
  sweep: v.optional(sweep),
  /** With --history: the run's history file, beside this one (docs/histories.md). */
  history: v.optional(
    record({ file: text, operations: count, commit_order: v.nullable(v.literal('pg_xact_commit_timestamp')), missing: v.array(text) }),
  ),
  /** In a merge of shards (`evento merge`): the part files it was merged from. */
  merged_from: v.optional(v.array(text)),
  /** With --target: the servers evento drove instead of starting its own. */
  target: v.optional(target),
});

/**
 * What a schema's output holds, as code reads and writes it: the named fields only. The fields a
 * loose object keeps beside them (its `[key: string]: unknown`) stay in the value, out of the type.
 */
type Known<T> = T extends readonly (infer Item)[]
  ? Known<Item>[]
  : T extends object
    ? { [K in keyof T as string extends K ? (unknown extends T[K] ? never : K) : K]: Known<T[K]> }
    : T;
type Output<Schema extends v.GenericSchema> = Known<v.InferOutput<Schema>>;

export type StrategyResult = Output<typeof resultSchema>;
export type RunParams = StrategyResult['params'];
export type ChaosParams = Output<typeof chaosParams>;
export type Verdict = StrategyResult['verdict'];
export type TrialInfo = Output<typeof trial>;
export type TargetInfo = Output<typeof target>;
export type KeyAudit = Output<typeof keyAudit>;
export type SqlAudit = Output<typeof sqlAudit>;
export type SweepCoordinates = Output<typeof sweep>;
export type HotelOutcome = Output<typeof hotel>;

/** The schema inside an optional, nullable or piped one. */
function unwrapped(schema: v.GenericSchema): v.GenericSchema {
  if ('wrapped' in schema) return unwrapped(schema.wrapped as v.GenericSchema);
  if ('pipe' in schema) {
    const [inner] = schema.pipe as v.GenericSchema[];
    if (inner && inner !== schema) return unwrapped(inner);
  }
  return schema;
}

const entriesOf = (schema: v.GenericSchema) => {
  const inner = unwrapped(schema);
  return 'entries' in inner ? (inner.entries as Record<string, v.GenericSchema>) : undefined;
};
const itemOf = (schema: v.GenericSchema) => {
  const inner = unwrapped(schema);
  return inner.type === 'array' && 'item' in inner ? (inner.item as v.GenericSchema) : undefined;
};

/** The schema's fields as dotted paths (`outcome.latency_ms.p99`), a list's items as `hotels[].name`: what docs/result-format.md names. */
export function schemaFields(schema: v.GenericSchema = resultSchema, prefix = ''): string[] {
  const item = itemOf(schema);
  if (item) return schemaFields(item, `${prefix}[]`);
  return Object.entries(entriesOf(schema) ?? {}).flatMap(([key, entry]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...schemaFields(entry, path)];
  });
}

/** What the schema expects at an issue's path, in words. */
function expectedAt(issue: v.BaseIssue<unknown>): string {
  let schema: v.GenericSchema | undefined = resultSchema;
  for (const { key } of issue.path ?? []) schema = schema && (typeof key === 'number' ? itemOf(schema) : entriesOf(schema)?.[String(key)]);
  // A custom check (an analysis's record) says what it expects in its message.
  const expects = schema?.type === 'custom' ? issue.message : (schema?.expects ?? issue.expected ?? 'something else');
  return expects
    .replace(/^\((.*)\)$/, '$1')
    .replace(/\bObject\b/g, 'an object')
    .replace(/\bArray\b/g, 'a list');
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
/** `count` per second of `ms`, to one decimal. */
export const perSecond = (count: number, ms: number) => (ms > 0 ? Math.round((count * 10_000) / ms) / 10 : 0);

/** Each count spent divided by the reservations, to two decimals; null when nothing was reserved. */
export function perReservation(
  reservations: number,
  spent: { requests: number; conflicts: number; insufficient: number },
): StrategyResult['outcome']['per_reservation'] {
  const each = (count: number) => (reservations > 0 ? Math.round((count * 100) / reservations) / 100 : null);
  return { requests: each(spent.requests), conflicts: each(spent.conflicts), insufficient: each(spent.insufficient) };
}
const numberAt = (record: Record<string, unknown>, key: string) => (typeof record[key] === 'number' ? record[key] : 0);

/**
 * A format 1 file with the fields added since: those derived from its own (rooms per second, work
 * per reservation), and those that had one value then (the rooms workload, no chaos, no event
 * log, no counts by kind). What it never measured stays absent (time to reservation) or empty.
 */
function fromFormatOne(value: Record<string, unknown>): Record<string, unknown> {
  const outcome = value.outcome;
  if (!isObject(outcome)) return value;
  return {
    ...value,
    workload: value.workload ?? (isObject(value.params) ? value.params.workload : undefined) ?? 'rooms',
    outcome: {
      conflicts_by_reason: {},
      rooms_per_s: perSecond(numberAt(outcome, 'rooms_reserved'), numberAt(outcome, 'duration_ms')),
      per_reservation: perReservation(numberAt(outcome, 'reservations'), {
        requests: numberAt(outcome, 'requests'),
        conflicts: numberAt(outcome, 'conflicts'),
        insufficient: numberAt(outcome, 'insufficient'),
      }),
      histograms: { latency_us: '', time_to_reservation_us: '' },
      log_mismatch: null,
      counts: {},
      chaos: null,
      ...outcome,
    },
  };
}

/** A value as a refusal quotes it, cut short: the line names the field, it need not hold the value. */
function shown(input: unknown): string {
  if (input === undefined) return 'missing';
  const json = JSON.stringify(input);
  return json.length > 40 ? `${json.slice(0, 37)}...` : json;
}

/** A schema issue as a reader prints it: where, the field's path, what it holds and what was expected. */
function issueText(where: string, issue: v.BaseIssue<unknown>): string {
  const path = (issue.path ?? []).reduce((at, { key }) => (typeof key === 'number' ? `${at}[${key}]` : `${at}${at ? '.' : ''}${String(key)}`), '');
  const field = path || '(the result)';
  if (issue.kind === 'validation') return `${where}: ${field}: ${issue.message} (got ${shown(issue.input)})`;
  return `${where}: ${field}: ${shown(issue.input)}, expected ${expectedAt(issue)}`;
}

/**
 * The one reading of a result: `value` as a `StrategyResult` of the current format, or a usage
 * error in one line naming `where` (a file, `file[3]` for a list's item), the field and what was
 * expected. Refuses a newer format than this evento's; reads format 1 (no `format`) as described
 * in `fromFormatOne`. Fields the schema does not name are kept.
 */
export function resultOf(value: unknown, where: string): StrategyResult {
  if (!isObject(value) || !isObject(value.tool) || value.tool.name !== 'evento') {
    const name = isObject(value) && isObject(value.tool) ? value.tool.name : undefined;
    throw new UsageError(`${where}: not an evento result (tool.name: ${shown(name)}, expected "evento")`);
  }
  const format = value.format ?? 1;
  if (typeof format === 'number' && format > resultFormat) {
    throw new UsageError(`${where}: format: ${format}, expected ${resultFormat} or older (written by a newer evento: read it with that one)`);
  }
  const parsed = v.safeParse(resultSchema, format === 1 ? fromFormatOne(value) : value);
  if (!parsed.success) throw new UsageError(issueText(where, parsed.issues[0]));
  return parsed.output;
}
