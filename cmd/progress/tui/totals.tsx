import { Box, Text } from 'ink';
import type { MetricsSnapshot } from '../../../client-sim/metrics.js';
import { formatThousands } from '../../output/report-table.js';

/** Counters so far, latency percentiles and failed requests by kind. */
export function Totals({ snapshot }: { snapshot: MetricsSnapshot }) {
  const failed = Object.entries(snapshot.errors).filter(([, count]) => count > 0);
  return (
    <Box flexDirection="column">
      <Text>
        latency p50 <Text bold>{snapshot.latencyMs.p50.toFixed(1)}</Text> ms · p99 <Text bold>{snapshot.latencyMs.p99.toFixed(1)}</Text> ms
        {'   '}errors{' '}
        {failed.length === 0 ? (
          <Text color="green">none</Text>
        ) : (
          <Text color="red">{failed.map(([kind, count]) => `${kind} ${formatThousands(count)}`).join(' · ')}</Text>
        )}
      </Text>
      <Text color="gray">
        {formatThousands(snapshot.requests)} requests · {formatThousands(snapshot.reservations)} reservations · {formatThousands(snapshot.conflicts)}{' '}
        conflicts · {formatThousands(snapshot.insufficient)} insufficient (422)
      </Text>
    </Box>
  );
}
