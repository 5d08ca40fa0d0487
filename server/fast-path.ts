import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Sql } from '../db/connection.js';
import { decisionFor, errorReply, send } from './replies.js';
import type { RoomRoutes } from './room-routes.js';

// One path segment as Express would match it, minus percent-encoding (Express decodes it).
const segment = '([^/?#%]+)';
const availablePath = new RegExp(`^/${segment}/available$`);
const reservePath = new RegExp(`^/${segment}/${segment}/reserve/${segment}(?:\\?(.*))?$`);

/** A body Express's JSON parser would read; an empty one (content-length 0) reads as no fields. */
const hasBody = (req: IncomingMessage) => req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';

/**
 * The answer to the two requests every simulated client sends, in their plain form: GET
 * /{event}/available with no query, and POST /{event}/{hotel}/reserve/{strategy} with query
 * parameters and `body` (parsed JSON) if any; undefined for any other request. The fast path and
 * the direct path (--via direct) both route by it.
 */
export function roomRequest(
  routes: RoomRoutes,
  method: string | undefined,
  url: string,
  body: unknown,
  headers: Record<string, string | string[] | undefined>,
) {
  if (method === 'GET') {
    const eventId = availablePath.exec(url)?.[1];
    return eventId === undefined ? undefined : () => routes.available(eventId);
  }
  const match = method === 'POST' ? reservePath.exec(url) : null;
  if (!match) return undefined;
  const [, eventId, hotelId, strategy, query] = match as unknown as [string, string, string, string, string | undefined];
  return () => routes.reserve({ eventId, hotelId, strategy }, parseQuery(query ?? ''), body, decisionFor(headers));
}

/** GET /health's answer on either path: 200 once the pool answers; a failure becomes a 503 by errorReply. */
export async function healthReply(sql: Sql) {
  await sql`select 1`;
  return { status: 200, body: { ok: true } };
}

/**
 * The two requests every simulated client sends, and /health, which it sends first, answered
 * without Express: its per-request machinery costs several times what the handler does
 * (docs/performance.md), and loading it a server's start. Only their plain form (roomRequest)
 * without a body is taken, from an authorized client (/health from anyone). Everything else
 * (other forms, other routes, errors) goes to Express, which answers from the same route
 * functions. Returns whether it took the request.
 */
export function fastPath(sql: Sql, routes: RoomRoutes, authorized: (req: IncomingMessage) => boolean) {
  const health = () => healthReply(sql);
  const answerTo = (req: IncomingMessage) => {
    if (req.method === 'GET' && req.url === '/health') return health;
    const answer = req.method === 'POST' && hasBody(req) ? undefined : roomRequest(routes, req.method, req.url ?? '', undefined, req.headers);
    return answer && authorized(req) ? answer : undefined;
  };
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const answer = answerTo(req);
    if (!answer) return false;
    answer().then(
      (reply) => send(res, reply),
      (error: unknown) => send(res, errorReply(error)),
    );
    return true;
  };
}
