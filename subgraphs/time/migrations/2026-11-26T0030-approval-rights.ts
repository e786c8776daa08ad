import { sql, type Kysely } from 'kysely';

/** Grace periods on locks, and managers delegating their approvals for a while. */
export async function up(db: Kysely<any>): Promise<void> {
  // Last day on which a role with grace rights may still change entries of the closed period; null: no grace.
  await db.schema
    .alterTable('period_lock')
    .addColumn('grace_until', 'date', (col) => col.check(sql`grace_until >= period_end`))
    .execute();

  await db.schema
    .createTable('approval_delegation')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('manager_id', 'text', (col) => col.notNull())
    .addColumn('delegate_id', 'text', (col) => col.notNull())
    .addColumn('valid_from', 'date', (col) => col.notNull())
    .addColumn('valid_to', 'date', (col) => col.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_by', 'text')
    .addCheckConstraint('approval_delegation_window', sql`valid_to >= valid_from`)
    .addCheckConstraint('approval_delegation_other', sql`manager_id <> delegate_id`)
    .execute();
  // Authorization asks "whose approvals may this delegate take today?" on every decision.
  await db.schema
    .createIndex('approval_delegation_delegate')
    .on('approval_delegation')
    .columns(['delegate_id', 'valid_from', 'valid_to'])
    .where(sql.ref('revoked_at'), 'is', null)
    .execute();
  await db.schema.createIndex('approval_delegation_manager').on('approval_delegation').columns(['manager_id', 'valid_from', 'id']).execute();
  // The approval queue reads submitted entries by worker and week.
  await db.schema
    .createIndex('time_entry_submitted_week')
    .on('time_entry')
    .columns(['worker_id', 'week_start'])
    .where(sql<boolean>`status = 'SUBMITTED' and reversed_at is null`)
    .execute();
}
