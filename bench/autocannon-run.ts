// A child process of the bench's loadgen phase: autocannon's warm-up and measured run, in a process
// as fresh as the evento CLI it is compared with, whose code has to warm up too.
import autocannon from 'autocannon';

export interface CannonadeJob {
  url: string;
  warmupEventId: string;
  warmupSeconds: number;
  eventId: string;
  seconds: number;
  connections: number;
  maxRooms: number;
}

interface ListedHotel {
  hotel_id: string;
  available: number;
}

const randomInt = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

/**
 * autocannon sending what an evento client sends at think 0: list availability, then reserve
 * 1..max rooms (never more than listed) at a random listed hotel, in the query as Evento does.
 * Returns the failed requests: errors, timeouts and non-2xx answers.
 */
async function cannonade(job: CannonadeJob, eventId: string, seconds: number) {
  // autocannon keeps a context per connection, reset before each first request of the chain.
  const listed = new WeakMap<object, ListedHotel[]>();
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: seconds,
    // evento's clients wait as long (their default request timeout) before counting an error.
    timeout: 30,
    requests: [
      {
        method: 'GET',
        path: `/${eventId}/available`,
        onResponse: (status, body, context) => {
          if (status === 200) listed.set(context, JSON.parse(body) as ListedHotel[]);
        },
      },
      {
        method: 'POST',
        setupRequest: (request, context) => {
          const hotels = listed.get(context) ?? [];
          const hotel = hotels[randomInt(0, hotels.length - 1)];
          // Nothing listed (a failed list): autocannon starts the chain again on a falsy request.
          if (!hotel) return undefined as unknown as autocannon.Request;
          const rooms = randomInt(1, Math.min(job.maxRooms, hotel.available));
          return { ...request, path: `/${eventId}/${hotel.hotel_id}/reserve/atomic?rooms=${rooms}&email=autocannon%40evento.test` };
        },
      },
    ],
  });
  return result.errors + result.non2xx;
}

const job = JSON.parse(process.argv[2] ?? '') as CannonadeJob;
await cannonade(job, job.warmupEventId, job.warmupSeconds);
process.send?.({ errors: await cannonade(job, job.eventId, job.seconds) });
