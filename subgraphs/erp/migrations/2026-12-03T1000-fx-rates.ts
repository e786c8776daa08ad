import { sql, type Kysely } from 'kysely';

/**
 * Foreign exchange (DESIGN §2): effective-dated rates per currency pair, erp's copy of each legal entity's currency
 * (from hcm's events), and on each billing event the rate captured when it was written and its amount in the legal
 * entity's currency. The rate column widens to 10 decimals: rates into weak currencies need them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('fx_rate')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('from_currency', 'char(3)', (col) => col.notNull())
    .addColumn('to_currency', 'char(3)', (col) => col.notNull())
    .addColumn('rate', 'numeric(20, 10)', (col) => col.notNull().check(sql`rate > 0`))
    .addColumn('effective_from', 'date', (col) => col.notNull())
    .addColumn('effective_to', 'date')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('fx_rate_pair', sql`from_currency <> to_currency`)
    .addCheckConstraint('fx_rate_period', sql`effective_to is null or effective_to >= effective_from`)
    .execute();
  // Periods of a pair never overlap (checked under the pair's lock); two starting the same day is refused here too.
  await db.schema.createIndex('fx_rate_pair_from').on('fx_rate').columns(['from_currency', 'to_currency', 'effective_from']).unique().execute();

  await db.schema
    .createTable('legal_entity')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema.alterTable('billing_event').alterColumn('fx_rate', (col) => col.setDataType('numeric(20, 10)')).execute();
  await db.schema
    .alterTable('billing_event')
    .addColumn('functional_currency', 'char(3)')
    .addColumn('functional_amount', 'numeric(16, 2)')
    .execute();
  await db.schema
    .alterTable('billing_event')
    .addCheckConstraint('billing_event_functional', sql`(fx_rate is null) = (functional_amount is null) and (functional_amount is null or functional_currency is not null)`)
    .execute();
  await db.schema
    .createIndex('billing_event_fx_held')
    .on('billing_event')
    .columns(['contract_id', 'date'])
    .where(sql<boolean>`held_reason = 'FX_RATE_MISSING'`)
    .execute();
}
