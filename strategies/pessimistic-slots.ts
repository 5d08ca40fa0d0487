import { lockWaits } from './safeguards.js';
import { checkThenBookAt, type SlotStrategy } from './slots.js';

// The room strategy's lock, on the resource row: bookings of one resource queue behind each other.
// At READ COMMITTED the check after the lock takes a fresh snapshot, which holds the last holder's booking.
export const pessimisticSlots: SlotStrategy = {
  name: 'pessimistic',
  summary: 'SELECT … FOR UPDATE on the resource row, then look for an overlap and insert in the same transaction',
  promisesSafety: true,
  safeguard: lockWaits,
  anomaly: null,
  book: (sql, request) => checkThenBookAt(sql, 'read committed', request, 'pessimistic', 'for update'),
};
