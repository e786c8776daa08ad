import type { Kysely } from 'kysely';
import { addEventDurability } from '../../../lib/events/outbox.ts';

/** Publication sequences, consumer checkpoints and the relay's lease (lib/events/outbox.ts): events survive Redis. */
export async function up(db: Kysely<any>): Promise<void> {
  await addEventDurability(db);
}
