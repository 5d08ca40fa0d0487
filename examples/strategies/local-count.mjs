// An unsafe strategy, for the audit to catch: each server process reads a hotel's rooms once, then
// counts its own sales down in memory. Right with one server; with several, each sells every room.

/** Rooms left per event and hotel, as this server process believes. @type {Map<string, number>} */
const left = new Map();

/** @type {import('evento').Strategy} */
export default {
  name: 'local-count',
  summary: 'reads the rooms once per server process, then counts down in memory: safe with one server, overbooks with several',
  promisesSafety: false,
  // Its check is a count in memory, apart from the transaction that writes.
  anomaly: 'statements-apart',
  async reserve(sql, { eventId, hotelId, rooms, email, requestId }) {
    const [row] = await sql`
      select id, contracted - (reserved + locked) as available
      from event_hotel_rooms
      where event_id = ${eventId} and hotel_id = ${hotelId}
    `;
    if (!row) return { status: 'not_found' };
    const key = `${eventId}/${hotelId}`;
    const available = left.get(key) ?? row.available;
    if (available < rooms) return { status: 'insufficient', available };
    left.set(key, available - rooms);
    const [{ id }] = await sql
      .begin((tx) => [
        tx`update event_hotel_rooms set reserved = reserved + ${rooms}, version = version + 1, updated_at = now() where id = ${row.id}`,
        tx`
        insert into reservations (id, event_hotel_rooms_id, email, number_of_rooms, status, request_id, created_at)
        values (gen_random_uuid(), ${row.id}, ${email}, ${rooms}, 'CONFIRMED', ${requestId}, now())
        returning id
      `,
      ])
      .then(([, inserted]) => inserted);
    return { status: 'reserved', reservation: { id, event_id: eventId, hotel_id: hotelId, rooms, email, status: 'CONFIRMED' } };
  },
};
