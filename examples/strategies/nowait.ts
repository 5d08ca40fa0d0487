// A safe strategy that no built-in is: lock the hotel's row with FOR UPDATE NOWAIT, so that a request
// finding it locked loses at once (409, the client retries) instead of queueing behind the holder.
import type { ReserveOutcome, Strategy } from 'evento';

const nowait: Strategy = {
  name: 'nowait',
  summary: 'SELECT … FOR UPDATE NOWAIT on the event-hotel row, then check, update and insert; a locked row is a 409 at once',
  promisesSafety: true,
  safeguard: { mechanism: 'locked rows retried', by: 'conflict', reason: 'lock_timeout' },
  async reserve(sql, { eventId, hotelId, rooms, email, requestId }) {
    try {
      return await sql.begin(async (tx): Promise<ReserveOutcome> => {
        const [row] = await tx<{ id: string; available: number }[]>`
          select id, contracted - (reserved + locked) as available
          from event_hotel_rooms
          where event_id = ${eventId} and hotel_id = ${hotelId}
          for update nowait
        `;
        if (!row) return { status: 'not_found' };
        if (row.available < rooms) return { status: 'insufficient', available: row.available };
        await tx`
          update event_hotel_rooms
          set reserved = reserved + ${rooms}, version = version + 1, updated_at = now()
          where id = ${row.id}
        `;
        const [{ id }] = await tx<[{ id: string }]>`
          insert into reservations (id, event_hotel_rooms_id, email, number_of_rooms, status, request_id, created_at)
          values (gen_random_uuid(), ${row.id}, ${email}, ${rooms}, 'CONFIRMED', ${requestId}, now())
          returning id
        `;
        return { status: 'reserved', reservation: { id, event_id: eventId, hotel_id: hotelId, rooms, email, status: 'CONFIRMED' } };
      });
    } catch (error) {
      // 55P03 lock_not_available: another request holds the row. A lost race is an answer, not a failure.
      if ((error as { code?: unknown }).code === '55P03') return { status: 'conflict', reason: 'lock_timeout' };
      throw error;
    }
  },
};

export default nowait;
