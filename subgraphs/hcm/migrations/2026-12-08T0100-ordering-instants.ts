import type { Kysely } from 'kysely';
import { instantsToTheMillisecond } from '../../../lib/db/changes.ts';

/** The instants that list API keys and webhook endpoints (newest first) to the millisecond, as their cursors carry them (lib/db/changes.ts). */
export async function up(db: Kysely<any>): Promise<void> {
  await instantsToTheMillisecond(db, 'api_key', ['created_at']);
  await instantsToTheMillisecond(db, 'webhook_endpoint', ['created_at']);
}
