import type { Delivered, DirectServers, RouteReply, Transport } from './transport.js';

/** Rejects when `patience` aborts first: the client stops waiting, though the call runs on, as a request on the wire would. */
function untilAborted<T>(answer: Promise<T>, patience: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const giveUp = () => reject(new Error('the client stopped waiting'));
    if (patience.aborted) giveUp();
    patience.addEventListener('abort', giveUp, { once: true });
    answer.then(resolve, reject).finally(() => patience.removeEventListener('abort', giveUp));
  });
}

/** A route's reply as an HTTP client reads it: the decision as the header's JSON text. */
const delivered = ({ status, body, replayed, decision }: RouteReply): Delivered => ({
  status,
  body,
  replayed: replayed === true,
  decision: decision && JSON.stringify(decision),
});

/**
 * The servers' routes called in this process (--via direct): the database's cost without the app
 * tier. A JSON body reaches the route as a server would parse it.
 */
export function directTransport(direct: DirectServers): Transport {
  return {
    ready: () => undefined,
    send(server, method, path, headers, json, patience) {
      const body: unknown = json && JSON.parse(JSON.stringify(json));
      const answer = direct.request(server % direct.count, method, path, body, headers);
      return (patience ? untilAborted(answer, patience) : answer).then(delivered);
    },
    openConnections: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
