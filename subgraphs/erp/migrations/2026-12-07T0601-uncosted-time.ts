import { sql, type Kysely } from 'kysely';

/**
 * Approved time erp could not cost (its worker has no cost rate on its date): until now it left no trace in erp but an
 * `erp.billing.blocked` NO_COST_RATE, so percent-complete progress (counted from cost postings) ignored its hours and
 * nothing told finance. Each such approval is recorded here while it stands: `costed_at` once a cost posting follows
 * (a rate entered, the approval re-driven), `reversed_at` once the approval is taken back. Progress counts these
 * hours beside the postings'; reconciliation reports them (MISSING_COST_RATE).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('uncosted_time')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('source_id', 'text', (col) => col.notNull())
    .addColumn('worker_id', 'text', (col) => col.notNull())
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('date', 'date', (col) => col.notNull())
    .addColumn('hours', 'numeric(12, 2)', (col) => col.notNull())
    .addColumn('recorded_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('costed_at', 'timestamptz')
    .addColumn('reversed_at', 'timestamptz')
    .execute();
  // An approval is recorded once while it stands uncosted (a re-approval after a reversal records anew).
  await db.schema
    .createIndex('uncosted_time_live_source')
    .on('uncosted_time')
    .column('source_id')
    .unique()
    .where(sql<boolean>`costed_at is null and reversed_at is null`)
    .execute();
  await db.schema.createIndex('uncosted_time_project').on('uncosted_time').columns(['project_id', 'date']).execute();
}
