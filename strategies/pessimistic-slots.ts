import { checkThenBook, type SlotStrategy } from './slots.js';

// The room strategy's lock, on the resource row: bookings of one resource queue behind each other.
export const pessimisticSlots: SlotStrategy = {
  name: 'pessimistic',
  summary: 'SELECT … FOR UPDATE on the resource row, then look for an overlap and insert in the same transaction',
  promisesSafety: true,
  book: (sql, request) => sql.begin((tx) => checkThenBook(tx, request, 'pessimistic', 'for update')),
};
