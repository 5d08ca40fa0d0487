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
 * Outcome of a request by its status (null: no response came). A write with no answer, or a 5xx,
 * may have been applied: `info`; a read that failed changed nothing: `fail`.
 */
export function operationType(status: number | null, write: boolean, okStatuses: readonly number[] = [200, 201]): OperationType {
  if (status !== null) {
    if (okStatuses.includes(status)) return 'ok';
    return status >= 500 && write ? 'info' : 'fail';
  }
  return write ? 'info' : 'fail';
}

/** What an operation's request says: its request_id and what it asked for. */
export type RequestFields = Pick<HistoryOp, 'request_id' | 'hotel_id' | 'rooms' | 'reservation_id' | 'resource_id' | 'start' | 'end'>;

/**
 * An operation as the client saw it, reduced to what its record needs, and made into a
 * `HistoryOp` once the run is over; every one has the same fields, in the same order. Its times
 * are kept apart, in an array of doubles, where they take no object of their own.
 */
interface Completed {
  client: number;
  server: number;
  op: OperationKind;
  request: RequestFields;
  /** The HTTP status, or null when no response came. */
  status: number | null;
  /** The `evento-decision` header as it came. */
  decision: string | undefined;
  /** A conflict's reason. */
  reason: string | undefined;
  /** A 422's rooms left. */
  available: number | undefined;
  /** The reservation or booking a claim made. */
  created: string | undefined;
  /** What an availability read listed, flat: hotel id, rooms left, hotel id, … */
  listed: unknown[] | undefined;
}

/** `body[key]` when the body is an object. */
const fieldOf = (body: unknown, key: string): unknown =>
  typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;

const stringOf = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** Which object of a 2xx body holds the id a claim made. */
const createdKey: Partial<Record<OperationKind, string>> = { reserve: 'reservation', hold: 'reservation', slot: 'booking' };

function historyOp(completed: Completed, invoke_ns: number, complete_ns: number): HistoryOp {
  const { client, server, op, request, status, decision, reason, available, created, listed } = completed;
  const type = operationType(status, op !== 'available', createdKey[op] ? [201] : [200]);
  const hotels: HistoryOp['hotels'] = [];
  for (let index = 0; listed && index < listed.length; index += 2) {
    hotels.push({ hotel_id: listed[index] as string, available: listed[index + 1] as number });
  }
  return {
    client,
    server,
    op,
    invoke_ns,
    complete_ns,
    type,
    status,
    ...(decision !== undefined && (JSON.parse(decision) as Decision)),
    ...(reason !== undefined && { reason }),
    ...(available !== undefined && { available }),
    ...request,
    ...(listed && { hotels }),
    ...(created !== undefined && { reservation_id: created }),
  };
}

/**
 * Every operation of a run, in the order they completed, on one clock started with the clients.
 * While the clients run, an operation is kept reduced to what its record needs, in one small
 * object of one shape (object spreads after other properties, which V8 runs slowly, closures
 * kept alive, and replies kept whole for the collector to copy and mark cost the clients' loop);
 * its record is built from it once the run is over.
 */
export function createHistory() {
  const completed: Completed[] = [];
  /** Each operation's invoke_ns then complete_ns. */
  const times: number[] = [];
  // The hotels' ids as first read: later reads list the same hotels, and keep no copies of their ids.
  const hotelIds = new Map<unknown, unknown>();
  const hotelId = (id: unknown) => {
    const known = hotelIds.get(id);
    if (known !== undefined) return known;
    hotelIds.set(id, id);
    return id;
  };
  /** An availability read's hotels, flat, with shared ids. */
  const listedOf = (body: unknown) => {
    if (!Array.isArray(body)) return undefined;
    // Sized at once: grown by push, its store would keep room for 17.
    const listed = new Array<unknown>(2 * body.length);
    body.forEach((hotel: unknown, index) => {
      listed[2 * index] = hotelId(fieldOf(hotel, 'hotel_id'));
      listed[2 * index + 1] = fieldOf(hotel, 'available');
    });
    return listed;
  };
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
      times.push(invoke_ns, now());
      const answer = typeof reply === 'object' ? reply : undefined;
      const status = answer ? answer.status : null;
      const body = answer?.body;
      const available = fieldOf(body, 'available');
      const key = createdKey[op];
      completed.push({
        client: caller.client,
        server: caller.server,
        op,
        request,
        status,
        decision: answer?.decision,
        reason: stringOf(fieldOf(body, 'reason')),
        available: status === 422 && typeof available === 'number' ? available : undefined,
        created: key && status !== null && status < 300 ? stringOf(fieldOf(fieldOf(body, key), 'id')) : undefined,
        listed: op === 'available' && status === 200 ? listedOf(body) : undefined,
      });
    },
    /** The records, built on the first call: after the run. */
    operations: (): HistoryOp[] => (operations ??= completed.map((op, index) => historyOp(op, times[2 * index] ?? 0, times[2 * index + 1] ?? 0))),
  };
}

export type History = ReturnType<typeof createHistory>;
