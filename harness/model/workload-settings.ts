import * as v from 'valibot';
import { UsageError } from './errors.js';

const whole = v.pipe(v.number(), v.integer(), v.minValue(1));
const share = v.pipe(v.number(), v.minValue(0), v.maxValue(1));

/**
 * A workload's own settings, declared once in the names the result file gives them: the flags
 * build them, the race seeds and drives its runs by them, and a run's `params` holds them as they
 * were used. A result file reads them with `settingsEntries` (harness/model/result-schema.ts).
 */
export const settingsEntries = {
  holds: {
    /** Shares of holds confirmed and cancelled; the rest are abandoned to the sweeper. */
    confirm_ratio: share,
    cancel_ratio: share,
    hold_ttl_ms: whole,
    /** How often the sweeper expires lapsed holds while the clients run. */
    sweep_ms: whole,
  },
  slots: {
    resources: whole,
    /** Whole hours that windows may start in; windows are 1 to 4 hours long. */
    hours: whole,
    /** Bookings each client tries. */
    attempts: whole,
  },
  tenants: {
    tenants: whole,
    /** The locking strategy each tenant's reservation goes through. */
    lock: v.pipe(v.string(), v.nonEmpty()),
  },
} as const;

/**
 * Lost responses and the resends they cause: every workload's alike, so a run's setting rather
 * than a workload's, declared here the same way (`params.retries`).
 */
export const retryEntries = {
  /** Clients give up on a response after this long and resend; null: they wait for it. */
  client_timeout_ms: v.nullable(whole),
  /** Share of responses lost on the way back; the client resends the same request. */
  drop_responses: share,
  /** Whether the servers answer a resent request_id from their record (off: they run it again). */
  idempotency: v.boolean(),
};
export type RetrySettings = v.InferOutput<v.StrictObjectSchema<typeof retryEntries, undefined>>;

/** Bucket rows per hotel for a strategy that keeps its rooms in buckets (--buckets). */
export const bucketsSetting = whole;

const holds = v.pipe(
  v.strictObject(settingsEntries.holds),
  v.check(
    ({ confirm_ratio, cancel_ratio }) => confirm_ratio + cancel_ratio <= 1,
    ({ input }) => `--confirm-ratio ${String(input.confirm_ratio)} and --cancel-ratio ${String(input.cancel_ratio)} add up to more than 1`,
  ),
);
const slots = v.strictObject(settingsEntries.slots);
const tenants = v.strictObject(settingsEntries.tenants);

export type HoldSettings = v.InferOutput<typeof holds>;
export type SlotSettings = v.InferOutput<typeof slots>;
export type TenantSettings = v.InferOutput<typeof tenants>;

// A hold must outlive a confirmation's round trip under load, or most confirmations come too late.
export const defaultHoldSettings: HoldSettings = { confirm_ratio: 0.6, cancel_ratio: 0.2, hold_ttl_ms: 1000, sweep_ms: 100 };
export const defaultSlotSettings: SlotSettings = { resources: 3, hours: 24, attempts: 10 };
export const defaultTenantSettings: TenantSettings = { tenants: 4, lock: 'pessimistic' };

/**
 * What the clients do to the database, beside which strategy they go through: `rooms` (reserve
 * until sold out), `holds` (hold, then confirm, cancel or abandon), `slots` (book time windows)
 * and `tenants` (reserve and read back as one of several tenants, behind row-level security).
 */
export const workloadNames = ['rooms', 'holds', 'slots', 'tenants'] as const;
export type WorkloadName = (typeof workloadNames)[number];

/** One workload's settings, each workload's its own, their defaults filled in. */
const workloadSettingsSchema = v.variant('workload', [
  /** `buckets` only where the run's strategy keeps its rooms in buckets. */
  v.strictObject({ workload: v.literal('rooms'), buckets: v.optional(bucketsSetting) }),
  v.strictObject({ workload: v.literal('holds'), holds: v.optional(holds, defaultHoldSettings) }),
  v.strictObject({ workload: v.literal('slots'), slots: v.optional(slots, defaultSlotSettings) }),
  v.strictObject({ workload: v.literal('tenants'), tenants: v.optional(tenants, defaultTenantSettings) }),
] satisfies { entries: { workload: v.LiteralSchema<WorkloadName, undefined> } }[]);

export type WorkloadSettings = v.InferOutput<typeof workloadSettingsSchema>;
export type WorkloadSettingsInput = v.InferInput<typeof workloadSettingsSchema>;
/** The settings of workload `W`. */
export type SettingsOf<W extends WorkloadName> = Extract<WorkloadSettings, { workload: W }>;

/** What each workload's settings hold beside its name, for the refusal of another's. */
const ownKeys = (workload: WorkloadName) => {
  const option = workloadSettingsSchema.options.find((each) => each.entries.workload.literal === workload);
  return option ? Object.keys(option.entries).filter((key) => key !== 'workload') : [];
};

/** A refusal in one line: an unknown workload, a setting of another workload, or the field at fault and why. */
function refusal(given: unknown, issue: v.BaseIssue<unknown>): string {
  const workload = workloadNames.find((name) => name === given);
  if (!workload) return `workload: expected one of ${workloadNames.join(', ')}, got ${given === undefined ? 'nothing' : JSON.stringify(given)}`;
  const [step, ...deeper] = issue.path ?? [];
  if (issue.type === 'strict_object' && step && deeper.length === 0) {
    const own = ownKeys(workload);
    return `the ${workload} workload takes no ${String(step.key)} settings; its own: ${own.length > 0 ? own.join(', ') : 'none'}`;
  }
  return `${v.getDotPath(issue) ?? workload}: ${issue.message}`;
}

/** `input` as one workload's settings, defaults filled in; a usage error in one line when it mixes workloads or a value is out of range. */
export function workloadSettings(input: WorkloadSettingsInput | Record<string, unknown>): WorkloadSettings {
  const parsed = v.safeParse(workloadSettingsSchema, input, { abortEarly: true });
  if (!parsed.success) throw new UsageError(refusal(input.workload, parsed.issues[0]));
  return parsed.output;
}
