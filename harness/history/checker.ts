import type { HistoryOp } from '../../client-sim/history.js';
import { at } from '../../lib/at.js';
import type { CheckAnomaly, CheckResult, ReadsSkipped } from '../model/history-findings.js';
import type { HistoryTables } from './history-tables.js';

/** Anomalies kept in full, of each kind; `anomalies_by_kind` counts them all. */
const anomaliesKeptPerKind = 20;

const isClaim = (op: HistoryOp) => op.op === 'reserve' || op.op === 'hold';

/** Sums of rooms in time order, to answer "how many rooms up to time t" by binary search. */
function cumulative(points: { at: number; rooms: number }[]) {
  const sorted = [...points].sort((a, b) => a.at - b.at);
  const times = sorted.map((point) => point.at);
  const sums: number[] = [];
  sorted.reduce((sum, point) => {
    sums.push(sum + point.rooms);
    return sum + point.rooms;
  }, 0);
  /** Rooms of the points strictly before `t`. */
  return (t: number) => {
    let low = 0;
    let high = times.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (at(times, middle) < t) low = middle + 1;
      else high = middle;
    }
    return low === 0 ? 0 : at(sums, low - 1);
  };
}

/**
 * Jepsen's counter checker for availability: rooms only go, so every read of a hotel must lie
 * between `contracted - attempted` (every claim sent before the read ended that may have
 * applied: ok or info) and `contracted - acknowledged` (every claim answered 201 before the read
 * began). A hotel left out of a listing was read as sold out (available <= 0).
 */
function checkReads(operations: HistoryOp[], contracted: Map<string, number>): { checked: number; anomalies: CheckAnomaly[] } {
  const claims = operations.filter((op) => isClaim(op) && op.type !== 'fail' && op.hotel_id !== undefined);
  const bounds = [...contracted].map(([hotel, total]) => {
    const here = claims.filter((op) => op.hotel_id === hotel);
    const acknowledged = cumulative(here.filter((op) => op.type === 'ok').map((op) => ({ at: op.complete_ns, rooms: op.rooms ?? 0 })));
    const attempted = cumulative(here.map((op) => ({ at: op.invoke_ns, rooms: op.rooms ?? 0 })));
    return { hotel, total, acknowledged, attempted };
  });
  const anomalies: CheckAnomaly[] = [];
  let checked = 0;
  operations.forEach((read, index) => {
    if (read.op !== 'available' || read.type !== 'ok' || !read.hotels) return;
    const listed = new Map(read.hotels.map((hotel) => [hotel.hotel_id, hotel.available]));
    for (const { hotel, total, acknowledged, attempted } of bounds) {
      const upper = total - acknowledged(read.invoke_ns);
      const lower = total - attempted(read.complete_ns);
      const seen = listed.get(hotel);
      checked += 1;
      if (seen !== undefined && seen > upper) {
        anomalies.push({
          kind: 'stale_read',
          place: hotel,
          operation: index,
          client: read.client,
          read: seen,
          bound: upper,
        });
      } else if ((seen ?? 0) < lower || (seen === undefined && lower > 0)) {
        anomalies.push({
          kind: 'impossible_read',
          place: hotel,
          operation: index,
          client: read.client,
          read: seen ?? null,
          bound: lower,
        });
      }
    }
  });
  return { checked, anomalies };
}

/**
 * Every 201 is in the tables; every row in the tables is explained by a 201 (its id), or by a
 * request whose outcome the client could not know (its request_id, or, for a row without one,
 * one of as many unanswered claims without one at the same place).
 */
function checkWrites(operations: HistoryOp[], tables: HistoryTables): { acknowledged: number; anomalies: CheckAnomaly[] } {
  const rows = new Set(tables.rows.map((row) => row.id));
  const anomalies: CheckAnomaly[] = [];
  const created = operations.filter(
    (op): op is HistoryOp & { reservation_id: string } => (isClaim(op) || op.op === 'slot') && op.type === 'ok' && op.reservation_id !== undefined,
  );
  created.forEach((op) => {
    if (!rows.has(op.reservation_id)) {
      anomalies.push({
        kind: 'lost_write',
        place: op.hotel_id ?? op.resource_id ?? '',
        operation: operations.indexOf(op),
        client: op.client,
        row: op.reservation_id,
      });
    }
  });
  const acknowledgedIds = new Set(created.map((op) => op.reservation_id));
  const unknown = operations.filter((op) => (isClaim(op) || op.op === 'slot') && op.type === 'info');
  const unknownIds = new Set(unknown.flatMap((op) => (op.request_id === null ? [] : [op.request_id])));
  // Unanswered claims without a request_id, per place: each may explain one row without one.
  const anonymous = new Map<string, number>();
  for (const op of unknown) {
    const place = op.hotel_id ?? op.resource_id ?? '';
    if (op.request_id === null) anonymous.set(place, (anonymous.get(place) ?? 0) + 1);
  }
  for (const row of tables.rows) {
    if (acknowledgedIds.has(row.id) || (row.request_id !== null && unknownIds.has(row.request_id))) continue;
    const spare = anonymous.get(row.place) ?? 0;
    if (row.request_id === null && spare > 0) {
      anonymous.set(row.place, spare - 1);
      continue;
    }
    anomalies.push({
      kind: 'unexplained_write',
      place: row.place,
      row: row.id,
      request_id: row.request_id,
      xmin: row.xmin,
    });
  }
  return { acknowledged: created.length, anomalies };
}

/** Checks a history against the tables, independently of the audit; `skipReads` says why reads are not checked, when they are not. */
export function checkHistory(input: {
  operations: HistoryOp[];
  tables: HistoryTables;
  contracted: Map<string, number>;
  skipReads?: ReadsSkipped;
}): CheckResult {
  const reads = input.skipReads === undefined ? checkReads(input.operations, input.contracted) : { checked: 0, anomalies: [] };
  const writes = checkWrites(input.operations, input.tables);
  const anomalies = [...reads.anomalies, ...writes.anomalies];
  const byKind: CheckResult['anomalies_by_kind'] = {};
  const kept = anomalies.filter((anomaly) => {
    byKind[anomaly.kind] = (byKind[anomaly.kind] ?? 0) + 1;
    return (byKind[anomaly.kind] ?? 0) <= anomaliesKeptPerKind;
  });
  return {
    valid: anomalies.length === 0,
    reads_checked: reads.checked,
    acknowledged_checked: writes.acknowledged,
    rows_checked: input.tables.rows.length,
    ...(input.skipReads !== undefined && { reads_skipped: input.skipReads }),
    anomaly_count: anomalies.length,
    anomalies_by_kind: byKind,
    anomalies: kept,
  };
}
