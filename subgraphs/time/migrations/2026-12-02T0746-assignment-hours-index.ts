import { sql, type Kysely } from 'kysely';

/**
 * Approved hours per psa assignment (`Assignment.forecast`): a partial index on the live approved entries, with the
 * hours, so the GROUP BY over a page of assignments reads the index alone instead of scanning every entry.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('time_entry_approved_by_assignment')
    .on('time_entry')
    .columns(['assignment_id', 'hours'])
    .where(sql.raw<boolean>("status = 'APPROVED' and reversed_at is null and assignment_id is not null"))
    .execute();
}
