import { Box, Text } from 'ink';
import { formatThousands } from '../../output/report-table.js';
import type { DashboardState, StrategySummary } from './dashboard-state.js';

export interface HeaderProps {
  plan: DashboardState['plan'];
  database: DashboardState['database'];
  warmupMs?: number;
  finished: StrategySummary[];
  current?: string;
  elapsedMs?: number;
}

/** The race's strategies with the running one highlighted and the finished ones marked, then the parameters. */
export function Header({ plan, database, warmupMs, finished, current, elapsedMs }: HeaderProps) {
  const verdicts = new Map(finished.map((summary) => [summary.strategy, summary.verdict.safe]));
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>evento {plan.command}</Text>
        {plan.strategies.map((name, index) => {
          const safe = verdicts.get(name);
          const mark = safe === undefined ? '' : safe ? ' ✔' : ' ✘';
          return (
            <Text key={name}>
              {index === 0 ? '  ' : ' · '}
              {name === current ? (
                <Text inverse bold color="cyan">
                  {` ${name} `}
                </Text>
              ) : (
                <Text color={safe === undefined ? 'gray' : safe ? 'green' : 'red'}>
                  {name}
                  {mark}
                </Text>
              )}
            </Text>
          );
        })}
        {elapsedMs !== undefined && <Text bold>{`  ${(elapsedMs / 1000).toFixed(1)}s`}</Text>}
      </Text>
      <Text color="gray">
        {formatThousands(plan.clients)} clients · {plan.servers} servers · {plan.hotels} hotels × {formatThousands(plan.rooms)} rooms · think{' '}
        {plan.thinkMs} ms
      </Text>
      <Text color="gray">
        {database ? `${database.kind} database ${database.host}` : 'starting the database and the servers…'} · seed {plan.seed}
      </Text>
      {warmupMs !== undefined && <Text color="yellow">warming up for {warmupMs / 1000}s on a throwaway event (not measured)…</Text>}
    </Box>
  );
}
