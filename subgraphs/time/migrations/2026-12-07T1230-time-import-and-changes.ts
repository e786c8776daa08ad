import { sql, type Kysely } from 'kysely';
import { createDeletedRecordTable, trackChanges } from '../../../lib/db/changes.ts';

/**
 * Issue 17 in time:
 * - `time_entry.invoiced_externally`: an entry imported as already billed in its source system (erp never bills it);
 *   on the row, so every approval event of the entry says so, republications included.
 * - approval history action IMPORTED: where an entry imported as a DRAFT came from.
 * - pulls by change of time entries and expenses (`updatedAfter`), and tombstones of the deleted ones.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('time_entry').addColumn('invoiced_externally', 'boolean', (col) => col.notNull().defaultTo(false)).execute();
  // The column's inline check, named by Postgres' rule (<table>_<column>_check).
  await db.schema.alterTable('approval_record').dropConstraint('approval_record_action_check').execute();
  await db.schema
    .alterTable('approval_record')
    .addCheckConstraint('approval_record_action', sql`action in ('SUBMITTED', 'APPROVED', 'REJECTED', 'RECALLED', 'APPROVAL_CANCELLED', 'CORRECTED', 'IMPORTED')`)
    .execute();
  await trackChanges(db, 'time_entry');
  await trackChanges(db, 'expense_entry');
  await createDeletedRecordTable(db);
}
