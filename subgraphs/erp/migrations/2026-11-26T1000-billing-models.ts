import { sql, type Kysely } from 'kysely';

/**
 * Billing models (DESIGN §2): a fixed-fee contract's billing schedule, its amount and not-to-exceed cap as crm
 * announced them, an expense markup, and the SCHEDULE source type (a released schedule line is a billable source).
 */
const sourceTypes = sql`('TIME_ENTRY', 'EXPENSE', 'MILESTONE', 'RECURRING_FEE', 'RETAINER', 'OVERAGE', 'ADJUSTMENT', 'SCHEDULE')`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('billing_setup')
    .addColumn('contract_amount', 'numeric(16, 2)')
    .addColumn('not_to_exceed', 'numeric(16, 2)')
    .addColumn('expense_markup_percent', 'numeric(7, 4)', (col) => col.notNull().defaultTo('0').check(sql`expense_markup_percent >= 0`))
    .execute();

  // The initial migration's inline checks carry Postgres's default names (<table>_<column>_check).
  for (const table of ['billing_event', 'invoice_line', 'credit_note_line']) {
    const name = `${table}_source_type_check`;
    await db.schema.alterTable(table).dropConstraint(name).execute();
    await db.schema.alterTable(table).addCheckConstraint(name, sql`source_type in ${sourceTypes}`).execute();
  }

  await db.schema
    .createTable('billing_schedule_line')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('billing_setup_id', 'text', (col) => col.notNull().references('billing_setup.id'))
    .addColumn('contract_id', 'text', (col) => col.notNull())
    .addColumn('position', 'integer', (col) => col.notNull())
    .addColumn('date', 'date', (col) => col.notNull())
    .addColumn('description', 'text', (col) => col.notNull())
    .addColumn('amount', 'numeric(16, 2)', (col) => col.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    // Set once, when the line became a billing event (source type SCHEDULE, source id = the line's id).
    .addColumn('billing_event_id', 'text', (col) => col.references('billing_event.id'))
    .addColumn('released_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('billing_schedule_line_released', sql`(released_at is null) = (billing_event_id is null)`)
    .execute();
  await db.schema.createIndex('billing_schedule_line_contract').on('billing_schedule_line').columns(['contract_id', 'date', 'position']).execute();
  await db.schema
    .createIndex('billing_schedule_line_due')
    .on('billing_schedule_line')
    .columns(['date'])
    .where(sql<boolean>`released_at is null`)
    .execute();
}
