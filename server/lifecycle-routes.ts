import express, { Router } from 'express';
import { readReservation, transition, transitionWrittenBy } from '../strategies/hold-lifecycle.js';
import { reservationWrittenBy } from '../strategies/rooms.js';
import type { Sql } from '../db/connection.js';
import { startPhaseTimer } from '../strategies/phases.js';
import type { Idempotent } from './idempotency.js';
import { decisionFor, invalidRequest, replyTo, send } from './replies.js';
import type { ServedStrategies } from './served-strategies.js';
import { isUuid, parseHoldRequest, parseTransitionRequest } from './validate.js';

/** Holds and their lifecycle: place a hold (timed into `phases` when given), confirm or cancel it, read it with its history. */
export function lifecycleRoutes(
  sql: Sql,
  idempotent: Idempotent,
  json: express.RequestHandler,
  { registry, readPauseMs, batchMs, phases }: ServedStrategies,
) {
  const router = Router();

  router.post('/:eventId/:hotelId/hold/:strategy', json, async (req, res) => {
    const name = String(req.params.strategy);
    const strategy = registry.find(name);
    if (!strategy?.holds) {
      invalidRequest(res, `strategy "${name}" cannot place holds`, { strategies: registry.holdStrategies.map(({ name }) => name) });
      return;
    }
    const parsed = parseHoldRequest(req.params, req.query, req.body);
    if (!parsed.ok) {
      invalidRequest(res, parsed.detail);
      return;
    }
    const request = parsed.value;
    const decision = decisionFor(req.headers);
    // The hold as stored: with its expiry, set by the database's clock.
    const replyWith = async (id: string) => {
      const reservation = await readReservation(sql, id);
      if (!reservation) throw new Error(`hold ${id} was placed but cannot be read back`);
      return replyTo({ status: 'reserved', reservation }, 'event or hotel');
    };
    const timer = startPhaseTimer(phases);
    const reply = await idempotent(
      request.requestId,
      { route: 'hold', strategy: strategy.name, ...request },
      async () => {
        const outcome = await timer.strategy(sql, (db) => strategy.reserve(db, { ...request, decision, readPauseMs, batchMs }));
        return { ...(outcome.status === 'reserved' ? await replyWith(outcome.reservation.id) : replyTo(outcome, 'event or hotel')), decision };
      },
      async (requestId) => {
        const id = await reservationWrittenBy(sql, requestId);
        return id === undefined ? undefined : replyWith(id);
      },
    ).finally(() => timer.end());
    send(res, reply);
  });

  for (const [action, to] of [
    ['confirm', 'CONFIRMED'],
    ['cancel', 'CANCELLED'],
  ] as const) {
    router.post(`/reservations/:id/${action}`, json, async (req, res) => {
      const parsed = parseTransitionRequest(req.params, req.query, req.body);
      if (!parsed.ok) {
        invalidRequest(res, parsed.detail);
        return;
      }
      const { id, requestId } = parsed.value;
      const reply = await idempotent(
        requestId,
        { route: action, id },
        async () => replyTo(await transition(sql, id, to, `${action} requested`, requestId), 'reservation'),
        async (written) => {
          const outcome = await transitionWrittenBy(sql, written, to);
          return outcome && replyTo(outcome, 'reservation');
        },
      );
      send(res, reply);
    });
  }

  router.get('/reservations/:id', async (req, res) => {
    if (!isUuid(req.params.id)) {
      invalidRequest(res, 'the reservation id must be a uuid');
      return;
    }
    const reservation = await readReservation(sql, req.params.id.toLowerCase());
    if (reservation) res.json({ reservation });
    else send(res, replyTo({ status: 'not_found' }, 'reservation'));
  });

  return router;
}
