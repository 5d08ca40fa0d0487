import { Box, Text } from 'ink';
import { formatThousands } from '../../output/report-table.js';
import { rateNames, type RateHistory } from './dashboard-state.js';
import { Sparkline } from './sparkline.js';

const labels = { requests: 'requests/s', reservations: 'reservations/s', conflicts: 'conflicts/s', retries: 'retries/s' };
const colors = { requests: 'cyan', reservations: 'green', conflicts: 'yellow', retries: 'magenta' };

/** Each counter's rate over the last tick, and its sparkline over the last `width` ticks. */
export function Rates({ rates, width }: { rates: RateHistory; width: number }) {
  return (
    <Box flexDirection="column">
      {rateNames.map((name) => (
        <Text key={name}>
          {labels[name].padEnd(15)}
          {formatThousands(rates[name].at(-1) ?? 0).padStart(8)} <Sparkline values={rates[name].slice(-width)} color={colors[name]} />
        </Text>
      ))}
    </Box>
  );
}
