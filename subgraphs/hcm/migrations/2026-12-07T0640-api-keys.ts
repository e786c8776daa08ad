import { sql, type Kysely } from 'kysely';

/**
 * API keys (README "API keys"): credentials for programs, created and revoked by ADMIN. Only the secret's SHA-256 is
 * kept. The gateway checks a key by its id (the primary key) on every request, so the check is one index lookup.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('api_key')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('roles', 'jsonb', (col) => col.notNull())
    .addColumn('worker_id', 'text', (col) => col.references('worker.id'))
    .addColumn('secret_hash', 'text', (col) => col.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz')
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_by', 'text')
    .execute();
  // The listing's order (newest first).
  await db.schema.createIndex('api_key_created').on('api_key').columns(['created_at', 'id']).execute();
}
