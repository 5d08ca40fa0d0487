import { Text } from 'ink';

const levels = '▁▂▃▄▅▆▇█';

/** Values as bar heights scaled to the largest one; an all-zero series stays flat. */
export function sparkline(values: number[]): string {
  const top = Math.max(0, ...values);
  return values.map((value) => levels[top > 0 ? Math.round((value / top) * (levels.length - 1)) : 0]).join('');
}

export function Sparkline({ values, color }: { values: number[]; color?: string }) {
  return <Text color={color}>{sparkline(values)}</Text>;
}
