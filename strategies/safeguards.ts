import type { Safeguard } from './types.js';

/** The safeguards several strategies share (a strategy's own is declared beside it). */

export const lockWaits: Safeguard = { mechanism: 'lock waits', by: 'lock' };

export const serializationFailuresRetried: Safeguard = { mechanism: 'serialization failures retried', by: 'conflict', reason: 'serialization_failure' };

export const exclusionRefusals: Safeguard = {
  mechanism: 'refusals by the exclusion constraint',
  by: 'refusal',
  status: 409,
  reason: 'exclusion_violation',
};

export const bucketRefusals: Safeguard = { mechanism: "claims the buckets' conditions refused", by: 'refusal', status: 422 };
