import t from 'tap';
import { createHistory, type OperationKind, type Received, type RequestFields } from '../client-sim/history.js';
import type { Decision } from '../strategies/types.js';

// The history's records, without a server: crafted replies in, the NDJSON lines out, field by field and in order.

const answered = (status: number, body: unknown, decision?: Decision): Received => ({
  status,
  body,
  replayed: false,
  decision: decision && JSON.stringify(decision),
});

const decided: Decision = {
  read_available: 3,
  read_version: '41',
  read_xmin: '1200',
  began_us: '1700000000000000',
  txid: '1201',
  written_version: '42',
};
const reservation = { id: 'r-1', event_id: 'e-1', hotel_id: 'h-1', rooms: 2, email: 'a@example.com', status: 'RESERVED' };
const listed = [
  { hotel_id: 'h-1', available: 5 },
  { hotel_id: 'h-2', available: 1 },
];

const cases: { op: OperationKind; request: RequestFields; reply: Received; record: object }[] = [
  {
    op: 'available',
    request: { request_id: null },
    reply: answered(200, listed),
    record: { type: 'ok', status: 200, request_id: null, hotels: listed },
  },
  {
    op: 'available',
    request: { request_id: null },
    reply: answered(200, []),
    record: { type: 'ok', status: 200, request_id: null, hotels: [] },
  },
  {
    op: 'available',
    request: { request_id: null },
    reply: answered(404, { error: 'not_found', detail: 'no such event' }),
    record: { type: 'fail', status: 404, request_id: null },
  },
  { op: 'available', request: { request_id: null }, reply: undefined, record: { type: 'fail', status: null, request_id: null } },
  {
    op: 'reserve',
    request: { request_id: 'q-1', hotel_id: 'h-1', rooms: 2 },
    reply: answered(201, { reservation }, decided),
    record: { type: 'ok', status: 201, ...decided, request_id: 'q-1', hotel_id: 'h-1', rooms: 2, reservation_id: 'r-1' },
  },
  {
    op: 'reserve',
    request: { request_id: 'q-2', hotel_id: 'h-1', rooms: 2 },
    reply: answered(409, { error: 'conflict', reason: 'version_conflict', retryable: true }, { read_available: 3, read_version: '41' }),
    record: {
      type: 'fail',
      status: 409,
      read_available: 3,
      read_version: '41',
      reason: 'version_conflict',
      request_id: 'q-2',
      hotel_id: 'h-1',
      rooms: 2,
    },
  },
  {
    op: 'reserve',
    request: { request_id: 'q-3', hotel_id: 'h-2', rooms: 4 },
    reply: answered(422, { error: 'insufficient_rooms', available: 1 }, { read_available: 1 }),
    record: { type: 'fail', status: 422, read_available: 1, available: 1, request_id: 'q-3', hotel_id: 'h-2', rooms: 4 },
  },
  {
    op: 'reserve',
    request: { request_id: 'q-4', hotel_id: 'h-2', rooms: 1 },
    reply: 'unanswered',
    record: { type: 'info', status: null, request_id: 'q-4', hotel_id: 'h-2', rooms: 1 },
  },
  {
    op: 'hold',
    request: { request_id: 'q-5', hotel_id: 'h-1', rooms: 1 },
    reply: answered(503, { error: 'unavailable', detail: 'database unreachable' }),
    record: { type: 'info', status: 503, request_id: 'q-5', hotel_id: 'h-1', rooms: 1 },
  },
  {
    op: 'hold',
    request: { request_id: 'q-6', hotel_id: 'h-1', rooms: 1 },
    reply: answered(201, { reservation: { ...reservation, id: 'r-2', status: 'HELD' } }, { txid: '1300' }),
    record: { type: 'ok', status: 201, txid: '1300', request_id: 'q-6', hotel_id: 'h-1', rooms: 1, reservation_id: 'r-2' },
  },
  {
    op: 'confirm',
    request: { request_id: 'q-7', reservation_id: 'r-2' },
    reply: answered(200, { reservation: { ...reservation, id: 'r-2', status: 'CONFIRMED' } }, { txid: '1301' }),
    record: { type: 'ok', status: 200, txid: '1301', request_id: 'q-7', reservation_id: 'r-2' },
  },
  {
    op: 'cancel',
    request: { request_id: null, reservation_id: 'r-2' },
    reply: answered(409, { error: 'conflict', reason: 'not_held' }),
    record: { type: 'fail', status: 409, reason: 'not_held', request_id: null, reservation_id: 'r-2' },
  },
  {
    op: 'slot',
    request: { request_id: 'q-8', resource_id: 's-1', start: '2030-01-01T10:00:00Z', end: '2030-01-01T11:00:00Z' },
    reply: answered(201, { booking: { id: 'b-1', resource_id: 's-1' } }, { read_available: 1, txid: '1400' }),
    record: {
      type: 'ok',
      status: 201,
      read_available: 1,
      txid: '1400',
      request_id: 'q-8',
      resource_id: 's-1',
      start: '2030-01-01T10:00:00Z',
      end: '2030-01-01T11:00:00Z',
      reservation_id: 'b-1',
    },
  },
  {
    op: 'slot',
    request: { request_id: 'q-9', resource_id: 's-1', start: '2030-01-01T10:30:00Z', end: '2030-01-01T11:30:00Z' },
    reply: answered(409, { error: 'conflict', reason: 'slot_taken' }, { read_available: 0 }),
    record: {
      type: 'fail',
      status: 409,
      read_available: 0,
      reason: 'slot_taken',
      request_id: 'q-9',
      resource_id: 's-1',
      start: '2030-01-01T10:30:00Z',
      end: '2030-01-01T11:30:00Z',
    },
  },
];

t.test('each recorded operation becomes its NDJSON line: every field, in order', async (t) => {
  const history = createHistory();
  history.start();
  cases.forEach(({ op, request, reply }, index) => {
    history.record({ client: index, server: index % 2 }, op, 1000 + index, request, reply);
  });
  const operations = history.operations();
  t.ok(
    operations.every((operation) => operation.complete_ns >= 0),
    "each completed on the history's clock",
  );
  // The completion time is the clock's; set in place, it keeps its position in the line.
  const lines = operations.map((operation) => JSON.stringify({ ...operation, complete_ns: 0 }));
  const expected = cases.map(({ op, record }, index) =>
    JSON.stringify({ client: index, server: index % 2, op, invoke_ns: 1000 + index, complete_ns: 0, ...record }),
  );
  t.same(lines, expected);
});
