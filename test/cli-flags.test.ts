import t from 'tap';
import { at } from '../lib/at.js';
import { parsedCli, runCli } from './helpers.js';

// Every numeric flag of run and race, with a value that is not a number and one out of its range
// (below it for every other flag, above it for the rest), and the words of the one line that must
// name the flag and the range. The first goes to run, the second to race.
const integer = (min: number, max: number) => `expected an integer from ${min} to ${max}`;
const share = 'expected a share from 0 to 1';
const numeric: [flag: string, values: [notNumeric: string, below: string, above: string], range: string][] = [
  ['--clients', ['many', '0', '100001'], integer(1, 100_000)],
  ['--servers', ['two', '0', '65'], integer(1, 64)],
  ['--rooms', ['1e3', '0', '1000001'], integer(1, 1_000_000)],
  ['--hotels', ['three', '0', '1001'], integer(1, 1000)],
  ['--max-rooms', ['5.5', '0', '1001'], integer(1, 1000)],
  ['--think-ms', ['soon', '-5', '0-60001'], 'with 0 <= A <= B <= 60000'],
  ['--seed', ['random', '-1', '2147483648'], integer(0, 2_147_483_647)],
  ['--in-flight', ['lots', '0', '100001'], integer(1, 100_000)],
  ['--pool-size', ['auto', '0', '101'], integer(1, 100)],
  ['--duration', ['10', '0s', '25h'], 'from 1ms to 24h'],
  ['--warmup', ['2', '-1s', '11m'], 'from 0 to 10m'],
  ['--timeout', ['1m', '0', '86401'], integer(1, 86_400)],
  ['--confirm-ratio', ['half', '-0.1', '1.5'], share],
  ['--cancel-ratio', ['none', '-1', '2'], share],
  ['--hold-ttl-ms', ['1s', '0', '86400001'], integer(1, 86_400_000)],
  ['--sweep-ms', ['often', '0', '60001'], integer(1, 60_000)],
  ['--resources', ['3x', '0', '1001'], integer(1, 1000)],
  ['--hours', ['day', '0', '8785'], integer(1, 8784)],
  ['--attempts', ['ten', '0', '100001'], integer(1, 100_000)],
  ['--client-timeout-ms', ['50ms', '0', '600001'], integer(1, 600_000)],
  ['--drop-responses', ['some', '-0.5', '1.01'], share],
  ['--chaos-every', ['2', '50ms', '2h'], 'from 100ms to 1h'],
  ['--chaos-latency-ms', ['fast', '0', '10001'], integer(1, 10_000)],
];

// Values that are fine alone and wrong together.
const conflicting: [args: string[], message: string][] = [
  [['run', '--duration', '2m', '--timeout', '60'], '--duration must be shorter than --timeout (60s)'],
  [['race', '--confirm-ratio', '0.7', '--cancel-ratio', '0.5'], '--confirm-ratio 0.7 and --cancel-ratio 0.5 add up to more than 1'],
  [['run', '--strategy', 'naive', '--mode', 'atomic'], '--strategy naive and --mode atomic disagree'],
  [['run', '--workload', 'rooms,holds'], 'run takes one --workload'],
  [['race', '--chaos-every', '1s'], '--chaos-every applies to --chaos kill-server or kill-backends'],
  [['run', '--chaos', 'slow-db', '--chaos-every', '1s'], '--chaos-every applies to --chaos kill-server or kill-backends'],
  [['run', '--chaos', 'kill-server', '--chaos-latency-ms', '5'], '--chaos-latency-ms applies to --chaos slow-db'],
  [['run', '--shard', '3/2'], "--shard <i/N>' argument '3/2' is invalid. expected i/N with 1 <= i <= N"],
  [['run', '--shard', '0/2'], "--shard <i/N>' argument '0/2' is invalid. expected i/N with 1 <= i <= N"],
  [['run', '--shard', '1/0'], "--shard <i/N>' argument '1/0' is invalid. expected i/N with 1 <= i <= N"],
  [['run', '--shard', 'x'], "--shard <i/N>' argument 'x' is invalid. expected i/N with 1 <= i <= N"],
  [['run', '--clients', '2', '--shard', '3/4'], '--shard 3/4 has no clients: of --clients 2, only shards 1 to 2 get any'],
  [
    ['run', '--chaos', 'kill-server,unplug'],
    "--chaos <faults>' argument 'kill-server,unplug' is invalid. expected a comma-separated list of: kill-server, kill-backends, slow-db",
  ],
];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const cases = [
  ...numeric.flatMap(([flag, [notNumeric, below, above], range], index) => {
    const expected = new RegExp(`${escape(flag)} .*${escape(range)}`);
    return [
      { args: ['run', flag, notNumeric], expected },
      { args: ['race', flag, index % 2 ? above : below], expected },
    ];
  }),
  ...conflicting.map(([args, message]) => ({ args, expected: new RegExp(escape(message)) })),
];

t.test('bad values, one flag at a time or together, exit 2 with one line naming the flag and what it accepts', async (t) => {
  for (const { args, expected } of cases) {
    const { code, stderr } = await parsedCli(args);
    const line = args.join(' ');
    t.equal(code, 2, `${line}: exit 2`);
    t.match(stderr, expected, `${line}: names the flag and what it accepts`);
    t.equal(stderr.trim().split('\n').length, 1, `${line}: one line`);
  }
});

t.test('the CLI as a user runs it: the same exit 2 and the same line', async (t) => {
  // An unreachable database: a case that slipped through fails fast with exit 3 instead of running.
  const env = { DATABASE_URL: 'postgres://evento@127.0.0.1:1/nowhere' };
  const sample = [at(cases, 0), at(cases, 1), at(cases, cases.length - 2), at(cases, cases.length - 1)];
  const runs = await Promise.all(sample.map(({ args }) => runCli(args, { env })));
  for (const [index, { args, expected }] of sample.entries()) {
    const { code, stderr } = at(runs, index);
    const line = args.join(' ');
    t.equal(code, 2, `${line}: exit 2`);
    t.match(stderr, expected, `${line}: names the flag and what it accepts`);
    t.equal(stderr.trim().split('\n').length, 1, `${line}: one line`);
  }
});
