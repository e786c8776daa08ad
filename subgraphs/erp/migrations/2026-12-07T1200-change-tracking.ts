import { sql, type Kysely } from 'kysely';
import { trackChanges } from '../../../lib/db/changes.ts';

/**
 * Incremental pulls of erp's mirrorable lists (`filter: { updatedAfter }`, lib/db/changes.ts): billing events, cost
 * postings and payments get the `updated_at` invoices already had, every write path moves it (a status, a hold, a
 * reversal, an amount shared out on a draft), and all four are indexed in change order. Existing rows start at their
 * last known change (written, or reversed).
 */
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ['billing_event', 'cost_posting', 'payment']) {
    await db.schema.alterTable(table).addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`)).execute();
  }
  // The query builder, not raw SQL: migrations run on a handle bound to the subgraph's schema.
  await db.updateTable('billing_event').set({ updated_at: sql`greatest(created_at, coalesce(reversed_at, created_at))` }).execute();
  await db.updateTable('cost_posting').set({ updated_at: sql`greatest(posted_at, coalesce(reversed_at, posted_at))` }).execute();
  await db.updateTable('payment').set({ updated_at: sql`created_at` }).execute();
  for (const table of ['billing_event', 'cost_posting', 'payment', 'invoice']) await trackChanges(db, table);
}
