import { Command, Option } from '@commander-js/extra-typings';
import type { AssertionFlags } from '../../harness/analysis/assertions.js';

/** `--junit FILE`, whose help says what a testcase is for the command. */
export const junitOption = (testcases: string) => new Option('--junit <file>', `also write a JUnit XML file: ${testcases}`);

export const summaryOption = () =>
  new Option('--summary-md <file>', 'also write a Markdown summary; appended to $GITHUB_STEP_SUMMARY too when that is set');

/** The CI output flags of the commands that run strategies (`run`, `race`). */
export function ciOptions() {
  return new Command()
    .addOption(junitOption('a testcase per strategy (per trial with --repeat), failed where a promise or an expectation broke'))
    .addOption(summaryOption());
}

/** The flags of `ciOptions()`, as commander parses them. */
export type CiFlags = ReturnType<ReturnType<typeof ciOptions>['opts']>;

/**
 * The assertions a run is judged by. evento's own strategies, built in or modules, are always held
 * to their promise; a target promises only what `--assert-no-overbooking` says, which `--junit`
 * implies there, since a JUnit file fails a testcase wherever a promise broke.
 */
export function judgedAssertions(flags: AssertionFlags & CiFlags, { target }: { target: boolean }): AssertionFlags {
  const assertNoOverbooking = !target || flags.assertNoOverbooking === true || flags.junit !== undefined;
  return { assertNoOverbooking, expectOverbooking: flags.expectOverbooking };
}
