import t from 'tap';
import { parseArguments, type Invocation } from '../cmd/program.js';
import { UsageError } from '../harness/model/errors.js';
import { paramsOf } from '../harness/race/result.js';
import { resultOf } from '../harness/model/result-schema.js';
import { roomSettingsUsed } from '../harness/workloads/room-workloads.js';
import { workloadSettings } from '../harness/model/workload-settings.js';
import { sampleResult } from './result-fixtures.js';

/** The one line `workloadSettings` refuses `input` with. */
function refusalOf(input: Record<string, unknown>): string {
  try {
    workloadSettings(input);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`${JSON.stringify(input)} was taken`);
}

t.test("a workload's settings refuse another workload's, and values out of range, each in one line", async (t) => {
  const slots = { resources: 3, hours: 24, attempts: 10 };
  const refusals = [
    [{ workload: 'rooms', slots }, 'the rooms workload takes no slots settings; its own: buckets'],
    [{ workload: 'slots', slots, holds: {} }, 'the slots workload takes no holds settings; its own: slots'],
    [{ workload: 'cars' }, 'workload: expected one of rooms, holds, slots, tenants, got "cars"'],
    [
      { workload: 'holds', holds: { confirm_ratio: 0.8, cancel_ratio: 0.5, hold_ttl_ms: 300, sweep_ms: 50 } },
      'holds: --confirm-ratio 0.8 and --cancel-ratio 0.5 add up to more than 1',
    ],
    [{ workload: 'slots', slots: { ...slots, resources: 0 } }, /^slots\.resources: .*1/],
  ] as const;
  for (const [input, expected] of refusals) {
    const message = refusalOf(input);
    t.match(message, expected, JSON.stringify(input));
    t.notMatch(message, /\n/, 'one line');
  }
  t.same(workloadSettings({ workload: 'slots' }), { workload: 'slots', slots }, 'defaults filled in');
});

t.test('flags become settings, and settings (and retries) the params of the result file as they are', async (t) => {
  const invocation: Invocation = await parseArguments([
    'node',
    'evento',
    'race',
    '--workload',
    'rooms,holds,slots,tenants',
    '--strategies',
    'buckets,atomic,holds:atomic,exclusion,set-local',
    '--buckets',
    '4',
    '--confirm-ratio',
    '0.5',
    '--hold-ttl-ms',
    '300',
    '--resources',
    '5',
    '--tenants',
    '2',
    '--tenant-lock',
    'serializable',
    '--drop-responses',
    '0.3',
  ]);
  if (invocation.command !== 'race') throw new Error(`parsed as ${invocation.command}`);
  const { runs, config } = invocation;
  t.same(config.retries, { client_timeout_ms: null, drop_responses: 0.3, idempotency: true }, "the race's retries, in the same names");
  t.same(
    runs.map(({ settings }) => settings),
    [
      { workload: 'rooms', buckets: 4 },
      { workload: 'rooms', buckets: 4 },
      { workload: 'holds', holds: { confirm_ratio: 0.5, cancel_ratio: 0.2, hold_ttl_ms: 300, sweep_ms: 100 } },
      { workload: 'slots', slots: { resources: 5, hours: 24, attempts: 10 } },
      { workload: 'tenants', tenants: { tenants: 2, lock: 'serializable' } },
    ],
    'each run carries its own workload settings, from the flags and the defaults',
  );
  for (const { settings, strategy } of runs) {
    // As a run uses them: the buckets only where the strategy keeps its rooms in them.
    const used = settings.workload === 'rooms' ? roomSettingsUsed(settings, strategy.inventory === 'buckets') : settings;
    const params = paramsOf(config, { strategy: strategy.name, settings: used, seed: config.seed });
    const read = resultOf({ ...sampleResult({ strategy: strategy.name }), workload: settings.workload, params }, 'a result').params;
    const { workload, ...own } = used;
    t.match(read, { workload, ...own, retries: config.retries }, `${workload}:${strategy.name}: the file names the settings as they are`);
    for (const other of ['holds', 'slots', 'tenants', 'buckets'].filter((key) => !(key in own))) {
      t.notOk(other in read, `${workload}:${strategy.name}: no ${other}`);
    }
  }
});
