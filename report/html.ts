import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { medianPhase, requestSplit, type AppPhases } from '../harness/analysis/app-phases.js';
import { meanShares } from '../harness/analysis/db-time.js';
import { unpooledRuns, waitsOf, type TrialGroup } from '../harness/analysis/ranking.js';
import { alpha, median, type Summary } from '../harness/analysis/stats.js';
import type { TrialsVerdict } from '../harness/analysis/trial-verdict.js';
import { clientLanes } from '../harness/history/witness-timeline.js';
import type { HotelOutcome, StrategyResult } from '../harness/model/result-schema.js';
import { at } from '../lib/at.js';
import { browserScript } from './browser-script.js';
import { reportData, type ReportData, type ReportSection } from './report-data.js';
import { sweepCrossoverText } from './sweep-text.js';
import { timelinesShown, type ReportTimeline, type ReportTimelines } from './timelines.js';
import { trialsVerdictText, unpooledText, unrankedText } from './verdict-text.js';
import { describeOperation } from './witness-text.js';

/** uPlot's script and stylesheet, inlined so that the file needs no network; read once. */
let uplotAssets: { script: string; css: string } | undefined;
function assets() {
  if (!uplotAssets) {
    const require = createRequire(import.meta.url);
    const read = (file: string) => readFileSync(require.resolve(`uplot/dist/${file}`), 'utf8');
    uplotAssets = { script: read('uPlot.iife.min.js'), css: read('uPlot.min.css') };
  }
  return uplotAssets;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
/** JSON inside a script element: `<` escaped so that no `</script>` in the data ends it early. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');
// One formatter per precision: toLocaleString builds a new one on every call, thousands of times a report.
const formats = [0, 1].map((decimals) => new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals }));
const number = (value: number, decimals: 0 | 1 = 0) => at(formats, decimals).format(value);
const bound = (value: number) => (Number.isFinite(value) ? number(value, 1) : '—');

function table(head: string[], rows: string[][], caption?: string): string {
  const headCells = head.map((cell) => `<th>${cell}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('\n');
  return `<table>${caption ? `<caption>${caption}</caption>` : ''}<thead><tr>${headCells}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const excessCell = (rooms: number) => (rooms > 0 ? `<span class="bad">+${number(rooms)}</span>` : '0');

/** The trial that sold the most rooms: a promise is judged by its worst trial. */
const worstTrial = (group: TrialGroup) =>
  group.trials.reduce((worst, trial) =>
    trial.outcome.overbooked_rooms > worst.outcome.overbooked_rooms ||
    (trial.outcome.overbooked_rooms === worst.outcome.overbooked_rooms && trial.outcome.rooms_reserved > worst.outcome.rooms_reserved)
      ? trial
      : worst,
  );

/** Held is no promise kept: a strategy that promises nothing and happened not to overbook is neither good nor bad. */
const verdictClass: Record<TrialsVerdict['kind'], string> = { safe: 'good', held: 'held', broken: 'bad', 'nothing-measured': 'bad' };

function verdictTable(section: ReportSection): string {
  const rows = section.ranking.rows.map(({ group }) => {
    const worst = worstTrial(group).outcome;
    // The promise column says which strategies promise nothing: the verdict needs no marker here.
    const verdict = `<span class="${verdictClass[group.verdict.kind]}">${escapeHtml(trialsVerdictText(group.verdict, ''))}</span>`;
    return [
      escapeHtml(group.label),
      group.verdict.promises_safety ? 'never overbooks' : 'none (unsafe by design)',
      String(group.trials.length),
      `${number(worst.rooms_reserved)} / ${number(worst.contracted)}`,
      excessCell(worst.overbooked_rooms),
      number(worst.drift),
      verdict,
    ];
  });
  const notes = unpooledRuns(section.ranking.rows.map(({ group }) => group)).map((run) => `<p class="note">${escapeHtml(unpooledText(run))}</p>`);
  return [table(['strategy', 'promise', 'trials', 'rooms sold / contracted (worst trial)', 'excess', 'drift', 'verdict'], rows), ...notes].join('\n');
}

/** Hotels shown one a row; past this, only those that went over their contract, and a count of the rest. */
const hotelRowsShown = 12;

function hotelTable(section: ReportSection): string {
  const rows = section.ranking.rows.flatMap(({ group }) => {
    const hotels = worstTrial(group).hotels;
    const shown = hotels.length <= hotelRowsShown ? hotels : hotels.filter((hotel) => hotel.overbooked > 0 || hotel.drift > 0);
    const row = (hotel: HotelOutcome) => [
      escapeHtml(group.label),
      escapeHtml(hotel.name),
      number(hotel.contracted),
      number(hotel.booked),
      excessCell(hotel.overbooked),
      number(hotel.drift),
    ];
    const rest = hotels.length - shown.length;
    return [...shown.map(row), ...(rest > 0 ? [[escapeHtml(group.label), `${number(rest)} more hotels`, '', '', '0', '0']] : [])];
  });
  return table(['strategy', 'hotel', 'contracted', 'sold', 'excess', 'drift'], rows, 'per hotel, in each strategy’s worst trial');
}

const summaryCells = (summary: Summary) => [number(summary.median, 1), bound(summary.low), bound(summary.high)];

function goodputTable(section: ReportSection): string {
  const rows = section.ranking.rows.map(({ group, rank }) => [
    rank === undefined ? '' : String(rank),
    escapeHtml(group.label),
    String(group.trials.length),
    ...summaryCells(group.goodput),
    ...(group.waitP99 ? summaryCells(group.waitP99) : ['—', '—', '—']),
    number(median(group.trials.map(({ outcome }) => outcome.latency_ms.p99)), 1),
  ]);
  const notes = [
    section.ranking.unranked
      ? unrankedText(section.ranking.unranked)
      : `# by goodput among the strategies that kept their promise; a shared rank: no significant difference (Mann-Whitney U, p > ${alpha})`,
    'median and its 95% interval over the trials (— below 6 trials)',
  ];
  return `${table(['#', 'strategy', 'trials', 'goodput res/s', 'low', 'high', 'wait p99 ms', 'low', 'high', 'request p99 ms'], rows)}\n${notes.map((note) => `<p class="note">${escapeHtml(note)}</p>`).join('\n')}`;
}

function percentileTable(section: ReportSection): string {
  const rows = section.ranking.rows.map(({ group }) => {
    const of = (figure: (outcome: StrategyResult['outcome']) => number) => number(median(group.trials.map(({ outcome }) => figure(outcome))), 1);
    return [
      escapeHtml(group.label),
      of((o) => o.latency_ms.p50),
      of((o) => o.latency_ms.p90),
      of((o) => o.latency_ms.p99),
      of((o) => o.latency_ms.max),
      ...(['p50', 'p99'] as const).map((percentile) => {
        const waits = waitsOf(group.trials, percentile);
        return waits ? number(median(waits), 1) : '—';
      }),
    ];
  });
  return table(['strategy', 'request p50 ms', 'p90', 'p99', 'max', 'wait p50 ms', 'wait p99'], rows, 'medians over the trials');
}

/** A colour per wait, in the order the report first meets them, the same in every section. */
const waitPalette = ['#d62728', '#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Every wait any run of the report was seen in, its largest share first: each keeps one colour. */
function waitColours(results: readonly StrategyResult[]): Map<string, string> {
  const keys = meanShares(results.map(({ outcome }) => outcome.db_time)).map(([key]) => key);
  return new Map(keys.map((key, index) => [key, waitPalette[index % waitPalette.length] ?? '#999']));
}

/** A stacked bar per strategy of the shares of its database time (its trials' mean), in plain HTML. */
function dbTimeBars(section: ReportSection, colours: ReadonlyMap<string, string>): string {
  const rows = section.ranking.rows.flatMap(({ group }) => {
    const shares = meanShares(group.trials.map(({ outcome }) => outcome.db_time));
    if (shares.length === 0) return [];
    const segments = shares
      .map(([key, share]) => {
        const title = escapeHtml(`${key} ${(share * 100).toFixed(1)}%`);
        return `<span class="segment" style="width:${(share * 100).toFixed(2)}%;background:${colours.get(key) ?? '#999'}" title="${title}"></span>`;
      })
      .join('');
    const top = shares.slice(0, 3).map(([key, share]) => `${escapeHtml(key)} ${Math.round(share * 100)}%`);
    return [
      `<div class="db-time"><span class="label">${escapeHtml(group.label)}</span><span class="bar">${segments}</span><span class="top">${top.join(', ')}</span></div>`,
    ];
  });
  if (rows.length === 0)
    return '<p class="note">These result files hold no database time (--sample-ms 0, or a role that could not see the servers\' sessions).</p>';
  const used = [...colours].filter(([key]) =>
    section.ranking.rows.some(({ group }) => group.trials.some(({ outcome }) => outcome.db_time?.shares[key])),
  );
  const legend = used.map(([key, colour]) => `<span class="swatch" style="background:${colour}"></span>${escapeHtml(key)}`).join(' ');
  return `${rows.join('\n')}\n<p class="note">${legend}</p>\n<p class="note">${escapeHtml(dbTimeNote)}</p>`;
}

/** A row per strategy of where its requests' time went, from the servers' own clocks: the mean split, then the phases' p99s. */
function appPhasesTable(section: ReportSection): string {
  const rows = section.ranking.rows.flatMap(({ group }) => {
    const trials = group.trials.map(({ outcome }) => outcome.app_phases);
    const of = (figure: (phases: AppPhases) => number) => number(medianPhase(trials, figure) ?? 0, 1);
    if (medianPhase(trials, (phases) => phases.reservations) === undefined) return [];
    return [
      [
        escapeHtml(group.label),
        of((phases) => phases.request_mean_ms.request),
        ...requestSplit.map(({ figure }) => of(figure)),
        of((phases) => phases.pool_wait_ms.p99),
        of((phases) => phases.statements_ms.p99),
        of((phases) => phases.commit_ms.p99),
      ],
    ];
  });
  if (rows.length === 0)
    return '<p class="note">These result files hold no app-tier phases (runs against a --target, or from before they were timed).</p>';
  const head = ['strategy', 'request mean ms', ...requestSplit.map(({ name }) => escapeHtml(name)), 'pool wait p99', 'statements p99', 'commit p99'];
  return `${table(head, rows, 'medians over the trials')}\n<p class="note">${escapeHtml(appPhasesNote)}</p>`;
}

const appPhasesNote =
  "A reserve request's mean time as its client saw it, split by the servers' own clocks: waiting for a pooled connection, the database (statements and commit), " +
  "the server's handling around them, and the rest, which the servers did not see: the client and HTTP both ways.";

const dbTimeNote =
  "Samples of the servers' database sessions in pg_stat_activity while the clients ran, each busy session counted under what it waited on: " +
  'CPU when it waited on nothing, IdleInTransaction when it held a transaction open waiting for the server process; the mean over the trials.';

const chartDiv = (key: string, title: string) =>
  `<div class="chart" data-chart="${key}" role="img" aria-label="${escapeHtml(title)}"><noscript>(a chart: needs JavaScript)</noscript></div>`;

function sectionHtml(section: ReportSection, index: number, sections: number, colours: ReadonlyMap<string, string>): string {
  const heading = sections > 1 ? `<h2 id="${section.id}">${escapeHtml(section.title)}</h2>` : '';
  const level = sections > 1 ? 'h3' : 'h2';
  return [
    heading,
    `<${level}>Verdicts</${level}>`,
    verdictTable(section),
    hotelTable(section),
    `<${level}>Goodput</${level}>`,
    goodputTable(section),
    `<${level}>Latency percentile spectrum</${level}>`,
    percentileTable(section),
    ...section.spectra.map((chart, chartIndex) => chartDiv(`spectrum:${section.id}:${chartIndex}`, chart.title)),
    `<${level}>Where the database's time went</${level}>`,
    dbTimeBars(section, colours),
    `<${level}>Where a request's time went</${level}>`,
    appPhasesTable(section),
    `<${level}>Per second</${level}>`,
    section.perSecond[0]?.x.length
      ? section.perSecond.map((chart, chartIndex) => chartDiv(`series:${section.id}:${chartIndex}`, chart.title)).join('\n')
      : '<p class="note">These result files hold no per-second samples.</p>',
    index < sections - 1 ? '<hr>' : '',
  ].join('\n');
}

function sweepHtml(data: ReportData): string {
  if (data.sweep.length === 0) return '';
  const parts = data.sweep.map((chart, index) => {
    const head = ['strategy', ...chart.ticks.map((tick) => `--${escapeHtml(chart.axis)} ${escapeHtml(tick)}`)];
    const rows = chart.strategies.map((strategy) => [
      escapeHtml(strategy.label),
      ...strategy.median.map((value, point) => {
        if (value === null) return '—';
        const low = strategy.low[point];
        const high = strategy.high[point];
        return `${number(value, 1)}${low != null && high != null ? ` <span class="note">(${number(low, 1)}–${number(high, 1)})</span>` : ''}`;
      }),
    ]);
    const sentences = chart.crossovers.length
      ? `<ul class="crossovers">${chart.crossovers.map((crossover) => `<li>${escapeHtml(sweepCrossoverText(crossover))}</li>`).join('')}</ul>`
      : '<p class="note">No crossover: no two strategies that kept their promise swapped places with a significant difference on both sides.</p>';
    return [
      `<h3>${escapeHtml(chart.title)}</h3>`,
      chartDiv(`sweep:${index}`, chart.title),
      sentences,
      table(head, rows, 'goodput, reservations/s: median (95% interval)'),
    ].join('\n');
  });
  return [
    '<h2 id="sweep">Sweep</h2>',
    '<p class="note">Shaded: between the last point where one strategy was significantly ahead and the first where the other was (Mann-Whitney U, p ≤ 0.05). Dashed: the 95% interval of the median.</p>',
    ...parts,
  ].join('\n');
}

function capacityHtml(data: ReportData): string {
  if (data.capacity.length === 0) return '';
  const parts = data.capacity.map((chart, index) => {
    const head = ['strategy', `capacity at ${escapeHtml(chart.slo)}`, ...chart.x.map((rate) => `${number(rate)}/s`)];
    const rows = chart.lines.map((line) => [
      escapeHtml(line.label),
      line.capacity === null ? 'none' : `${number(line.capacity)}/s`,
      ...line.y.map((wait) => (wait === null ? '—' : `${number(wait, 1)} ms`)),
    ]);
    return [
      `<h3>${escapeHtml(chart.title)}</h3>`,
      chartDiv(`capacity:${index}`, chart.title),
      table(head, rows, 'the wait at the target percentile, median over the trials'),
    ].join('\n');
  });
  return [
    '<h2 id="capacity">Capacity</h2>',
    '<p class="note">Capacity: the highest offered rate up to which every point met the target, dropped at most 1% of its arrivals and reserved at least 95% of what was offered. Both axes are logarithmic; the dashed line is the target.</p>',
    ...parts,
  ].join('\n');
}

/** Jepsen's colours: ok blue, fail pink, info orange. */
const outcomeColours = { ok: '#6DB6FE', fail: '#FEB5DA', info: '#FFAA26' } as const;

function windowNote(timeline: ReportTimeline): string {
  const lanes = `one lane per ${timeline.timeline.by}${timeline.timeline.by === 'server' ? ` (more than ${number(clientLanes)} clients in the window)` : ''}`;
  if (timeline.drawn === timeline.operations) return `All ${number(timeline.operations)} operations, ${lanes}.`;
  const where =
    timeline.around === 'witnesses'
      ? `nearest the witnesses' operations, from ${number(timeline.from_ms, 1)} ms to ${number(timeline.to_ms, 1)} ms`
      : `invoked first, to ${number(timeline.to_ms, 1)} ms`;
  return `The ${number(timeline.drawn)} of ${number(timeline.operations)} operations ${where}; ${lanes}.`;
}

function timelinesHtml(found: ReportTimelines | undefined): string {
  if (!found || found.timelines.length === 0) return '';
  const legend = Object.entries(outcomeColours)
    .map(([type, colour]) => `<span class="swatch" style="background:${colour}"></span>${type}`)
    .join(' ');
  const parts = found.timelines.map((timeline, index) =>
    [
      `<h3 id="${timeline.id}">${escapeHtml(timeline.title)}</h3>`,
      `<p class="note">${escapeHtml(windowNote(timeline))}</p>`,
      ...timeline.witnesses.map(
        (text, witness) => `<p class="witness-text">witness${timeline.witnesses.length > 1 ? ` ${witness + 1}` : ''}: ${escapeHtml(text)}</p>`,
      ),
      `<div class="timeline" data-timeline="${index}" role="img" aria-label="${escapeHtml(`timeline of ${timeline.title}`)}"><noscript>(a timeline: needs JavaScript)</noscript></div>`,
    ].join('\n'),
  );
  const leftOut =
    found.leftOut > 0
      ? [
          `<p class="note">${number(found.leftOut)} more result(s) have a history; a report draws at most ${number(timelinesShown)} timelines, those with a witness first.</p>`,
        ]
      : [];
  return [
    '<h2 id="timelines">Timelines</h2>',
    `<p class="note">Each operation a bar from its invocation to its answer, in ms since the clients started: ${legend}; a witness's operations outlined and named (T1, T2, …; 2·T1 is T1 of the second witness). Hover a bar for the request, the answer and what the server decided on.</p>`,
    ...parts,
    ...leftOut,
  ].join('\n');
}

/** What the page script draws a timeline from: bars as [start, end, type, witness or null, hover text]. */
const timelineData = (found: ReportTimelines | undefined) =>
  (found?.timelines ?? []).map(({ timeline, from_ms, to_ms }) => ({
    by: timeline.by,
    from: from_ms,
    to: to_ms,
    lanes: timeline.lanes.map(({ lane, bars }) => ({
      lane,
      bars: bars.map((bar) => [
        bar.start_ms,
        bar.end_ms,
        bar.type,
        bar.witness ?? null,
        `client ${bar.client}, server ${bar.server}: ${describeOperation(bar.operation)}`,
      ]),
    })),
  }));

/** Each parameter's values over the results: one when all agree, each distinct one otherwise. */
function parameterTable(results: readonly StrategyResult[]): string {
  const values = new Map<string, Set<string>>();
  const add = (key: string, value: unknown) => {
    if (value === undefined) return;
    values.set(key, (values.get(key) ?? new Set()).add(typeof value === 'string' ? value : JSON.stringify(value)));
  };
  for (const result of results) {
    for (const [key, value] of Object.entries(result.params)) add(key, value);
    for (const [key, value] of Object.entries(result.environment)) add(`environment.${key}`, value);
    add('tool.version', result.tool.version);
  }
  const rows = [...values].map(([key, set]) => [
    escapeHtml(key),
    escapeHtml([...set].slice(0, 20).join(', ') + (set.size > 20 ? `, … (${set.size} values)` : '')),
  ]);
  const started = results.map(({ started_at }) => started_at).sort();
  rows.push(['started', escapeHtml(`${at(started, 0)} to ${at(started, started.length - 1)}`)]);
  return table(['parameter', 'value(s)'], rows);
}

const style = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 1000px; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.6em 0 1em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; }
th:first-child, td:first-child, td:nth-child(2) { text-align: left; }
caption { caption-side: top; text-align: left; color: #555; font-style: italic; }
.bad { color: #c00; font-weight: bold; }
.good { color: #070; }
.held { color: #555; }
.note { color: #555; font-size: 0.92em; }
.chart { margin: 0.8em 0; min-height: 40px; }
.crossovers li { font-weight: bold; }
.u-legend .interval { display: none; }
.timeline { margin: 0.6em 0 1.2em; overflow-x: auto; }
.timeline text { font: 10px system-ui, sans-serif; fill: #333; }
.timeline .bar.witness { stroke: #000; stroke-width: 1.5; }
.timeline text.witness { font-weight: bold; fill: #000; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.witness-text { font-size: 0.92em; }
.db-time { display: flex; align-items: center; gap: 0.6em; margin: 0.25em 0; }
.db-time .label { width: 9em; }
.db-time .bar { display: flex; width: 420px; height: 1.1em; border: 1px solid #999; }
.db-time .segment { height: 100%; }
.db-time .top { color: #555; font-size: 0.92em; }
.swatch { display: inline-block; width: 0.9em; height: 0.9em; margin: 0 0.2em 0 0.5em; vertical-align: middle; border: 1px solid #999; }
`;

/** The report as one HTML file: tables in plain HTML, charts drawn by the inlined uPlot; nothing is fetched. */
export function renderReport(results: StrategyResult[], meta: { sources: string; generatedAt?: Date; timelines?: ReportTimelines }): string {
  if (results.length === 0) throw new RangeError('a report of no results');
  const data = reportData(results);
  const colours = waitColours(results);
  const { script, css } = assets();
  const kind = data.sweep.length > 0 ? 'sweep' : data.strategies.length > 1 ? 'race' : 'run';
  const generated = (meta.generatedAt ?? new Date()).toISOString();
  const contents = [
    ...(data.sweep.length > 0 ? ['<a href="#sweep">sweep</a>'] : []),
    ...(data.capacity.length > 0 ? ['<a href="#capacity">capacity</a>'] : []),
    ...(data.sections.length > 1 ? data.sections.map((section) => `<a href="#${section.id}">${escapeHtml(section.title)}</a>`) : []),
    ...(meta.timelines?.timelines.length ? ['<a href="#timelines">timelines</a>'] : []),
    '<a href="#parameters">parameters</a>',
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>evento ${kind} report</title>
<style>${css}</style>
<style>${style}</style>
</head>
<body>
<h1>evento ${kind} report</h1>
<p>${number(results.length)} trial(s) of ${data.strategies.map(escapeHtml).join(', ')}, from ${escapeHtml(meta.sources)}; written ${escapeHtml(generated)}.</p>
<nav>${contents.join(' · ')}</nav>
${sweepHtml(data)}
${capacityHtml(data)}
${data.sections.map((section, index) => sectionHtml(section, index, data.sections.length, colours)).join('\n')}
${timelinesHtml(meta.timelines)}
<h2 id="parameters">Parameters, seeds and environment</h2>
${parameterTable(results)}
<script id="evento-data" type="application/json">${scriptJson({ sections: data.sections.map(({ id, spectra, perSecond }) => ({ id, spectra, perSecond })), sweep: data.sweep, capacity: data.capacity, strategies: data.strategies, timelines: timelineData(meta.timelines), outcomeColours })}</script>
<script>${script}</script>
<script>${browserScript}</script>
</body>
</html>
`;
}
