import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Reply } from './idempotency.js';
import { decisionFor, errorReply, send } from './replies.js';
import type { RoomRoutes } from './room-routes.js';

// One path segment as Express would match it, minus percent-encoding (Express decodes it).
const segment = '([^/?#%]+)';
const availablePath = new RegExp(`^/${segment}/available$`);
const reservePath = new RegExp(`^/${segment}/${segment}/reserve/${segment}(?:\\?(.*))?$`);

/** A body Express's JSON parser would read; an empty one (content-length 0) reads as no fields. */
const hasBody = (req: IncomingMessage) => req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';

/**
 * The two requests every simulated client sends, answered without Express: its per-request
 * machinery costs several times what the handler does (docs/performance.md). Only their
 * plain form is taken: GET /{event}/available with no query, and POST
 * /{event}/{hotel}/reserve/{strategy} with query parameters and no body, from an authorized
 * client. Everything else (other forms, other routes, errors) goes to Express, which answers
 * from the same route functions. Returns whether it took the request.
 */
export function fastPath(routes: RoomRoutes, authorized: (req: IncomingMessage) => boolean) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '';
    let answer: (() => Promise<Reply>) | undefined;
    if (req.method === 'GET') {
      const eventId = availablePath.exec(url)?.[1];
      if (eventId !== undefined) answer = () => routes.available(eventId);
    } else if (req.method === 'POST' && !hasBody(req)) {
      const match = reservePath.exec(url);
      if (match) {
        const [, eventId, hotelId, strategy, query] = match as unknown as [string, string, string, string, string | undefined];
        answer = () => routes.reserve({ eventId, hotelId, strategy }, parseQuery(query ?? ''), undefined, decisionFor(req.headers));
      }
    }
    if (!answer || !authorized(req)) return false;
    answer().then(
      (reply) => send(res, reply),
      (error: unknown) => send(res, errorReply(error)),
    );
    return true;
  };
}
