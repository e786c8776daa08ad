import { sql, type Kysely } from 'kysely';

/**
 * Workers by email, ignoring case (`WorkerFilter.email`): how the gateway finds the worker an identity provider's
 * token names, once per sign-in and cache miss, so it must not scan the table.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('worker_email').on('worker').expression(sql`lower(email)`).execute();
}
