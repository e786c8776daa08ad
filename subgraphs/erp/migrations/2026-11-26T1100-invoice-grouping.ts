import { sql, type Kysely } from 'kysely';

/**
 * An invoice keeps the grouping it was drafted with (the contract's setup, or the draft's override), so how it presents
 * its lines never changes after the fact; invoices from before default to the setups' default, BY_PROJECT.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('invoice')
    .addColumn('grouping', 'text', (col) =>
      col.notNull().defaultTo('BY_PROJECT').check(sql`grouping in ('PER_ENTRY', 'BY_PROJECT', 'BY_ROLE', 'BY_WORKER', 'BY_TASK')`),
    )
    .execute();
  // Drafting reads the unbilled events of contracts up to a period end.
  await db.schema.createIndex('billing_event_unbilled').on('billing_event').columns(['contract_id', 'date']).where(sql<boolean>`status = 'UNBILLED'`).execute();
}
