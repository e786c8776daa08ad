import { sql, type Kysely } from 'kysely';

/**
 * How tax is rounded is the jurisdiction's rule, so it lives with the rate (legal entity and customer country): once
 * on the invoice's subtotal (INVOICE, as before) or on each line and summed (LINE). The invoice copies it at issue,
 * like the rate itself, so a later change never alters an issued invoice.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('tax_rate')
    .addColumn('tax_rounding', 'text', (col) => col.notNull().defaultTo('INVOICE').check(sql`tax_rounding in ('INVOICE', 'LINE')`))
    .execute();
  await db.schema.alterTable('invoice').addColumn('tax_rounding', 'text', (col) => col.check(sql`tax_rounding in ('INVOICE', 'LINE')`)).execute();
}
