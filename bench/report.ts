import Table from 'cli-table3';
import wrapAnsi from 'wrap-ansi';
import { median, type RatioSummary, type Summary } from '../harness/analysis/stats.js';
import type { CeilingCell } from './ceiling.js';
import { reportBudgets, type ReportBench } from './html-report.js';
import type { CpuPart, FlagOverhead, HistoryOverhead, SamplerShare } from './history.js';
import type { ProfileSummary, SelfTime } from './cpu-profile.js';
import type { LoadgenCell } from './loadgen.js';
import type { SamplerRound } from './sampler-cost.js';
import type { OriginalRow } from './original.js';
import type { CpuSplit } from './proc.js';
import type { ScaleReport } from './scale.js';

/** The bench's tables: pure functions of its results. */

const roundedCount = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-');
const cpuText = (cpu?: CpuSplit) => (cpu ? `${cpu.harness}% / ${cpu.postgres}% / ${cpu.other}%` : '-');
/** A ratio, or nothing where none applies (pgbench's own row, the original's ranges). */
const ratioText = (ratio?: number) => (ratio === undefined ? '' : ratio.toFixed(2));
const plain = { style: { head: [], border: [] } };

export function formatCeiling(cells: CeilingCell[]): string {
  const table = new Table({
    head: [
      'clients',
      'runner',
      'reservations/s',
      '× pgbench',
      'p99 ms',
      'CPU harness / postgres / other',
      'CPU µs/res clients / servers / postgres',
      'runs',
      'errors',
    ],
    colAligns: ['right', 'left', 'right', 'right', 'right', 'right', 'right', 'left', 'right'],
    ...plain,
  });
  for (const cell of cells) {
    table.push([
      cell.clients,
      cell.servers === undefined ? 'pgbench (tps)' : `evento${cell.via ? ` via ${cell.via}` : ''}, ${cell.servers} server(s)`,
      roundedCount(cell.rate),
      ratioText(cell.ratio),
      cell.p99Ms.toFixed(1),
      cpuText(cell.cpu),
      cell.cpuUs ? `${cell.cpuUs.clients} / ${cell.cpuUs.servers} / ${cell.cpuUs.postgres}` : '-',
      cell.rates.map(roundedCount).join(', '),
      cell.servers === undefined ? '' : roundedCount(cell.errors),
    ]);
  }
  return table.toString();
}

/** evento's best cell against pgbench at the same client count and against pgbench's best. */
export function ceilingSummary(cells: CeilingCell[]): string | undefined {
  const best = (runner: (cell: CeilingCell) => boolean) =>
    cells.filter(runner).reduce<CeilingCell | undefined>((top, cell) => (!top || cell.rate > top.rate ? cell : top), undefined);
  const evento = best((cell) => cell.servers !== undefined);
  const pgbench = best((cell) => cell.servers === undefined);
  if (!evento || !pgbench) return undefined;
  const same = evento.ratio === undefined ? '' : `, ${evento.ratio.toFixed(2)}× pgbench at ${evento.clients} clients`;
  return (
    `best evento: ${roundedCount(evento.rate)} reservations/s (${evento.clients} clients, ${String(evento.servers)} server(s))${same}; ` +
    `best pgbench: ${roundedCount(pgbench.rate)} tps (${pgbench.clients} clients), ${(evento.rate / pgbench.rate).toFixed(2)}× of it`
  );
}

/** Each path's best against pgbench's best on the same two statements, and the app tier's share of the time per reservation. */
export function pathsSummary(cells: CeilingCell[]): string | undefined {
  const best = (runner: (cell: CeilingCell) => boolean) =>
    cells.filter(runner).reduce<CeilingCell | undefined>((top, cell) => (!top || cell.rate > top.rate ? cell : top), undefined);
  const [http, direct, pgbench] = [
    best((cell) => cell.via === 'http'),
    best((cell) => cell.via === 'direct'),
    best((cell) => cell.servers === undefined),
  ];
  if (!http || !direct) return undefined;
  const against = (cell: CeilingCell) => (pgbench ? `, ${(cell.rate / pgbench.rate).toFixed(2)}× pgbench's best` : '');
  return [
    `best via http: ${roundedCount(http.rate)} reservations/s (${http.clients} clients)${against(http)}`,
    `best via direct: ${roundedCount(direct.rate)} reservations/s (${direct.clients} clients)${against(direct)}`,
    ...(pgbench ? [`best pgbench, read then claim: ${roundedCount(pgbench.rate)} tps (${pgbench.clients} clients)`] : []),
    // Time per reservation is the inverse of goodput: what HTTP and the server processes add to the direct path's.
    `the app tier's share of the time per reservation at the best: ${Math.round((1 - http.rate / direct.rate) * 100)}%`,
  ].join('\n');
}

export function formatScale(scale: ScaleReport): string {
  const { median } = scale;
  const table = new Table({ ...plain });
  table.push(
    { clients: `${scale.params.clients} (${scale.params.servers} servers, think ${scale.params.think_ms} ms)` },
    {
      'rooms sold': `${roundedCount(median.roomsSold)} / ${roundedCount(median.contracted)}${scale.allSoldAndClean ? ', every run sold out, audit clean' : ', NOT every run sold out with a clean audit'}`,
    },
    { 'wall time': `${(median.wallMs / 1000).toFixed(2)} s (clients phase ${(median.clientsPhaseMs / 1000).toFixed(2)} s)` },
    { 'peak RSS, CLI': `${roundedCount(median.cliPeakRssMb)} MB` },
    { 'peak RSS, servers': median.serverPeakRssMb.map((mb) => `${roundedCount(mb)} MB`).join(', ') },
    { errors: `${roundedCount(median.errors)} (most in any run)` },
    { 'CPU harness / postgres / other': cpuText(median.cpu) },
  );
  return table.toString();
}

export function formatOriginal(rows: OriginalRow[]): string {
  const table = new Table({
    head: [
      'parameters',
      'strategy',
      'evento clients phase s',
      'original Evento s',
      '× naive: evento',
      '× naive: original',
      'sold out',
      'errors',
      'CPU harness / postgres / other',
    ],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right', 'left', 'right', 'right'],
    ...plain,
  });
  for (const row of rows) {
    const original = row.originalSeconds?.map((seconds) => seconds.toFixed(2)).join('-') ?? '(no such mode)';
    table.push([
      row.params,
      row.strategy,
      row.eventoSeconds.toFixed(2),
      original,
      ratioText(row.eventoToNaive),
      ratioText(row.originalToNaive),
      row.soldOut ? 'yes' : 'NO',
      roundedCount(row.errors),
      cpuText(row.cpu),
    ]);
  }
  return table.toString();
}

/** The report's two figures against their budgets. */
export function formatReportBench(bench: ReportBench): string {
  const table = new Table({ head: ['figure', 'measured', 'budget', 'within'], colAligns: ['left', 'right', 'right', 'left'], ...plain });
  const seconds = median(bench.report_ms) / 1000;
  table.push(
    [
      `race report, ${bench.race_trials} trials`,
      `${(bench.race_report_bytes / 1000).toFixed(0)} KB`,
      `${reportBudgets.raceBytes / 1000} KB`,
      bench.race_report_bytes < reportBudgets.raceBytes ? 'yes' : 'NO',
    ],
    [
      `evento report, ${bench.files} files`,
      `${seconds.toFixed(2)} s`,
      `${reportBudgets.filesMs / 1000} s`,
      seconds * 1000 < reportBudgets.filesMs ? 'yes' : 'NO',
    ],
    [`  its CPU, in process`, `${(median(bench.report_cpu_ms) / 1000).toFixed(2)} s`, '', ''],
    [`its report`, `${(bench.files_report_bytes / 1000).toFixed(0)} KB`, '', ''],
  );
  return table.toString();
}

const intervalText = (summary: RatioSummary, digits: number) =>
  Number.isFinite(summary.low) ? `${summary.low.toFixed(digits)}–${summary.high.toFixed(digits)}` : Number.isNaN(summary.low) ? '-' : 'n < 6';
const budgetText = (summary: RatioSummary) => ({ within: 'yes', over: 'NO', unresolved: 'not shown' })[summary.budget];
const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;

/** Goodput with and without a flag; a history's runs also say how many operations they recorded. */
function formatFlagGoodput(overheads: (FlagOverhead | HistoryOverhead)[]): string {
  const operations = overheads.some((overhead) => 'operations' in overhead);
  const table = new Table({
    head: ['strategy', 'without /s', 'with /s', 'ratio', 'interval', ...(operations ? ['operations'] : []), 'budget'],
    colAligns: ['left', 'right', 'right', 'right', 'right', ...(operations ? (['right'] as const) : []), 'left'],
    ...plain,
  });
  for (const overhead of overheads) {
    table.push([
      overhead.strategy,
      roundedCount(overhead.without),
      roundedCount(overhead.with),
      ratioText(overhead.ratio),
      intervalText(overhead, 2),
      ...('operations' in overhead ? [roundedCount(median(overhead.operations))] : []),
      budgetText(overhead),
    ]);
  }
  return table.toString();
}

const cpuPartNames: [CpuPart, string][] = [
  ['all', 'all processes'],
  ['clients', 'clients'],
  ['servers', 'servers'],
  ['postgres', 'PostgreSQL'],
];

/** Where the CPU went with and without a flag, per reservation, by process, each with its ratio and interval; the budget is judged on all processes. */
function formatFlagCpu(overheads: FlagOverhead[]): string {
  const table = new Table({
    head: ['strategy', 'process', 'without µs', 'with µs', 'ratio', 'interval', 'budget'],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right', 'left'],
    ...plain,
  });
  for (const { strategy, cpuPerReservation, cpuRatios } of overheads) {
    for (const [part, name] of cpuPartNames) {
      const ratio = cpuRatios[part];
      table.push([
        part === 'all' ? strategy : '',
        name,
        roundedCount(cpuPerReservation[part].without),
        roundedCount(cpuPerReservation[part].with),
        Number.isFinite(ratio.ratio) ? ratio.ratio.toFixed(3) : '-',
        intervalText(ratio, 3),
        part === 'all' ? budgetText(ratio) : '',
      ]);
    }
  }
  return table.toString();
}

/**
 * A flag's cost: goodput, then CPU per reservation by process (`parts` says what they are), each
 * with its budget of `cost`, and one line per strategy to quote.
 */
export function flagOverheadText(overheads: (FlagOverhead | HistoryOverhead)[], cost: number, parts: string): string {
  const summaries = overheads.map(({ strategy, ratio, low, high, cpuRatios: { all } }) => {
    const goodput = `goodput ×${ratioText(ratio)} (${intervalText({ ratio, low, high, budget: 'unresolved' }, 2)})`;
    return `${strategy}: CPU/res ×${Number.isFinite(all.ratio) ? all.ratio.toFixed(3) : '-'} (${intervalText(all, 3)}), within ${percent(cost)}: ${budgetText(all)}; ${goodput}`;
  });
  const prose = (text: string) => wrapAnsi(text, 100);
  return [
    prose(
      "Goodput (reservations/s), medians over the rounds; ratio: the median over the rounds of with ÷ without (each round's pair back to back, the order alternating), and its 95% interval.",
    ),
    prose(`Budget: with ≥ ${percent(1 - cost)} of without, met or missed only when the interval lies on one side of it.`),
    formatFlagGoodput(overheads),
    prose(`CPU per reservation, µs, medians over the rounds: all processes, then ${parts}; ratio and interval as above.`),
    prose(`Budget: all processes with ≤ ${percent(1 + cost)} of without, met or missed only when the interval lies on one side of it.`),
    formatFlagCpu(overheads),
    prose("Per strategy, all processes' CPU per reservation and goodput, each ratio with its 95% interval:"),
    ...summaries,
  ].join('\n');
}

export function formatLoadgen(cells: LoadgenCell[]): string {
  const table = new Table({
    head: ['connections', 'evento res/s', 'autocannon res/s', 'evento ÷ autocannon', 'rounds: evento / autocannon', 'errors: evento / autocannon'],
    colAligns: ['right', 'right', 'right', 'right', 'left', 'right'],
    ...plain,
  });
  for (const cell of cells) {
    table.push([
      cell.connections,
      roundedCount(cell.evento),
      roundedCount(cell.autocannon),
      ratioText(cell.ratio),
      cell.rounds.map((round) => `${roundedCount(round.evento)} / ${roundedCount(round.autocannon)}`).join(', '),
      `${roundedCount(cell.errors.evento)} / ${roundedCount(cell.errors.autocannon)}`,
    ]);
  }
  return table.toString();
}

/** A CPU profile's busy time, then its largest origins and functions by self time. */
export function formatServerParts(profile: { busyMs: number; reservations: number; parts: SelfTime[] }): string {
  const table = new Table({ head: ['ms', '% of busy', 'part'], colAligns: ['right', 'right', 'left'], ...plain });
  table.push([roundedCount(profile.busyMs), '100.0', `busy; ${roundedCount(profile.reservations)} reservations measured`]);
  for (const part of profile.parts) table.push([roundedCount(part.selfMs), part.share.toFixed(1), part.name]);
  return table.toString();
}

export function formatProfile(profile: ProfileSummary & { reservations: number }): string {
  const table = new Table({ head: ['self ms', '% of busy', 'where'], colAligns: ['right', 'right', 'left'], ...plain });
  table.push([
    roundedCount(profile.busyMs),
    '100.0',
    `busy, of ${roundedCount(profile.windowMs)} ms from the warm-up's clients to the last; ${roundedCount(profile.reservations)} reservations measured`,
  ]);
  for (const [title, rows] of [
    ['by origin', profile.origins],
    ['by function', profile.functions],
  ] as const) {
    table.push([{ colSpan: 3, content: title }]);
    for (const row of rows) table.push([roundedCount(row.selfMs), row.share.toFixed(1), row.name]);
  }
  return table.toString();
}

/** The sampler's own CPU, measured apart, against each strategy's runs without it. */
export function samplerShareText(shares: SamplerShare[], cost: number, rounds: SamplerRound[], seconds: number): string {
  const share = (fraction: number) => `${(fraction * 100).toFixed(2)}%`;
  const within = (summary: Summary, digits: number, scale = 1) =>
    intervalText({ ratio: summary.median, low: summary.low / scale, high: summary.high / scale, budget: 'unresolved' }, digits);
  const micros = (summary: Summary) => `${Math.round(summary.median)} µs (${within(summary, 0)})`;
  const cpuSeconds = (summary: Summary) => `${(summary.median / 1e6).toFixed(2)} s (${within(summary, 2, 1e6)})`;
  const shareInterval = ({ low, high }: SamplerShare) => (Number.isFinite(high) ? `${share(low)}–${share(high)}` : 'n < 6');
  const [first] = shares;
  const lines = shares.map(
    (summary) =>
      `${summary.strategy}: sampler ${share(summary.ratio)} of CPU (${shareInterval(summary)}), ` +
      `within ${percent(cost)}: ${budgetText(summary)}; runs ${cpuSeconds(summary.runCpuPerSecond)} CPU/s`,
  );
  return [
    wrapAnsi(
      `The sampler's own CPU, measured apart (${rounds.length} rounds of ${seconds} s sampling a made-up run, nothing else in the sampling process, ` +
        `so no clients share its wake-ups): ${first ? micros(first.perSample) : '-'} a sample, process and backend, medians and 95% intervals ` +
        `(process ${Math.round(median(rounds.map((round) => round.process)))}, backend ${Math.round(median(rounds.map((round) => round.backend)))}); ` +
        `at ${first?.samplesPerSecond ?? '-'} samples a second, over the CPU a second (CPU/s) of each strategy's runs above without it. ` +
        "The share's interval joins the two intervals' far ends.",
      100,
    ),
    ...lines,
  ].join('\n');
}
