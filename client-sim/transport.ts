/** A response that reached the client. */
export interface Delivered {
  status: number;
  body: unknown;
  /** The server answered from its idempotency record: a duplicate prevented. */
  replayed: boolean;
  /** What the server's strategy decided on, when the request asked for it (a history): the header's JSON text, parsed once the run is over. */
  decision?: string;
}

/**
 * Where the clients' requests go: over HTTP to the server processes, or to the servers' routes
 * called in this process (--via direct). Either way, a request is answered as a server answers it.
 */
export interface Transport {
  /** Pending while server `server` cannot take requests (it is being replaced); undefined when it can. */
  ready(server: number): Promise<void> | undefined;
  /** Sends one request to server `server`; `patience` aborts the wait for its answer. */
  send(server: number, method: 'GET' | 'POST', path: string, headers: Record<string, string>, json?: object, patience?: AbortSignal): Promise<Delivered>;
  /** Opens what the clients will use before they start, so that their phase measures requests. */
  openConnections(clients: number): Promise<void>;
  close(): Promise<void>;
}

/** What a server's route answers (server/idempotency.ts `Reply`), as the direct path is given it. */
export interface RouteReply {
  status: number;
  body: object;
  replayed?: boolean;
  decision?: object;
}

/**
 * The servers' routes, called in this process instead of over HTTP (--via direct): each of
 * `count` servers has its own database pool, as a server process does.
 */
export interface DirectServers {
  count: number;
  /** Server `server`'s reply to a request, as its routes make it; `body` is the parsed JSON body, if any. */
  request(server: number, method: 'GET' | 'POST', path: string, body: unknown, headers: Record<string, string>): Promise<RouteReply>;
}
