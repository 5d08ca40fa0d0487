import { bucketRefusals } from './safeguards.js';
import { claimFromBuckets, takeAcrossBuckets } from './room-rows.js';
import type { Strategy } from './types.js';

export const buckets: Strategy = {
  name: 'buckets',
  summary:
    "the hotel's rooms split over K bucket rows (--buckets): one conditional UPDATE takes n from a bucket that can cover them, chosen at random; when none can alone, a last pass takes them from several in one transaction, locking the buckets in bucket order",
  promisesSafety: true,
  safeguard: bucketRefusals,
  anomaly: null,
  inventory: 'buckets',
  reserve: (sql, request) => claimFromBuckets(sql, request, () => takeAcrossBuckets(sql, request)),
};
