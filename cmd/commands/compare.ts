import { writeFile } from 'node:fs/promises';
import Table from 'cli-table3';
import {
  compareResults,
  comparableResult,
  quantity,
  type ComparableResult,
  type ComparedSide,
  type Comparison,
  type MetricName,
  type MetricRow,
  type VerdictRow,
} from '../../harness/analysis/compare.js';
import { AssertionFailed } from '../../harness/model/errors.js';
import { readResultsIn } from '../../harness/results/results-file.js';
import type { CiFlags } from '../flags/ci-options.js';
import { writeComparisonReports } from '../output/ci-output.js';
import { comparisonDocument, comparisonFailures } from '../output/compare-text.js';
import { summaryText } from '../output/report-table.js';
import { distinctRuns, jsonFilesAt } from '../output/result-files.js';

export interface CompareFlags extends CiFlags {
  threshold: number;
  ignoreParams?: boolean;
  json?: string;
}

/** `evento compare BASE NEW`: prints the comparison; a regression or a broken promise is an AssertionFailed. */
export async function compareCommand(basePath: string, newPath: string, flags: CompareFlags): Promise<void> {
  const base = await readSide(basePath);
  const next = await readSide(newPath);
  const comparison = compareResults(base, next, { thresholdPct: flags.threshold, ignoreParams: flags.ignoreParams ?? false });
  const text = formatComparison(comparison, base.name, next.name);
  process.stdout.write(text);
  if (flags.json) await writeFile(flags.json, `${JSON.stringify(comparisonDocument(comparison), null, 2)}\n`);
  await writeComparisonReports(comparison, text, flags);
  const failures = comparisonFailures(comparison);
  if (failures.length > 0) throw new AssertionFailed(failures.join('; '));
}

/** A result file, a `--json` list of results, or a directory of either. */
async function readSide(path: string): Promise<ComparedSide> {
  const results: ComparableResult[] = [];
  for (const file of await jsonFilesAt(path)) {
    const read = await readResultsIn(file);
    results.push(...read.map((result, index) => comparableResult(result, read.length === 1 ? file : `${file}[${index}]`)));
  }
  return { name: path, results: distinctRuns(results) };
}

const metricLabels: Record<MetricName, string> = { goodput: 'goodput /s', 'p99 time to reservation': 'ttr p99 ms' };

function deltaText({ test, delta_pct }: MetricRow): string {
  if (!test.enough) return 'n too small';
  if (!test.significant) return '~';
  if (delta_pct === null) return '?';
  return `${delta_pct > 0 ? '+' : ''}${delta_pct.toFixed(1)}%`;
}

const testText = ({ test: { p, n1, n2 } }: MetricRow) => `p=${p.toFixed(3)} n=${n1 === n2 ? n1 : `${n1}+${n2}`}`;

function verdictCells({ promises_safety, base, new: next }: VerdictRow): string[] {
  const broken = promises_safety && next.safe < next.runs;
  return ['safe runs', `${base.safe}/${base.runs}`, `${next.safe}/${next.runs}`, promises_safety ? (broken ? 'BROKEN' : '') : 'no promise', ''];
}

// Without vertical rules, as benchstat prints, so that the table fits 100 columns.
const bare = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/** The comparison as benchstat lays it out, one block per group: a pure function of the comparison. */
export function formatComparison(comparison: Comparison, baseName: string, newName: string): string {
  const table = new Table({
    head: ['', 'metric', 'base', 'new', 'delta', ''],
    colWidths: [25, 11, 14, 14, 11, 15],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'left'],
    wordWrap: true,
    chars: bare,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  for (const verdict of comparison.verdicts) {
    const rows = comparison.rows.filter((row) => row.group === verdict.group);
    for (const [index, row] of rows.entries()) {
      table.push([
        index === 0 ? verdict.group : '',
        metricLabels[row.metric],
        summaryText(row.base, quantity),
        summaryText(row.new, quantity),
        deltaText(row),
        testText(row),
      ]);
    }
    table.push(['', ...verdictCells(verdict)]);
  }
  const notes = [
    `base: ${baseName}`,
    `new:  ${newName}`,
    table.toString().replace(/ +$/gm, ''),
    `median ± 95% interval; delta of the medians, ~ when not significant (Mann-Whitney U, p > ${comparison.alpha})`,
    "ttr: time from a client's first attempt to its reservation",
    ...(comparison.rows.some((row) => !row.test.enough) ? ['n too small: these runs a side cannot reach p ≤ 0.05 whatever the data; 4 a side can'] : []),
    ...(comparison.only_in_base.length > 0 ? [`only in base, not compared: ${comparison.only_in_base.join(', ')}`] : []),
    ...(comparison.only_in_new.length > 0 ? [`only in new, not compared: ${comparison.only_in_new.join(', ')}`] : []),
  ];
  return `${notes.join('\n')}\n`;
}
