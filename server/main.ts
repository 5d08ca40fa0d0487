// A server process forked by `evento run`, set up as EVENTO_SERVER_CONFIG says: it reports its port
// to the parent over IPC and exits when told to, or when the parent disappears (the IPC channel closes).
import { createPhaseRecorder, type EncodedPhases } from '../strategies/phases.js';
import { serverConfigFromEnvironment } from './config.js';
import { openServer } from './open.js';

export type ServerMessage = { type: 'listening'; port: number; pid: number } | { type: 'failed'; message: string; code?: string };

/** The answer to `phases`: the reservations' app-tier phases since the last such answer. */
export interface PhasesMessage {
  type: 'phases';
  phases: EncodedPhases;
}

/** What the harness tells a server: stop, or hand over (and start again) the phases recorded so far. */
export type HarnessMessage = 'stop' | 'phases';

const send = (message: ServerMessage | PhasesMessage) => process.send?.(message);

async function main() {
  const phases = createPhaseRecorder();
  const { port, close } = await openServer(serverConfigFromEnvironment(process.env), phases);
  let stopping = false;
  // An event handler's returned promise is dropped, so a failure to close the pool is reported here.
  const stop = () => {
    if (stopping) return;
    stopping = true;
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`evento server: closing the database pool failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  process.on('message', (message: HarnessMessage) => {
    if (message === 'stop') stop();
    if (message === 'phases') send({ type: 'phases', phases: phases.take() });
  });
  send({ type: 'listening', port, pid: process.pid });
}

main().catch((error: unknown) => {
  const { message, code } = error instanceof Error ? (error as NodeJS.ErrnoException) : { message: String(error), code: undefined };
  // Started without the IPC channel (by hand), nobody would hear of the failure but the terminal.
  if (process.send) send({ type: 'failed', message, code });
  else console.error(`evento server: ${message}`);
  process.exit(1);
});
