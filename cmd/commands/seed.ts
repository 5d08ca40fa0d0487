import { openDatabase } from '../../harness/database/database.js';
import { UsageError } from '../../harness/model/errors.js';
import { seedEvent } from '../../harness/workloads/event.js';

export async function seedCommand(flags: { hotels: number; rooms: number }) {
  if (!process.env.DATABASE_URL) {
    throw new UsageError('seed needs DATABASE_URL (an embedded database ends with the command); use `evento serve` to get one with an event');
  }
  const database = await openDatabase();
  try {
    process.stdout.write(`${JSON.stringify(await seedEvent(database.sql, flags.hotels, flags.rooms))}\n`);
  } finally {
    await database.close();
  }
}
