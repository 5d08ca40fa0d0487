import { Box, Text } from 'ink';
import { verdictText } from '../../../report/verdict-text.js';
import { formatThousands } from '../../output/report-table.js';
import type { StrategySummary } from './dashboard-state.js';
import { HotelList } from './hotel-list.js';

const stoppedBy: Record<StrategySummary['stoppedBy'], string> = {
  done: '',
  duration: ' · stopped by --duration',
  timeout: ' · timed out',
  interrupted: ' · stopped early',
};

/** The verdict, then goodput and what a user waited; on one line when it fits `width`, else the figures below. */
export function FinishedStrategy({
  summary,
  width,
  barWidth,
  hotelLimit,
}: {
  summary: StrategySummary;
  width: number;
  barWidth: number;
  hotelLimit: number;
}) {
  const { verdict } = summary;
  const damaged = summary.hotels.filter((hotel) => hotel.overbooked > 0 || hotel.drift > 0);
  const head = `${verdict.safe ? '✔' : '✘'} ${summary.strategy}${summary.trial && ` ${summary.trial}`}  ${verdictText(verdict)}`;
  const figures =
    `${formatThousands(summary.roomsReserved)} / ${formatThousands(summary.contracted)} rooms · ` +
    `${formatThousands(Math.round(summary.reservationsPerS))} res/s · wait p99 ${summary.waitP99Ms === null ? '—' : `${summary.waitP99Ms.toFixed(1)} ms`} · ` +
    `${(summary.durationMs / 1000).toFixed(2)}s${stoppedBy[summary.stoppedBy]}`;
  const oneLine = head.length + 2 + figures.length <= width;
  return (
    <Box flexDirection="column">
      <Text>
        <Text color={verdict.safe ? 'green' : 'red'} bold>
          {head}
        </Text>
        {oneLine && <Text color="gray">{`  ${figures}`}</Text>}
      </Text>
      {!oneLine && <Text color="gray">{`  ${figures}`}</Text>}
      {damaged.length > 0 && (
        <Box marginLeft={2}>
          <HotelList hotels={damaged} width={barWidth} limit={hotelLimit} />
        </Box>
      )}
    </Box>
  );
}
