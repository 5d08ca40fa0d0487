import { setTimeout as sleep } from 'node:timers/promises';
import { at } from '../lib/at.js';
import type { Sql } from '../db/connection.js';
import type { ReserveOutcome, ReserveRequest } from './types.js';

/** The claims on one hotel that a server gathered, in the order they arrived; never empty. */
export type Claims = [ReserveRequest, ...ReserveRequest[]];

export const defaultBatchMs = 2;

interface Batch {
  claims: Claims;
  /** Each claim's outcome, in the claims' order, once the batch is settled. */
  outcomes: Promise<ReserveOutcome[]>;
}

/**
 * A strategy's reserve that gathers the claims on one hotel for the window its first claim brings (batchMs), then has `settle`
 * answer them all at once, each in its place; if settling fails, every claim of the batch fails
 * with it. The first claim opens the batch; a claim that arrives while one is being settled opens
 * the next.
 */
export function inBatches(settle: (sql: Sql, claims: Claims) => Promise<ReserveOutcome[]>) {
  // Per pool: claims that came through different databases are never settled together. A pool is
  // known by its options object, which stays the same when a caller hands over a wrapped pool (the phase timer's).
  const open = new WeakMap<Sql['options'], Map<string, Batch>>();
  return async (sql: Sql, request: ReserveRequest): Promise<ReserveOutcome> => {
    let batches = open.get(sql.options);
    if (!batches) open.set(sql.options, (batches = new Map<string, Batch>()));
    const hotel = `${request.eventId}/${request.hotelId}`;
    const gathering = batches.get(hotel);
    if (gathering) {
      const place = gathering.claims.push(request) - 1;
      return at(await gathering.outcomes, place);
    }
    const claims: Claims = [request];
    // The claim that opens the batch sets its window: every claim of a server comes with the same one.
    const outcomes = sleep(request.batchMs ?? defaultBatchMs).then(() => {
      batches.delete(hotel);
      return settle(sql, claims);
    });
    batches.set(hotel, { claims, outcomes });
    return at(await outcomes, 0);
  };
}
