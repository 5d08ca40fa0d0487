import { request } from 'undici';
import type { ListedHotel } from '../../client-sim/replies.js';
import { runLoad, type LoadResult } from '../../client-sim/runner.js';
import type { StrategyInfo } from '../../strategies/types.js';
import { acknowledgedVerdict } from '../analysis/verdict.js';
import { EnvironmentError, causeOf } from '../model/errors.js';
import type { RaceHooks } from '../model/race-hooks.js';
import type { StrategyResult } from '../model/result-schema.js';
import type { RunConfig } from '../model/run-config.js';
import type { EventAudit, SeededEvent } from '../model/seeded-event.js';
import { buildResult, paramsOf } from './result.js';

/** Servers that already run and speak evento's HTTP API, and the event their clients book. */
export interface Target {
  urls: string[];
  eventId: string;
  /** Sent as `Authorization: Bearer <token>` on every request. */
  token?: string;
  /** The route's `{strategy}` segment. */
  strategy: string;
}

/** A target whose first answers were evento's: what `GET /{event}/available` listed at the start. */
export interface ReadyTarget extends Target {
  listed: ListedHotel[];
}

const headersOf = (target: Target): Record<string, string> => (target.token === undefined ? {} : { authorization: `Bearer ${target.token}` });

/** The first 200 characters of an answer, on one line, for a message. */
const excerpt = (text: string) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
};

const isListing = (body: unknown): body is ListedHotel[] =>
  Array.isArray(body) &&
  body.every(
    (hotel: unknown) =>
      typeof hotel === 'object' &&
      hotel !== null &&
      'hotel_id' in hotel &&
      typeof hotel.hotel_id === 'string' &&
      'available' in hotel &&
      Number.isSafeInteger(hotel.available) &&
      (hotel.available as number) >= 0,
  );

/** One target's `GET /{event}/available`, or an EnvironmentError naming the target and its first answer that is not evento's API. */
async function listingAt(url: string, target: Target): Promise<ListedHotel[]> {
  const path = `/${target.eventId}/available`;
  let answer: { statusCode: number; text: string; type: string };
  try {
    const response = await request(new URL(path, url), { headers: headersOf(target), headersTimeout: 10_000, bodyTimeout: 10_000 });
    answer = { statusCode: response.statusCode, text: await response.body.text(), type: String(response.headers['content-type'] ?? 'no content-type') };
  } catch (error) {
    throw new EnvironmentError(`target ${url} is unreachable (${causeOf(error)}); start it, or check the URL`);
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    body = undefined;
  }
  if (answer.statusCode !== 200 || !isListing(body)) {
    const hint = answer.statusCode === 401 ? ' (a token it accepts: --token)' : '';
    throw new EnvironmentError(
      `target ${url} does not speak evento's API: GET ${path} answered ${answer.statusCode} ${answer.type} "${excerpt(answer.text)}"${hint}; ` +
        `expected 200 with [{"hotel_id", "available"}] (docs/http-api.md)`,
    );
  }
  return body;
}

/**
 * Asks every target for the event's availability before any client starts, so that a target that
 * is down or is not evento's API stops the run with its first bad answer rather than as a count of
 * errors. The first target's listing is the capacity the run is judged against when unaudited; it
 * may be empty (a load shard that finds the event sold out).
 */
export async function listTarget(target: Target): Promise<ReadyTarget> {
  const listings = [];
  for (const url of target.urls) listings.push(await listingAt(url, target));
  const [listed = []] = listings;
  return { ...target, listed };
}

/** `listTarget`, refusing an event with nothing left to book: a run of it would measure nothing. */
export async function readTarget(target: Target): Promise<ReadyTarget> {
  const ready = await listTarget(target);
  if (ready.listed.length === 0) {
    throw new EnvironmentError(`target ${target.urls.join(', ')} lists no hotel with rooms left for event ${target.eventId}: nothing to book`);
  }
  return ready;
}

/** Rooms listed as available at the start, summed over the hotels. */
export const listedRooms = (target: ReadyTarget) => target.listed.reduce((sum, hotel) => sum + hotel.available, 0);

/** A target is held to safety whatever its route is called: the name is the user's, not a strategy evento knows. */
const targetStrategy = (target: Target): StrategyInfo => ({
  name: target.strategy,
  summary: `the target's /reserve/${target.strategy} route`,
  promisesSafety: true,
});

/** The event as the progress views and the result name it: the hotels listed, each with the rooms it listed. */
const listedEvent = (target: ReadyTarget): SeededEvent => ({
  event_id: target.eventId,
  hotels: target.listed.map((hotel) => ({ hotel_id: hotel.hotel_id, name: hotel.hotel_id, contracted: hotel.available })),
});

export interface TargetRunOptions {
  target: ReadyTarget;
  /** The clients' settings; those of evento's own servers and database are not used. */
  config: RunConfig;
  signal?: AbortSignal;
  tickMs?: number;
  hooks?: Pick<RaceHooks, 'onStart' | 'onTick'>;
}

/**
 * Runs the clients against the target's servers (client c to URL c mod N, as against evento's
 * own) and builds the result from what they were told. Nothing is audited here: the verdict rests
 * on the rooms acknowledged (201s) against those listed at the start until `withAudit`
 * (harness/workloads/target-audit.ts) replaces it with an audit's.
 */
export async function runAgainstTarget(options: TargetRunOptions): Promise<{ result: StrategyResult; stoppedBy: LoadResult['stoppedBy'] }> {
  const { target, config, hooks = {} } = options;
  const strategy = targetStrategy(target);
  const startedAt = new Date();
  await hooks.onStart?.({ strategy, workload: 'rooms', event: listedEvent(target) });
  const load = await runLoad({
    serverUrls: target.urls,
    // Nothing listed: no client would book, so none runs, and the part adds nothing to a merge.
    clients: target.listed.length === 0 ? 0 : config.clients,
    shard: config.shard,
    inFlight: config.inFlight,
    requestTimeoutMs: config.requestTimeoutMs ?? 30_000,
    signal: options.signal,
    headers: headersOf(target),
    plan: {
      eventId: target.eventId,
      strategy: target.strategy,
      maxRooms: config.maxRooms,
      pick: config.pick,
      thinkMs: config.thinkMs,
      seed: config.seed,
    },
    timeoutMs: config.timeoutMs,
    durationMs: config.durationMs,
    openLoop: config.openLoop,
    rampMs: config.rampMs,
    tickMs: options.tickMs,
    onTick: (snapshot) => hooks.onTick?.({ strategy, snapshot }),
  });
  const { snapshot } = load;
  if (load.stoppedBy !== 'interrupted' && snapshot.reservations === 0 && snapshot.errorsTotal > 0) {
    const kinds = Object.entries(snapshot.errors)
      .filter(([, count]) => count > 0)
      .map(([kind, count]) => `${kind} ${count}`)
      .join(', ');
    throw new EnvironmentError(
      `target ${target.urls.join(', ')} answered no POST /${target.eventId}/{hotel}/reserve/${target.strategy} with 201, ` +
        `and ${snapshot.errorsTotal} requests failed (${kinds}); check that it routes --strategy ${target.strategy} as evento's API does (docs/http-api.md)`,
    );
  }
  const acknowledged = acknowledgedAudit(target, load);
  const result = buildResult({
    strategy,
    // No warm-up runs against a target: it would sell the event's rooms.
    params: {
      ...paramsOf({ ...config, warmupMs: undefined }, { strategy: target.strategy, settings: { workload: 'rooms' }, seed: config.seed }),
      servers: target.urls.length,
    },
    startedAt,
    database: { kind: 'none', postgresVersion: 'unknown' },
    eventId: target.eventId,
    load,
    audit: { rooms: acknowledged, counts: {}, problems: [] },
    trial: { index: 1, count: 1, seed: config.seed, position: 0 },
  });
  const overbooked = acknowledged.overbooked;
  return {
    result: {
      ...result,
      verdict: acknowledgedVerdict(overbooked),
      target: { urls: target.urls, listed: target.listed, audited_by: 'acknowledged' },
    },
    stoppedBy: load.stoppedBy,
  };
}

/**
 * The only audit there is without the target's database: rooms acknowledged against rooms listed
 * at the start. It cannot see an overbooking the clients were not told of, nor tell which hotel
 * it was in; more rooms acknowledged than listed is an overbooking all the same.
 */
function acknowledgedAudit(target: ReadyTarget, load: LoadResult): EventAudit {
  const contracted = listedRooms(target);
  const { reservations, roomsReserved } = load.snapshot;
  return { hotels: [], contracted, confirmed: roomsReserved, held: 0, reservations, overbooked: Math.max(0, roomsReserved - contracted), drift: 0 };
}
