import type { Kysely } from 'kysely';
import { addEventTraceContext } from '../../../lib/events/outbox.ts';

/** Each event keeps the W3C trace context of whatever wrote it (lib/events/trace-context.ts): one trace to its effects. */
export async function up(db: Kysely<any>): Promise<void> {
  await addEventTraceContext(db);
}
