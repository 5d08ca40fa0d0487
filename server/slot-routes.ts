import { once } from 'node:events';
import express, { Router } from 'express';
import { findSlotStrategy, slotStrategyNames } from '../strategies/registry.js';
import { bookingWrittenBy, queryBookings } from '../strategies/slots.js';
import type { Sql } from '../db/connection.js';
import { startPhaseTimer, type PhaseRecorder } from '../strategies/phases.js';
import type { Idempotent } from './idempotency.js';
import { decisionFor, invalidRequest, replyTo, send } from './replies.js';
import { parseSlotQuery, parseSlotRequest } from './validate.js';

/** Time slots: book a window on a resource through a slot strategy (timed into `phases` when given); stream bookings as NDJSON. */
export function slotRoutes(sql: Sql, idempotent: Idempotent, json: express.RequestHandler, phases?: PhaseRecorder) {
  const router = Router();

  router.post('/slots/:strategy', json, async (req, res) => {
    const name = String(req.params.strategy);
    const strategy = findSlotStrategy(name);
    if (!strategy) {
      invalidRequest(res, `unknown slot strategy "${name}"`, { strategies: slotStrategyNames });
      return;
    }
    const parsed = parseSlotRequest(req.query, req.body);
    if (!parsed.ok) {
      invalidRequest(res, parsed.detail);
      return;
    }
    const request = parsed.value;
    const decision = decisionFor(req.headers);
    const timer = startPhaseTimer(phases);
    const reply = await idempotent(
      request.requestId,
      { route: 'slots', strategy: strategy.name, ...request },
      async () => ({ ...replyTo(await timer.strategy(sql, (db) => strategy.book(db, { ...request, decision })), 'resource'), decision }),
      async (requestId) => {
        const booking = await bookingWrittenBy(sql, requestId);
        return booking && replyTo({ status: 'booked', booking }, 'resource');
      },
    ).finally(() => timer.end());
    send(res, reply);
  });

  router.get('/slots', async (req, res) => {
    const parsed = parseSlotQuery(req.query);
    if (!parsed.ok) {
      invalidRequest(res, parsed.detail);
      return;
    }
    try {
      for await (const rows of queryBookings(sql, parsed.value).cursor(200)) {
        if (!res.headersSent) res.status(200).type('application/x-ndjson');
        // A reader that went away ends the query (leaving the loop closes the cursor).
        if (res.destroyed) break;
        if (!res.write(rows.map((row) => `${JSON.stringify(row)}\n`).join(''))) {
          await Promise.race([once(res, 'drain'), once(res, 'close')]);
        }
      }
    } catch (error) {
      // Before the first line the error handler can still answer; after it, only a cut stream says so.
      if (!res.headersSent) throw error;
      res.destroy(error as Error);
      return;
    }
    if (!res.headersSent) res.status(200).type('application/x-ndjson');
    res.end();
  });

  return router;
}
