import { Box, Static, Text } from 'ink';
import { unsafeLegend } from '../../../report/verdict-text.js';
import type { DashboardState } from './dashboard-state.js';
import { FinishedStrategy } from './finished-strategy.js';
import { Header } from './header.js';
import { HotelList } from './hotel-list.js';
import { Rates } from './rates.js';
import { Totals } from './totals.js';

export interface DashboardProps {
  state: DashboardState;
  /** The terminal's width: bars and sparklines fit in it. */
  columns?: number;
  /** Most hotels drawn one bar each. */
  hotelLimit?: number;
}

// Beside its bar, a hotel line holds its name, half a bar of overflow room and the counts.
const barWidthFor = (columns: number) => Math.max(10, Math.min(40, Math.floor((columns - 55) / 1.5)));
// Like the final table, a finished strategy's lines keep within 100 columns, wider terminal or not.
const finishedWidthFor = (columns: number) => Math.min(100, columns);
// Beside its sparkline, a rate line holds its label and value.
const sparklineWidthFor = (columns: number) => Math.max(10, columns - 26);

/**
 * The whole screen as a function of the state: finished strategies print once above (Static),
 * the running one redraws below.
 */
export function Dashboard({ state, columns = 100, hotelLimit = 8 }: DashboardProps) {
  const { current } = state;
  const barWidth = barWidthFor(columns);
  return (
    <>
      <Static items={state.finished}>
        {(summary) => (
          <FinishedStrategy
            key={summary.eventId}
            summary={summary}
            width={finishedWidthFor(columns)}
            barWidth={Math.round(barWidth / 2)}
            hotelLimit={hotelLimit}
          />
        )}
      </Static>
      <Box flexDirection="column" marginTop={1}>
        <Header
          plan={state.plan}
          database={state.database}
          warmupMs={state.warmupMs}
          finished={state.finished}
          current={current?.name}
          elapsedMs={current?.snapshot.elapsedMs}
        />
        {current && (
          <Box flexDirection="column" marginTop={1} gap={1}>
            <Text>
              <Text bold color="cyan">
                {current.name}
              </Text>
              <Text color="gray">
                {'  '}
                {current.snapshot.clientsActive} of {state.plan.clients} clients still booking
              </Text>
            </Text>
            <HotelList hotels={current.hotels} width={barWidth} limit={hotelLimit} />
            <Rates rates={current.rates} width={sparklineWidthFor(columns)} />
            <Totals snapshot={current.snapshot} />
          </Box>
        )}
        {state.finished.some(({ verdict }) => !verdict.promises_safety) && <Text color="gray">{unsafeLegend}</Text>}
        {state.phase === 'running' && <Text color="gray">q or Ctrl-C: stop; what was written is still audited and saved</Text>}
        {state.phase === 'stopping' && <Text color="yellow">stopping: auditing what was written (q or Ctrl-C again quits at once)</Text>}
      </Box>
    </>
  );
}
