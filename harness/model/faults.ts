/**
 * Faults injected while the clients run (`--chaos`): `kill-server` SIGKILLs a server process,
 * which the fleet replaces on a new port; `kill-backends` terminates some of the servers'
 * database connections; `slow-db` makes every read a strategy decides on sleep in the database
 * (set when the servers start, see strategies/rooms.ts).
 */
export const chaosFaults = ['kill-server', 'kill-backends', 'slow-db'] as const;

export type ChaosFault = (typeof chaosFaults)[number];

/** The faults of a run. */
export interface ChaosConfig {
  faults: ChaosFault[];
  /** Mean time between kills (kill-server, kill-backends); each comes after everyMs/2 to 3·everyMs/2. */
  everyMs: number;
  /** slow-db: the pause after each read; unset without slow-db. */
  latencyMs?: number;
}

/** What the faults did to a run and how the writes they left in doubt turned out. */
export interface ChaosOutcome {
  servers_killed: number;
  backends_terminated: number;
  /** Server processes that died without being killed: a server that cannot take a fault. */
  server_crashes: number;
  /** Writes (claims, confirms and cancels, bookings) that got no answer or a 5xx: applied or not, their clients cannot know. */
  indeterminate: number;
  /** Of those, the ones the tables hold. */
  indeterminate_committed: number;
  /** Writes in the tables that neither an answer nor an indeterminate request explains. */
  unaccounted: number;
  /** Writes answered as done that the tables do not hold. */
  lost: number;
  /**
   * Request ids of the run still claimed and unanswered once the database settled and a lease
   * passed: a resend of one would still be told request_in_progress. A dead server's claims lapse.
   */
  stuck: number;
}
