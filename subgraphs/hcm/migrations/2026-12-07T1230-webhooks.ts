import type { Kysely } from 'kysely';
import { createWebhookTables } from '../../../lib/webhooks/index.ts';

/**
 * Webhooks out (README "Get told of changes"): the endpoints ADMIN registers, the events as they are sent, and the
 * delivery log the worker sends from (lib/webhooks/tables.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await createWebhookTables(db);
}
