import { sql, type Kysely } from 'kysely';

/**
 * Credit notes (DESIGN §1: an issued invoice is corrected only by a credit note; §4.5): a note carries its subtotal,
 * tax (at the invoice's rate) and total, its issue date, and may be voided while a draft (VOID keeps it, with its
 * reason, for the record). Each line credits a positive amount of one invoice line, with a reason.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // The initial migration's inline check carries Postgres's default name (<table>_<column>_check).
  await db.schema.alterTable('credit_note').dropConstraint('credit_note_status_check').execute();
  await db.schema.alterTable('credit_note').addCheckConstraint('credit_note_status_check', sql`status in ('DRAFT', 'ISSUED', 'VOID')`).execute();
  await db.schema
    .alterTable('credit_note')
    .addColumn('subtotal', 'numeric(16, 2)', (col) => col.notNull().defaultTo(0))
    .addColumn('tax_total', 'numeric(16, 2)', (col) => col.notNull().defaultTo(0))
    .addColumn('tax_rate_percent', 'numeric(7, 4)')
    .addColumn('issue_date', 'date')
    .addColumn('voided_at', 'timestamptz')
    .addColumn('void_reason', 'text')
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .alterTable('credit_note')
    .addCheckConstraint('credit_note_voided', sql`(status = 'VOID') = (voided_at is not null)`)
    .execute();
  await db.schema.alterTable('credit_note_line').addColumn('reason', 'text').execute();
  await db.schema.alterTable('credit_note_line').addCheckConstraint('credit_note_line_positive', sql`amount > 0`).execute();
}
