import { Text } from 'ink';
import type { HotelOutcome } from '../../../harness/model/result-schema.js';
import { formatThousands } from '../../output/report-table.js';

export interface HotelBarProps {
  hotel: HotelOutcome;
  /** Cells that stand for the contracted rooms. */
  width: number;
  nameWidth: number;
}

/**
 * Rooms sold against contracted. Rooms sold beyond the contract run past the end of the bar in
 * red, at the same scale up to half a bar, then clipped with an arrow.
 */
export function HotelBar({ hotel, width, nameWidth }: HotelBarProps) {
  const { contracted, booked, overbooked, drift } = hotel;
  const scale = (rooms: number) => (contracted > 0 ? (rooms / contracted) * width : 0);
  const sold = Math.min(width, Math.round(scale(Math.min(booked, contracted))));
  const maxOverflow = Math.ceil(width / 2);
  const overflowCells = overbooked > 0 ? Math.max(1, Math.ceil(scale(overbooked))) : 0;
  const overflow = overflowCells > maxOverflow ? `${'█'.repeat(maxOverflow - 1)}▶` : '█'.repeat(overflowCells);
  const counts = `${formatThousands(booked)} / ${formatThousands(contracted)}`;
  return (
    <Text>
      {hotel.name.padEnd(nameWidth)} <Text color={overbooked > 0 ? 'yellow' : 'green'}>{'█'.repeat(sold)}</Text>
      <Text color="gray">{'░'.repeat(width - sold)}│</Text>
      <Text color="red">{overflow}</Text>
      {' '.repeat(maxOverflow - overflow.length)} {counts.padStart(2 * formatThousands(contracted).length + 3)}
      {overbooked > 0 && (
        <Text color="red" bold>
          {'  '}+{formatThousands(overbooked)} overbooked
        </Text>
      )}
      {drift > 0 && (
        <Text color="yellow">
          {'  '}drift {formatThousands(drift)}
        </Text>
      )}
    </Text>
  );
}
