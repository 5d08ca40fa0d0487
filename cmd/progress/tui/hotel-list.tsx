import { Box, Text } from 'ink';
import type { HotelOutcome } from '../../../harness/model/result-schema.js';
import { formatThousands } from '../../output/report-table.js';
import { HotelBar } from './hotel-bar.js';

/** A bar per hotel up to `limit`; the rest summed in one line, so many hotels never flood the screen. */
export function HotelList({ hotels, width, limit }: { hotels: HotelOutcome[]; width: number; limit: number }) {
  const shown = hotels.slice(0, limit);
  const rest = hotels.slice(limit);
  const nameWidth = Math.max(0, ...shown.map((hotel) => hotel.name.length));
  const restOverbooked = rest.reduce((sum, hotel) => sum + hotel.overbooked, 0);
  const restDrift = rest.reduce((sum, hotel) => sum + hotel.drift, 0);
  return (
    <Box flexDirection="column">
      {shown.map((hotel) => (
        <HotelBar key={hotel.hotel_id} hotel={hotel} width={width} nameWidth={nameWidth} />
      ))}
      {rest.length > 0 && (
        <Text color="gray">
          … {formatThousands(rest.length)} more hotels, {formatThousands(rest.reduce((sum, hotel) => sum + hotel.booked, 0))} rooms sold
          {restOverbooked > 0 && <Text color="red">, +{formatThousands(restOverbooked)} overbooked</Text>}
          {restDrift > 0 && <Text color="yellow">, drift {formatThousands(restDrift)}</Text>}
        </Text>
      )}
    </Box>
  );
}
