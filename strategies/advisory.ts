import { lockWaits } from './safeguards.js';
import { beginAt, pipelinedTransaction } from './pipelined.js';
import { checkThenWrite } from './rooms.js';
import type { Strategy } from './types.js';

export const advisory: Strategy = {
  name: 'advisory',
  summary: 'pg_advisory_xact_lock on a key hashed from the event-hotel row id, then check, update and insert in the same transaction',
  promisesSafety: true,
  safeguard: lockWaits,
  anomaly: null,
  holds: true,
  oneTransaction: true,
  reserve: (sql, request) =>
    pipelinedTransaction(sql, beginAt('read committed'), async (tx, commit) => {
      // A lock on a number, not on the row: every writer must take it for it to mean anything.
      // Two rows whose ids hash alike only wait for each other; safety does not depend on the hash.
      const locked = tx`
        select pg_advisory_xact_lock(hashtextextended(id::text, 0))
        from event_hotel_rooms
        where event_id = ${request.eventId} and hotel_id = ${request.hotelId}
      `.execute();
      // Sent with the lock, it runs once the lock is granted, in a new READ COMMITTED snapshot:
      // it sees the last holder's commit.
      const [, outcome] = await Promise.all([locked, checkThenWrite(tx, request, 'no lock', commit)]);
      return outcome;
    }),
};
