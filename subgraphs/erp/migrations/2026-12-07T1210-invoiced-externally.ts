import { sql, type Kysely } from 'kysely';

/**
 * A billing event may be INVOICED_EXTERNALLY: imported history that the firm's previous system invoiced (time's
 * `invoicedExternally`), kept for finance, never drafted, never unbilled or psgraph's revenue.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('billing_event').dropConstraint('billing_event_status_check').execute();
  await db.schema
    .alterTable('billing_event')
    .addCheckConstraint('billing_event_status_check', sql`status in ('UNBILLED', 'BILLED', 'REVERSED', 'HELD', 'INVOICED_EXTERNALLY')`)
    .execute();
}
