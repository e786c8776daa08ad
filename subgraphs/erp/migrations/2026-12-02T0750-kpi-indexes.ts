import { sql, type Kysely } from 'kysely';

/**
 * Invoice cycle time reads the invoices issued in a range (kpi-queries.ts): an index on the issue date of issued,
 * not voided, invoices. Unbilled work reads billing events by date through the existing `billing_event_date`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('invoice_issued')
    .on('invoice')
    .columns(['issue_date', 'id'])
    .where(sql<boolean>`status in ('ISSUED', 'PARTIALLY_PAID', 'PAID')`)
    .execute();
}
