import { sql, type Kysely } from 'kysely';

/**
 * Expense capture (logExpense): external ids for imports, and amounts in any currency's minor unit.
 * - `external_system` + `external_id`: both or neither, unique per system (as on time_entry), so an import replayed
 *   from the same source finds the expense it created instead of duplicating it.
 * - `amount` loses its fixed scale of 2: capture stores it with exactly the currency's minor-unit digits (JPY 0, EUR 2,
 *   KWD 3; lib/decimal.ts `minorUnits`), which `numeric(16, 2)` would silently round or pad. Existing rows keep their
 *   value and their two digits.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('expense_entry')
    .addColumn('external_system', 'text')
    .addColumn('external_id', 'text')
    .execute();
  await db.schema.alterTable('expense_entry').addCheckConstraint('expense_entry_external', sql`(external_system is null) = (external_id is null)`).execute();
  await db.schema.alterTable('expense_entry').alterColumn('amount', (col) => col.setDataType('numeric')).execute();
  await db.schema
    .createIndex('expense_entry_external_ref')
    .on('expense_entry')
    .columns(['external_system', 'external_id'])
    .unique()
    .where(sql.ref('external_system'), 'is not', null)
    .execute();
}
