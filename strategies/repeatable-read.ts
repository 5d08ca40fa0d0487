import { serializationFailuresRetried } from './safeguards.js';
import { beginAt, pipelinedTransaction } from './pipelined.js';
import { checkThenWrite } from './rooms.js';
import type { Strategy } from './types.js';

// The same statements as `transaction`, one isolation level up: the counter update of a
// transaction whose snapshot predates another's committed update of the row fails with 40001
// ("could not serialize access due to concurrent update"), a 409 the client retries. Enough for
// one counter row; not for a decision spread over rows (slots: repeatable-read).
export const repeatableRead: Strategy = {
  name: 'repeatable-read',
  summary:
    'the check, update and insert in one REPEATABLE READ transaction, no explicit lock; the second writer of the row fails with 40001, a 409 the client retries',
  promisesSafety: true,
  safeguard: serializationFailuresRetried,
  anomaly: null,
  holds: true,
  oneTransaction: true,
  isolation: { level: 'repeatable read', anomaly: 'P4', hermitage: 'prevented' },
  reserve: (sql, request) => pipelinedTransaction(sql, beginAt('repeatable read'), (tx, commit) => checkThenWrite(tx, request, 'no lock', commit)),
};
