import { sql, type Kysely } from 'kysely';

/**
 * Corrections of approved expenses (correctExpense), as time entries have them since the initial migration:
 * - `correction_of`: the approved expense this one replaces; unique, so an expense is corrected at most once (a second
 *   correction corrects the correction).
 * - `reversed_at`: set when a correction reverses the expense; a reversed expense keeps its status and history, counts
 *   in no total and takes no further approval action.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('expense_entry')
    .addColumn('correction_of', 'text', (col) => col.references('expense_entry.id'))
    .addColumn('reversed_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('expense_entry_correction_of')
    .on('expense_entry')
    .column('correction_of')
    .unique()
    .where(sql.ref('correction_of'), 'is not', null)
    .execute();
}
