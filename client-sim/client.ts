import { setTimeout as sleep } from 'node:timers/promises';
import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import type { Api } from './api.js';
import type { Metrics } from './metrics.js';

export interface ClientPlan {
  eventId: string;
  strategy: string;
  maxRooms: number;
  thinkMs: { min: number; max: number };
  /** Which listed hotel to try: the first (as Evento does) or a random one. */
  pick: 'first' | 'random';
  seed: number;
}

/** A client that keeps failing is stopped rather than left spinning against a dead server. */
const maxConsecutiveFailures = 20;
const failureBackoffMs = 100;

const pause = (ms: number, signal: AbortSignal) => (ms > 0 ? sleep(ms, undefined, { signal }).catch(() => {}) : undefined);

/**
 * The Evento client loop: list availability; stop when nothing is left; otherwise reserve
 * 1..maxRooms rooms (never more than listed) at one hotel, retrying on 409; pause; repeat.
 */
export async function runClient(index: number, server: number, api: Api, plan: ClientPlan, metrics: Metrics, signal: AbortSignal) {
  const rng = xoroshiro128plus(plan.seed ^ Math.imul(index + 1, 0x9e3779b1));
  const random = (min: number, max: number) => unsafeUniformIntDistribution(min, max, rng);
  const email = `client-${index}@evento.test`;
  let failures = 0;
  const failed = async () => {
    failures += 1;
    await pause(failureBackoffMs, signal);
    return failures < maxConsecutiveFailures;
  };

  while (!signal.aborted) {
    const hotels = await api.available(server, plan.eventId);
    if (!hotels) {
      if (await failed()) continue;
      return;
    }
    if (hotels.length === 0) return;
    const hotel = plan.pick === 'first' ? hotels[0]! : hotels[random(0, hotels.length - 1)]!;
    const rooms = Math.min(random(1, plan.maxRooms), hotel.available);

    let reply = await api.reserve(server, plan.eventId, hotel.hotel_id, plan.strategy, rooms, email);
    // The api counts each 409 as a conflict, by reason; the loop counts its retries.
    while (reply === 'conflict' && !signal.aborted) {
      metrics.counts.retries += 1;
      reply = await api.reserve(server, plan.eventId, hotel.hotel_id, plan.strategy, rooms, email);
    }
    if (reply === 'reserved') {
      metrics.counts.reservations += 1;
      metrics.counts.roomsReserved += rooms;
    }
    if (reply === 'insufficient') metrics.counts.insufficient += 1;
    if (reply === 'failed') {
      if (await failed()) continue;
      return;
    }
    failures = 0;
    await pause(random(plan.thinkMs.min, plan.thinkMs.max), signal);
  }
}
