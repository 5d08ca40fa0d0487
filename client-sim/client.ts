import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import { at } from '../lib/at.js';
import type { Api } from './api.js';
import type { ResendPlan } from './response-loss.js';
import type { Metrics } from './metrics.js';

/** The holds workload: each hold is then confirmed, cancelled or abandoned, in these shares. */
export interface HoldPlan {
  confirmRatio: number;
  cancelRatio: number;
  ttlMs: number;
  /** How long until rooms of a lapsed hold are on sale again (its TTL and a sweep). */
  releaseMs: number;
}

/** The slots workload: windows of whole hours on the resources, from `startsAt` (epoch ms). */
export interface SlotPlan {
  resources: string[];
  hours: number;
  /** Bookings each client tries before it stops. */
  attempts: number;
  startsAt: number;
}

/** The tenants workload: client i acts for tenant i mod n, in that tenant's event, through the lock named. */
export interface TenantPlan {
  tenants: { id: string; eventId: string }[];
  /** The locking strategy of each reservation; the plan's `strategy` is the tenant context. */
  lock: string;
}

export interface ClientPlan {
  eventId: string;
  strategy: string;
  maxRooms: number;
  thinkMs: { min: number; max: number };
  /** Which listed hotel to try: the first (as Evento does) or a random one. */
  pick: 'first' | 'random';
  seed: number;
  holds?: HoldPlan;
  slots?: SlotPlan;
  tenants?: TenantPlan;
  /** Set when responses may be lost: every request then carries a request_id and is sent again as is. */
  resend?: ResendPlan;
  /** Every request carries a request_id even when no response is lost, so the audit can reconcile each write. */
  requestIds?: boolean;
  /** A history is recorded: every claim carries a request_id, in the query of Evento's form when nothing else needs a body. */
  history?: boolean;
}

/** A client that keeps failing is stopped rather than left spinning against a dead server. */
const maxConsecutiveFailures = 20;
const failureBackoffMs = 100;

// Pauses waiting on each signal, woken early by one abort listener. A listener per pause would
// cost O(clients) each: AbortSignal's addEventListener scans its listeners for a duplicate.
const pausesOf = new WeakMap<AbortSignal, Set<() => void>>();

function pausesWaitingOn(signal: AbortSignal) {
  const waiting = new Set<() => void>();
  signal.addEventListener('abort', () => waiting.forEach((wake) => wake()), { once: true });
  pausesOf.set(signal, waiting);
  return waiting;
}

/** Sleeps `ms`, or until `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> | undefined {
  if (ms <= 0 || signal.aborted) return undefined;
  const waiting = pausesOf.get(signal) ?? pausesWaitingOn(signal);
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      waiting.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    waiting.add(wake);
  });
}

/** What every client loop is made of: its own random choices, request ids, pauses and patience. */
export function clientContext(index: number, plan: ClientPlan, signal: AbortSignal) {
  const rng = xoroshiro128plus(plan.seed ^ Math.imul(index + 1, 0x9e3779b1));
  const random = (min: number, max: number) => unsafeUniformIntDistribution(min, max, rng);
  let failures = 0;
  let requests = 0;
  let waitingSince: number | undefined;
  return {
    random,
    /** A share from 0 to 1, for the workload's proportions. */
    fraction: () => random(0, 999_999) / 1_000_000,
    /** Unique to this event; none unless resent, reconciled or recorded, as the Evento client sends none. */
    requestId: () => (plan.resend || plan.requestIds || plan.history ? `${plan.eventId}/${index}/${(requests += 1)}` : undefined),
    /** After a failed call: back off; false once the client should stop. */
    async failed() {
      failures += 1;
      await pause(failureBackoffMs, signal);
      return failures < maxConsecutiveFailures;
    },
    succeeded() {
      failures = 0;
    },
    think: () => pause(random(plan.thinkMs.min, plan.thinkMs.max), signal),
    /** When this client began waiting for its next reservation: its first claim since the last one (or its start). */
    firstAttemptAt: () => (waitingSince ??= performance.now()),
    /** A 201: the next claim starts a new wait. */
    waitOver() {
      waitingSince = undefined;
    },
  };
}

/**
 * Calls again while the answer is a retryable 409; the api counts each 409 by reason, this the
 * retries and the time they cost. Returns the last answer and how many attempts it took.
 */
export async function retryConflicts<R>(
  attempt: () => Promise<R>,
  metrics: Metrics,
  signal: AbortSignal,
  isConflict: (reply: R) => boolean = (reply) => reply === 'conflict',
): Promise<{ reply: R; attempts: number }> {
  let attempts = 1;
  let sentAt = performance.now();
  let reply = await attempt();
  while (isConflict(reply) && !signal.aborted) {
    metrics.recordRetry(performance.now() - sentAt);
    attempts += 1;
    sentAt = performance.now();
    reply = await attempt();
  }
  return { reply, attempts };
}

type ClientContext = ReturnType<typeof clientContext>;

/** What one attempt at a reservation came to: the listing failed, nothing was listed, or a claim was answered. */
export type Attempt =
  | { step: 'unlisted' }
  | { step: 'sold-out' }
  | ({ step: 'claimed'; rooms: number; attempts: number; firstAttemptAtMs: number; answeredAtMs: number } & Awaited<ReturnType<Api['claim']>>);

/**
 * One attempt of the Evento client: list availability, then reserve 1..maxRooms rooms (never more
 * than listed) at one hotel, retrying on 409 (`attempts` counts the sends). Each 409 is counted by
 * the api, each retry here.
 * `waitStart` gives, once something is listed, when the wait this claim ends began.
 */
export async function attemptReservation(
  client: ClientContext,
  caller: { client: number; server: number },
  api: Api,
  plan: ClientPlan,
  metrics: Metrics,
  signal: AbortSignal,
  waitStart: () => number,
): Promise<Attempt> {
  const hotels = await api.available(caller, plan.eventId);
  if (!hotels) return { step: 'unlisted' };
  if (hotels.length === 0) return { step: 'sold-out' };
  const firstAttemptAtMs = waitStart();
  const hotel = at(hotels, plan.pick === 'first' ? 0 : client.random(0, hotels.length - 1));
  const rooms = Math.min(client.random(1, plan.maxRooms), hotel.available);
  const request = {
    eventId: plan.eventId,
    hotelId: hotel.hotel_id,
    strategy: plan.strategy,
    rooms,
    email: `client-${caller.client}@evento.test`,
    requestId: client.requestId(),
    holdMs: plan.holds?.ttlMs,
    form: plan.holds || plan.resend || plan.requestIds ? ('json' as const) : ('query' as const),
  };
  const { reply: claimed, attempts } = await retryConflicts(
    () => api.claim(request, caller),
    metrics,
    signal,
    (r) => r.reply === 'conflict',
  );
  return { step: 'claimed', ...claimed, attempts, rooms, firstAttemptAtMs, answeredAtMs: performance.now() };
}

/**
 * The Evento client loop: an attempt (attemptReservation); stop when nothing is left; pause;
 * repeat. With `plan.holds` it holds the rooms instead, then settles the hold (settleHold);
 * nothing listed then may only mean that others hold the rest, so it stops only once nothing came
 * back for as long as a hold takes to lapse and be swept.
 */
export async function runClient(index: number, server: number, api: Api, plan: ClientPlan, metrics: Metrics, signal: AbortSignal) {
  const client = clientContext(index, plan, signal);
  const caller = { client: index, server };
  let waitedForHolds = false;

  while (!signal.aborted) {
    const attempt = await attemptReservation(client, caller, api, plan, metrics, signal, client.firstAttemptAt);
    if (attempt.step === 'unlisted') {
      if (await client.failed()) continue;
      return;
    }
    if (attempt.step === 'sold-out' && plan.holds && !waitedForHolds) {
      waitedForHolds = true;
      await pause(plan.holds.releaseMs, signal);
      continue;
    }
    if (attempt.step === 'sold-out') return;
    waitedForHolds = false;
    const { reply, id, rooms, firstAttemptAtMs, answeredAtMs, attempts } = attempt;
    let settled = reply !== 'failed';
    if (reply === 'reserved') client.waitOver();
    if (reply === 'reserved' && plan.holds) settled = await settleHold(id, rooms, plan.holds, { firstAttemptAtMs, heldAtMs: answeredAtMs, attempts });
    else if (reply === 'reserved') metrics.recordReservation(rooms, firstAttemptAtMs, answeredAtMs, attempts);
    if (reply === 'insufficient') metrics.recordInsufficient(rooms, attempt.available);
    if (!settled) {
      if (await client.failed()) continue;
      return;
    }
    client.succeeded();
    await client.think();
  }

  /**
   * After a think, confirm, cancel or walk away from the hold; false when the call failed. A
   * confirmed hold is a reservation waited for until the hold's 201 (`heldAtMs`), in the
   * attempts its hold took.
   */
  async function settleHold(id: string, rooms: number, holds: HoldPlan, claim: { firstAttemptAtMs: number; heldAtMs: number; attempts: number }) {
    metrics.count('holds_placed');
    const roll = client.fraction();
    const action = roll < holds.confirmRatio ? 'confirm' : roll < holds.confirmRatio + holds.cancelRatio ? 'cancel' : undefined;
    if (!action) {
      metrics.count('holds_abandoned');
      return true;
    }
    await client.think();
    const requestId = client.requestId();
    const { reply } = await retryConflicts(() => api.transition(caller, id, action, requestId), metrics, signal);
    // Confirmed and cancelled holds are counted by the audit, from the tables.
    if (reply === 'moved' && action === 'confirm') metrics.recordReservation(rooms, claim.firstAttemptAtMs, claim.heldAtMs, claim.attempts);
    // Refused: the hold lapsed first (or, without idempotency, a resent request found it moved).
    if (reply === 'refused') metrics.count(`${action}s_refused`);
    return reply !== 'failed';
  }
}
