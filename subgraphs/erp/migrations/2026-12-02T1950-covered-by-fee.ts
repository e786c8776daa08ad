import { sql, type Kysely } from 'kysely';

/**
 * A cost posting of billable time on a FIXED_FEE contract says that the fee covers it (no billing event will come):
 * `TimeEntry.billing` reads COVERED_BY_FEE from it. Postings written before stay unmarked (erp keeps no project →
 * contract map to mark them by; they read NOT_POSTED as before); the seed and the posting consumer mark new ones. The
 * index serves the month's usage windows of `coverageOfTimeEntries`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('cost_posting').addColumn('covered_by_fee', 'boolean', (col) => col.notNull().defaultTo(sql`false`)).execute();
  await db.schema.createIndex('recurring_usage_month').on('recurring_usage').columns(['contract_id', 'date']).where(sql<boolean>`reversed_at is null`).execute();
}
