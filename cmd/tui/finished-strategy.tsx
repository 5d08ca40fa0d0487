import { Box, Text } from 'ink';
import { formatThousands, verdictText } from '../report-table.js';
import type { StrategySummary } from './dashboard-state.js';
import { HotelList } from './hotel-list.js';

const stoppedBy: Record<StrategySummary['stoppedBy'], string> = {
  done: '',
  duration: ' · stopped by --duration',
  timeout: ' · timed out',
  interrupted: ' · stopped early',
};

/** A strategy's verdict, printed once; an unsafe one keeps the bars of the hotels it overbooked. */
export function FinishedStrategy({ summary, barWidth, hotelLimit }: { summary: StrategySummary; barWidth: number; hotelLimit: number }) {
  const { verdict } = summary;
  const damaged = summary.hotels.filter((hotel) => hotel.overbooked > 0 || hotel.drift > 0);
  return (
    <Box flexDirection="column">
      <Text>
        <Text color={verdict.safe ? 'green' : 'red'} bold>
          {verdict.safe ? '✔' : '✘'} {summary.strategy}
          {'  '}
          {verdictText(verdict)}
        </Text>
        <Text color="gray">
          {'  '}
          {formatThousands(summary.roomsReserved)} / {formatThousands(summary.contracted)} rooms · {formatThousands(Math.round(summary.throughputRps))} req/s · p99{' '}
          {summary.p99Ms.toFixed(1)} ms · {(summary.durationMs / 1000).toFixed(2)}s
          {stoppedBy[summary.stoppedBy]}
        </Text>
      </Text>
      {damaged.length > 0 && (
        <Box marginLeft={2}>
          <HotelList hotels={damaged} width={barWidth} limit={hotelLimit} />
        </Box>
      )}
    </Box>
  );
}
