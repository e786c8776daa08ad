import { sql, type Kysely } from 'kysely';

/**
 * Recurring billing (DESIGN §2): a MANAGED_SERVICES or RETAINER contract's terms on its billing setup, and the approved
 * hours recorded against it (`recurring_usage`) instead of a per-entry billing event: a managed-services month counts
 * them against its included hours; a retainer draws its balance down by their value.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('billing_setup')
    // The fee per calendar month; null until finance sets the terms.
    .addColumn('recurring_fee', 'numeric(16, 2)', (col) => col.check(sql`recurring_fee > 0`))
    .addColumn('included_hours', 'numeric(12, 2)', (col) => col.check(sql`included_hours >= 0`))
    .addColumn('overage_rate', 'numeric(16, 2)', (col) => col.check(sql`overage_rate >= 0`))
    .addColumn('overrun_policy', 'text', (col) => col.check(sql`overrun_policy in ('BILL', 'HOLD')`))
    .execute();

  await db.schema
    .createTable('recurring_usage')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('billing_setup_id', 'text', (col) => col.notNull().references('billing_setup.id'))
    .addColumn('contract_id', 'text', (col) => col.notNull())
    .addColumn('billing_method', 'text', (col) => col.notNull().check(sql`billing_method in ('MANAGED_SERVICES', 'RETAINER')`))
    .addColumn('source_type', 'text', (col) => col.notNull().check(sql`source_type = 'TIME_ENTRY'`))
    .addColumn('source_id', 'text', (col) => col.notNull())
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('worker_id', 'text')
    .addColumn('date', 'date', (col) => col.notNull())
    .addColumn('hours', 'numeric(12, 2)', (col) => col.notNull())
    // A retainer's drawdown: hours × the frozen bill rate, the part the balance covered and the part beyond it.
    .addColumn('rate', 'numeric(16, 2)')
    .addColumn('amount', 'numeric(16, 2)')
    .addColumn('drawn', 'numeric(16, 2)')
    .addColumn('overrun', 'numeric(16, 2)')
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('overage_billing_event_id', 'text', (col) => col.references('billing_event.id'))
    .addColumn('reversed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'recurring_usage_drawdown',
      sql`billing_method = 'MANAGED_SERVICES' or (amount is not null and drawn is not null and overrun is not null and amount = drawn + overrun)`,
    )
    .execute();
  // An approved source is recorded once while it stands (its approval taken back reverses it; a re-approval records anew).
  await db.schema
    .createIndex('recurring_usage_live_source')
    .on('recurring_usage')
    .columns(['source_type', 'source_id'])
    .unique()
    .where(sql<boolean>`reversed_at is null`)
    .execute();
  await db.schema.createIndex('recurring_usage_contract').on('recurring_usage').columns(['contract_id', 'date']).execute();
}
