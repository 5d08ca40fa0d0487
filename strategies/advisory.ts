import { checkThenWrite } from './rooms.js';
import type { Strategy } from './types.js';

export const advisory: Strategy = {
  name: 'advisory',
  summary: 'pg_advisory_xact_lock on a key hashed from the event-hotel row id, then check, update and insert in the same transaction',
  promisesSafety: true,
  holds: true,
  reserve: (sql, request) =>
    sql.begin(async (tx) => {
      // A lock on a number, not on the row: every writer must take it for it to mean anything.
      // Two rows whose ids hash alike only wait for each other; safety does not depend on the hash.
      await tx`
        select pg_advisory_xact_lock(hashtextextended(id::text, 0))
        from event_hotel_rooms
        where event_id = ${request.eventId} and hotel_id = ${request.hotelId}
      `;
      // The read comes after the lock, in a new READ COMMITTED snapshot: it sees the last holder's commit.
      return checkThenWrite(tx, request, 'no lock');
    }),
};
