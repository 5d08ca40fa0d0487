import { markdownTable } from 'markdown-table';
import type { Comparison } from '../../harness/analysis/compare.js';
import type { RunOutcome } from '../../harness/analysis/run-outcome.js';
import type { StrategyResult } from '../../harness/model/result-schema.js';
import { verdictText } from '../../report/verdict-text.js';
import { parameterRows, testcaseName, witnessTexts } from './ci-facts.js';
import { comparisonFailures } from './compare-text.js';
import { assertionText, outcomeDetail, statusWords } from './outcome-text.js';
import { resultTable } from './report-table.js';

/** Text that Markdown must show as it is: `*` marks unsafe strategies, `#` starts a note, `|` splits cells. */
const plain = (text: string) => text.replace(/[\\`*_|#<>[\]]/g, (character) => `\\${character}`);

const fenced = (text: string, language = 'text') => {
  // A fence longer than any run of backticks inside, so that no witness can close it early.
  const fence = '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map(([run]) => run.length + 1)));
  return `${fence}${language}\n${text}\n${fence}`;
};

const verdictLine = (failures: readonly string[], passed: string) =>
  failures.length === 0 ? `**passed**: ${passed}` : `**failed**: ${failures.length} assertion(s) failed`;

export interface RunSummaryInput {
  command: string;
  results: readonly StrategyResult[];
  /** How the run ended, as the exit code says. */
  outcome: RunOutcome;
  /** The command's arguments (after `evento`), for the line that replays it. */
  replay: string;
  wide?: boolean;
}

/**
 * A run's summary in GitHub-flavoured Markdown: the verdict, the table as the terminal shows it,
 * each failure, the witnesses, and the parameters and seed to replay it. A pure function.
 */
export function runSummary({ command, results, outcome, replay, wide }: RunSummaryInput): string {
  const witnessed = results.flatMap((result) => witnessTexts(result).map((witness) => ({ name: testcaseName(result), witness })));
  const failedRuns = results.filter((result) => !result.verdict.safe);
  const { failures } = outcome;
  return [
    `### evento ${command}: **${statusWords[outcome.status]}**: ${plain(outcomeDetail(outcome))}`,
    ...(results.length > 0 ? [resultMarkdown(results, wide)] : []),
    ...(failures.length > 0 ? ['#### Failed', failures.map((failure) => `- ${plain(assertionText(failure))}`).join('\n')] : []),
    ...(failedRuns.length > 0
      ? [
          '#### What the audit found',
          failedRuns
            .map(
              ({ workload, params, trial, event_id, verdict }) =>
                `- \`${testcaseName({ workload, params, trial })}\` ${plain(verdictText(verdict))}: event \`${event_id}\`, seed ${params.seed}`,
            )
            .join('\n'),
        ]
      : []),
    ...(witnessed.length > 0 ? ['#### Witnesses', ...witnessed.map(({ name, witness }) => `\`${name}\`\n\n${fenced(witness)}`)] : []),
    '#### Replay',
    fenced(replay, 'sh'),
    ...(results.length > 0
      ? [markdownTable([['parameter', 'value'], ...parameterRows(results).map(([name, value]) => [plain(name), plain(value)])])]
      : []),
  ].join('\n\n');
}

/** The table as the terminal shows it, and its notes, in Markdown. */
function resultMarkdown(results: readonly StrategyResult[], wide: boolean | undefined): string {
  const table = resultTable([...results], { wide });
  return [
    markdownTable([table.head.map((head) => plain(head.replace(/\n/g, ' '))), ...table.rows.map((row) => row.map(plain))], {
      align: table.aligns.map((align) => (align === 'left' ? 'l' : 'r')),
    }),
    table.notes.map((note) => `<sub>${plain(note)}</sub>`).join('<br>\n'),
  ].join('\n\n');
}

/** `compare`'s summary: the verdict, its failures, and the comparison as the terminal prints it. */
export function comparisonSummary(comparison: Comparison, text: string): string {
  const failures = comparisonFailures(comparison);
  return [
    `### evento compare: ${verdictLine(failures, 'no significant regression, every promise held')}`,
    ...(failures.length > 0 ? [failures.map((failure) => `- ${plain(failure)}`).join('\n')] : []),
    fenced(text.trimEnd()),
  ].join('\n\n');
}
