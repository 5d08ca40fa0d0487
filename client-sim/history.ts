import type { Decision } from '../strategies/types.js';
import type { Delivered } from './http-call.js';

/** What a client did: list availability, claim rooms (reserve or hold), settle a hold, or book a slot. */
export type OperationKind = 'available' | 'reserve' | 'hold' | 'confirm' | 'cancel' | 'slot';

/** Jepsen's outcomes: `ok` applied, `fail` certainly not applied, `info` not known either way. */
export type OperationType = 'ok' | 'fail' | 'info';

/**
 * One completed operation, one line of `<result>.history.ndjson` (docs/histories.md). Times are
 * nanoseconds since the clients started, by the client process's one monotonic clock. The
 * decision's fields come from the server (`evento-decision`); `committed_us` and
 * `read_committed_us` are looked up after the run.
 */
export interface HistoryOp extends Decision {
  client: number;
  server: number;
  op: OperationKind;
  invoke_ns: number;
  complete_ns: number;
  type: OperationType;
  request_id: string | null;
  /** The HTTP status, or null when no response came. */
  status: number | null;
  hotel_id?: string;
  rooms?: number;
  /** The reservation made (reserve, hold) or moved (confirm, cancel); the booking made (slot). */
  reservation_id?: string;
  resource_id?: string;
  start?: string;
  end?: string;
  /** A 409's reason, or a 422's rooms left. */
  reason?: string;
  available?: number;
  /** What an availability read listed. */
  hotels?: { hotel_id: string; available: number }[];
  /** When the writing transaction committed (txid), and the one whose row version was read (read_xmin), in µs since the epoch by the database's clock. */
  committed_us?: number | null;
  read_committed_us?: number | null;
}

/** What came back for one request: a response, none though it may have been applied, or none at all. */
export type Received = Delivered | 'unanswered' | undefined;

/**
 * Outcome of a request by what came back. A write with no answer, or a 5xx, may have been
 * applied: `info`; a read that failed changed nothing: `fail`.
 */
export function operationType(reply: Received, write: boolean, okStatuses: readonly number[] = [200, 201]): OperationType {
  if (typeof reply === 'object') {
    if (okStatuses.includes(reply.status)) return 'ok';
    return reply.status >= 500 && write ? 'info' : 'fail';
  }
  return write ? 'info' : 'fail';
}

/** The fields of a reply a history keeps: status, the server's decision, a conflict's reason, a 422's rooms left. */
export function answerOf(reply: Received): Pick<HistoryOp, 'status' | 'reason' | 'available'> & Decision {
  if (typeof reply !== 'object') return { status: null };
  const body = (typeof reply.body === 'object' && reply.body !== null ? reply.body : {}) as { reason?: unknown; available?: unknown };
  return {
    status: reply.status,
    ...reply.decision,
    ...(typeof body.reason === 'string' && { reason: body.reason }),
    ...(typeof body.available === 'number' && reply.status === 422 && { available: body.available }),
  };
}

/** What an operation's request says: its request_id and what it asked for. */
export type RequestFields = Pick<HistoryOp, 'request_id' | 'hotel_id' | 'rooms' | 'reservation_id' | 'resource_id' | 'start' | 'end'>;

/** An operation as the client saw it, made into a `HistoryOp` once the run is over. */
interface Completed {
  client: number;
  server: number;
  op: OperationKind;
  invoke_ns: number;
  complete_ns: number;
  request: RequestFields;
  reply: Received;
}

/** A field of a 2xx body's object (`reservation`, `booking`), when there is one. */
function createdId(reply: Received, key: 'reservation' | 'booking') {
  if (typeof reply !== 'object' || reply.status >= 300) return {};
  const created = (reply.body as Record<string, { id?: unknown } | undefined>)[key];
  return typeof created?.id === 'string' ? { reservation_id: created.id } : {};
}

/** What the reply adds to the request: the hotels a read listed, the reservation or booking a claim made. */
function replied(op: OperationKind, reply: Received): Partial<HistoryOp> {
  if (op === 'available') return typeof reply === 'object' && reply.status === 200 ? { hotels: reply.body as HistoryOp['hotels'] } : {};
  if (op === 'reserve' || op === 'hold') return createdId(reply, 'reservation');
  return op === 'slot' ? createdId(reply, 'booking') : {};
}

function historyOp({ client, server, op, invoke_ns, complete_ns, request, reply }: Completed): HistoryOp {
  const ok = op === 'reserve' || op === 'hold' || op === 'slot' ? [201] : [200];
  const type = operationType(reply, op !== 'available', ok);
  return { client, server, op, invoke_ns, complete_ns, type, ...answerOf(reply), ...request, ...replied(op, reply) };
}

/**
 * Every operation of a run, in the order they completed, on one clock started with the clients.
 * While the clients run, an operation is kept as it came, in one small object of one shape
 * (object spreads after other properties, which V8 runs slowly, and closures kept alive cost
 * the clients' loop); its record is built from it once the run is over.
 */
export function createHistory() {
  const completed: Completed[] = [];
  let operations: HistoryOp[] | undefined;
  let origin = process.hrtime.bigint();
  const now = () => Number(process.hrtime.bigint() - origin);
  return {
    /** The clock's zero: when the clients start. */
    start() {
      origin = process.hrtime.bigint();
    },
    now,
    /** An operation sent at `invoke_ns` that has just completed with `reply`. */
    record(caller: { client: number; server: number }, op: OperationKind, invoke_ns: number, request: RequestFields, reply: Received) {
      completed.push({ client: caller.client, server: caller.server, op, invoke_ns, complete_ns: now(), request, reply });
    },
    /** The records, built on the first call: after the run. */
    operations: (): HistoryOp[] => (operations ??= completed.map(historyOp)),
  };
}

export type History = ReturnType<typeof createHistory>;
