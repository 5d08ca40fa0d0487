import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { groupTrials, rankGroups } from '../harness/analysis/ranking.js';
import type { StrategyResult } from '../harness/model/result-schema.js';
import { runCli, useDatabase } from './helpers.js';

const database = await useDatabase(t);

// One hot row at think 0: every claim contends, and serializable pays for its aborts and retries
// while atomic's conditional update waits only for the row lock. Ten trials each, of 2,500 rooms,
// because on a machine busy with other work trials scatter: six did not always show it, nor ten
// of 1,000 rooms (a third of a second each, too short to average the machine's load over).
t.test('race --repeat 10 on one hot row ranks atomic above serializable, by goodput over its trials', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'evento-trials-test-'));
  const jsonFile = join(dir, 'race.json');
  const run = await runCli(
    [
      'race',
      '--strategies',
      'serializable,atomic',
      '--repeat',
      '10',
      '--clients',
      '100',
      '--servers',
      '2',
      '--hotels',
      '1',
      '--rooms',
      '2500',
      '--think-ms',
      '0',
      '--warmup',
      '1s',
      '--seed',
      '5',
      '--results-dir',
      dir,
      '--json',
      jsonFile,
      '--assert-no-overbooking',
    ],
    { env: { DATABASE_URL: database.url }, replayIn: t },
  );
  t.equal(run.code, 0, `exit 0 (stderr: ${run.stderr.slice(-300)})`);
  const results = JSON.parse(await readFile(jsonFile, 'utf8')) as StrategyResult[];
  t.equal(results.length, 20, 'every trial is in the result list');
  const ranking = rankGroups(groupTrials(results));
  t.same(
    ranking.rows.map(({ group, rank }) => [group.label, rank]),
    [
      ['atomic', 1],
      ['serializable', 2],
    ],
    `atomic ranks first, significantly (goodput medians ${ranking.rows.map(({ group }) => group.goodput.median).join(' and ')})`,
  );
  t.match(run.stdout, /│ 1 │ atomic +│ .*│ SAFE 10\/10 +│/, `the table ranks atomic first, SAFE in all ten trials\n${run.stdout}`);
  t.match(run.stdout, /│ 2 │ serializable +│ .*│ SAFE 10\/10 +│/, 'and serializable second');
  t.ok(
    run.stdout.split('\n').every((line) => line.length <= 100),
    'every line of the table fits 100 columns',
  );
});

t.test('compare on real races: the same runs against themselves hold, a run slowed on purpose regresses goodput', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'evento-compare-real-'));
  const race = async (name: string, extra: string[]) => {
    const file = join(dir, `${name}.json`);
    const args = [
      'race',
      '--strategies',
      'pessimistic',
      '--repeat',
      '6',
      '--clients',
      '50',
      '--servers',
      '1',
      '--hotels',
      '1',
      '--rooms',
      '40',
      '--think-ms',
      '0',
    ];
    const run = await runCli([...args, '--warmup', '0', '--seed', '9', '--results-dir', join(dir, name), '--json', file, ...extra], {
      env: { DATABASE_URL: database.url },
      replayIn: t,
    });
    t.equal(run.code, 0, `${name}: exit 0 (stderr: ${run.stderr.slice(-300)})`);
    return file;
  };
  const base = await race('base', []);
  // Every locked read sleeps 25 ms in the database with the hotel's row locked, so reservations
  // queue at under 40 a second: an effect far larger than a busy host's noise, and still safe.
  const slowed = await race('slowed', ['--chaos', 'slow-db', '--chaos-latency-ms', '25']);

  const same = await runCli(['compare', base, base]);
  t.equal(same.code, 0, `the same runs: exit 0 (${same.stderr})`);
  t.match(same.stdout, /goodput \/s .* ~ /, 'no significant change: ~');

  const apart = await runCli(['compare', base, slowed]);
  t.equal(apart.code, 2, 'different parameters (params.chaos) are not compared without --ignore-params: exit 2');
  t.match(apart.stderr, /^error: .*in common/m, 'one line saying why');

  const regressed = await runCli(['compare', base, slowed, '--ignore-params']);
  t.equal(regressed.code, 1, `slowed on purpose: exit 1 (${regressed.stdout})`);
  t.match(regressed.stderr, /assertion failed: .*goodput/, 'the failure names goodput');
});
