import { lockWaits } from './safeguards.js';
import { beginAt, pipelinedTransaction } from './pipelined.js';
import { checkThenWrite } from './rooms.js';
import type { Strategy } from './types.js';

export const pessimistic: Strategy = {
  name: 'pessimistic',
  summary: 'SELECT … FOR UPDATE on the event-hotel row, then check, update and insert in one transaction',
  promisesSafety: true,
  safeguard: lockWaits,
  anomaly: null,
  holds: true,
  oneTransaction: true,
  reserve: (sql, request) => pipelinedTransaction(sql, beginAt('read committed'), (tx, commit) => checkThenWrite(tx, request, 'for update', commit)),
};
