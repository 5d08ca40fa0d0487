import { checkThenBook, type SlotStrategy } from './slots.js';

export const naiveSlots: SlotStrategy = {
  name: 'naive-slots',
  summary: 'look for an overlapping active booking, then insert, as two statements with no lock: two requests both find the window free',
  promisesSafety: false,
  safeguard: null,
  anomaly: 'statements-apart',
  book: (sql, request) => checkThenBook(sql, request, 'naive-slots', 'no lock'),
};
