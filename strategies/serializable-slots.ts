import { serializationFailuresRetried } from './safeguards.js';
import { checkThenBookAt, type SlotStrategy } from './slots.js';

// Serializable snapshot isolation remembers what each check read (a predicate lock) and aborts
// one of two bookings whose inserts each fall in the other's check, with 40001: a 409 the
// client retries, and the retry finds the window taken.
export const serializableSlots: SlotStrategy = {
  name: 'serializable',
  summary:
    'look for an overlapping active booking, then insert, in one SERIALIZABLE transaction; a serialization failure (40001) is a 409 and the client retries',
  promisesSafety: true,
  safeguard: serializationFailuresRetried,
  anomaly: null,
  isolation: { level: 'serializable', anomaly: 'G2', hermitage: 'prevented' },
  book: (sql, request) => checkThenBookAt(sql, 'serializable', request, 'serializable', 'no lock'),
};
