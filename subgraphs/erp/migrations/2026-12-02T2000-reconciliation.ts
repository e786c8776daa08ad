import { sql, type Kysely } from 'kysely';

/**
 * Reconciliation (DESIGN §4.6): its runs, the exceptions they record, and the lease that lets one runner at a time
 * (across processes sharing the database) work. An exception is open until a later run no longer finds it; a run
 * that finds it again keeps the open row (one open row per type and key).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('reconciliation_run')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('trigger', 'text', (col) => col.notNull().check(sql`trigger in ('SCHEDULED', 'ON_DEMAND')`))
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('RUNNING', 'COMPLETED', 'FAILED')`))
    .addColumn('requested_by', 'text')
    .addColumn('started_at', 'timestamptz', (col) => col.notNull())
    .addColumn('finished_at', 'timestamptz')
    .addColumn('found', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('cleared', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('open', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('reconciliation_run_started').on('reconciliation_run').columns(['started_at', 'id']).execute();

  await db.schema
    .createTable('reconciliation_exception')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('type', 'text', (col) => col.notNull())
    // What makes two findings the same exception (the records' ids); unique among open exceptions of a type.
    .addColumn('key', 'text', (col) => col.notNull())
    .addColumn('subjects', 'jsonb', (col) => col.notNull())
    .addColumn('detail', 'text', (col) => col.notNull())
    .addColumn('found_at', 'timestamptz', (col) => col.notNull())
    .addColumn('found_run_id', 'text', (col) => col.notNull().references('reconciliation_run.id'))
    .addColumn('cleared_at', 'timestamptz')
    .addColumn('cleared_run_id', 'text', (col) => col.references('reconciliation_run.id'))
    .execute();
  await db.schema
    .createIndex('reconciliation_exception_open')
    .on('reconciliation_exception')
    .columns(['type', 'key'])
    .unique()
    .where(sql.ref('cleared_at'), 'is', null)
    .execute();
  await db.schema.createIndex('reconciliation_exception_found').on('reconciliation_exception').columns(['found_at', 'id']).execute();

  await db.schema
    .createTable('reconciliation_lease')
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('holder', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('heartbeat_at', 'timestamptz', (col) => col.notNull())
    .execute();
}
