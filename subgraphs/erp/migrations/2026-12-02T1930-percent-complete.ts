import { sql, type Kysely } from 'kysely';

/**
 * Percent-complete billing of FIXED_FEE contracts: the setup keeps crm's fixed-fee method, and PERCENT_COMPLETE is a
 * billable source type (a run's billing event; source id "<setupId>:<n>").
 */
const sourceTypes = sql`('TIME_ENTRY', 'EXPENSE', 'MILESTONE', 'RECURRING_FEE', 'RETAINER', 'OVERAGE', 'ADJUSTMENT', 'SCHEDULE', 'PERCENT_COMPLETE')`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('billing_setup')
    .addColumn('fixed_fee_method', 'text', (col) => col.check(sql`fixed_fee_method in ('MILESTONE', 'SCHEDULE', 'PERCENT_COMPLETE')`))
    .execute();
  for (const table of ['billing_event', 'invoice_line', 'credit_note_line']) {
    const name = `${table}_source_type_check`;
    await db.schema.alterTable(table).dropConstraint(name).execute();
    await db.schema.alterTable(table).addCheckConstraint(name, sql`source_type in ${sourceTypes}`).execute();
  }
}
