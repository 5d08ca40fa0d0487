import { bucketRefusals } from './safeguards.js';
import { claimFromBuckets } from './room-rows.js';
import type { Strategy } from './types.js';

// buckets without its last pass: what splitting the counter costs before the remedy.
export const bucketsSingle: Strategy = {
  name: 'buckets-single',
  summary:
    'buckets without the last pass: n is taken from one bucket or not at all, so near sell-out a request is refused (422) while the rooms it asks for remain, spread over several buckets',
  promisesSafety: true,
  safeguard: bucketRefusals,
  anomaly: null,
  inventory: 'buckets',
  notRacedByDefault: true,
  reserve: (sql, request) => claimFromBuckets(sql, request, (available) => Promise.resolve({ status: 'insufficient', available })),
};
