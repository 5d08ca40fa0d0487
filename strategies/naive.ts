import { checkThenWrite } from './rooms.js';
import type { Strategy } from './types.js';

export const naive: Strategy = {
  name: 'naive',
  summary: 'read availability, then update and insert as separate statements; no transaction, no lock',
  promisesSafety: false,
  safeguard: null,
  anomaly: 'statements-apart',
  holds: true,
  reserve: (sql, request) => checkThenWrite(sql, request, 'no lock'),
};
