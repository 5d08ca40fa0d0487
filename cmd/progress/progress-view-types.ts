import type { RaceHooks } from '../../harness/model/race-hooks.js';

/** How a race shows its progress: the hooks it feeds, and the stop and the end. */
export interface ProgressView {
  hooks: RaceHooks;
  /** How often the view wants a tick; unset: the race's default. */
  tickMs?: number;
  /** The clients are being stopped (Ctrl-C, q); what was written is still audited. */
  stopping(): void;
  /** The race is over: leave the terminal ready for the table. */
  close(): Promise<void>;
}

/** The dashboard on a terminal with a person at it; plain lines for logs and CI; one JSON object per line for programs. */
export type ProgressChoice = 'dashboard' | 'lines' | 'json';
