import fc from 'fast-check';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import t from 'tap';
import { createMetrics, type LatencySummary } from '../client-sim/metrics.js';

// The metrics alone, without a database: what the clients record and what a run reports of it.

/** Waits in whole microseconds, from 1 µs to 10 minutes: past the histograms' first range of 2 minutes. */
const waitsMicros = fc.array(fc.integer({ min: 1, max: 600_000_000 }), { minLength: 1, maxLength: 300 });

/**
 * A metrics engine told of one reservation per wait, each waited for exactly that long, and of
 * one reserve request per wait, sent that long ago (so a little longer by the time it is recorded).
 */
function afterWaits(micros: number[]) {
  const metrics = createMetrics();
  for (const wait of micros) {
    metrics.recordReservation(1, 0, wait / 1000);
    metrics.recordRequest(performance.now() - wait / 1000, true);
  }
  return metrics;
}

const ordered = ({ p50, p90, p99, max }: LatencySummary) => p50 <= p90 && p90 <= p99 && p99 <= max;

t.test('percentiles never exceed the max, nor each other, whatever was recorded', async (t) => {
  const property = fc.property(waitsMicros, (micros) => {
    const { timeToReservationMs, latencyMs } = afterWaits(micros).snapshot();
    return ordered(timeToReservationMs) && ordered(latencyMs);
  });
  t.doesNotThrow(() => fc.assert(property, { numRuns: 500, seed: 20260501 }), 'p50 ≤ p90 ≤ p99 ≤ max over 500 random histograms');
});

t.test("a p99 in the max value's bucket reads as the max, not as the top of the bucket", async (t) => {
  // 17,771 µs lies in a bucket whose highest value is 17,775 µs: unclamped, p99 read 17.78 ms.
  const { timeToReservationMs } = afterWaits([500, 17_770, 17_771]).snapshot();
  t.same(timeToReservationMs, { p50: 17.77, p90: 17.77, p99: 17.77, max: 17.77 }, 'p50, p90 and p99 equal the max of 17.77 ms');
});

t.test('each reservation, booking, retry, 422 and client is recorded through its own function', async (t) => {
  const metrics = createMetrics();
  metrics.clientStarted();
  metrics.clientStarted();
  metrics.recordReservation(3, 100, 112.5, 3);
  metrics.recordBooking(performance.now(), 1);
  metrics.recordRetry(7.5);
  metrics.recordInsufficient();
  metrics.clientStopped();
  const snapshot = metrics.snapshot();
  t.equal(snapshot.reservations, 2, 'a reservation and a booking are two reservations');
  t.equal(snapshot.roomsReserved, 3, 'a booking reserves no rooms');
  t.equal(snapshot.retries, 1, 'one retry');
  t.equal(snapshot.insufficient, 1, 'one 422');
  t.equal(snapshot.clientsActive, 1, 'two clients started, one stopped');
  t.equal(snapshot.timeToReservationMs.max, 12.5, 'the longest wait: from the first attempt at 100 ms to the 201 at 112.5 ms');
  t.same(metrics.attemptsPerReservation(), { '1': 1, '2': 0, '3-4': 1, '5-8': 0, '9+': 0 }, 'the booking took one attempt, the reservation three');
  t.equal(metrics.retriedAttemptsMs(), 7.5, 'the retried attempt took 7.5 ms');
  t.notOk('counts' in metrics, 'no counter is open to mutation from outside');
});

t.test('the encoded histograms decode to the same count and the same max', async (t) => {
  const property = fc.property(waitsMicros, (micros) => {
    const histograms = afterWaits(micros).histograms();
    const waits = decodeFromCompressedBase64(histograms.time_to_reservation_us);
    const latencies = decodeFromCompressedBase64(histograms.latency_us);
    const longest = Math.max(...micros);
    // The encoding keeps counts by bucket, so the max comes back as the top of its bucket: within 0.1% at 3 digits.
    const sameMax = waits.maxValue >= longest && waits.maxValue - longest <= longest / 1000;
    return waits.totalCount === micros.length && latencies.totalCount === micros.length && sameMax;
  });
  t.doesNotThrow(() => fc.assert(property, { numRuns: 200, seed: 20260502 }), 'count and max survive encoding over 200 random histograms');
  const encoded = afterWaits([250_000, 1_500_000]).histograms().time_to_reservation_us;
  t.equal(decodeFromCompressedBase64(encoded).totalCount, 2, 'two reservations decode as two');
});
