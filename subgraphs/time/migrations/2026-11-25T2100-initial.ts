import { sql, type Kysely } from 'kysely';
import { createOutboxTables } from '../../../lib/events/outbox.ts';
import { createIdempotencyTable } from '../../../lib/idempotency.ts';

const entryStatusCheck = sql`status in ('DRAFT', 'SUBMITTED', 'APPROVED', 'REJECTED')`;
const clockTime = (column: string) => sql`${sql.ref(column)} ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'`;

export async function up(db: Kysely<any>): Promise<void> {
  await createOutboxTables(db);
  await createIdempotencyTable(db);

  await db.schema
    .createTable('time_entry')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('worker_id', 'text', (col) => col.notNull())
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('task_id', 'text')
    .addColumn('role_id', 'text')
    .addColumn('assignment_id', 'text')
    .addColumn('date', 'date', (col) => col.notNull())
    // Monday of the ISO week (isodow: Monday 1 … Sunday 7). Immutable arithmetic, so Postgres can store it.
    .addColumn('week_start', 'date', (col) =>
      col.notNull().generatedAlwaysAs(sql`${sql.ref('date')} - (extract(isodow from ${sql.ref('date')})::int - 1)`).stored(),
    )
    .addColumn('hours', 'numeric(12, 2)', (col) => col.notNull().check(sql`hours > 0 and hours <= 24`))
    .addColumn('start_time', 'text', (col) => col.check(clockTime('start_time')))
    .addColumn('end_time', 'text', (col) => col.check(clockTime('end_time')))
    .addColumn('billable', 'boolean', (col) => col.notNull())
    .addColumn('notes', 'text')
    .addColumn('status', 'text', (col) => col.notNull().check(entryStatusCheck))
    .addColumn('version', 'integer', (col) => col.notNull().defaultTo(1).check(sql`version >= 1`))
    .addColumn('external_system', 'text')
    .addColumn('external_id', 'text')
    .addColumn('submitted_at', 'timestamptz')
    .addColumn('decided_at', 'timestamptz')
    .addColumn('decided_by', 'text')
    .addColumn('rejection_reason', 'text')
    .addColumn('correction_of', 'text', (col) => col.references('time_entry.id'))
    .addColumn('reversed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('time_entry_clock', sql`(start_time is null) = (end_time is null) and (start_time is null or start_time < end_time)`)
    .addCheckConstraint('time_entry_external', sql`(external_system is null) = (external_id is null)`)
    .execute();
  // Every list is keyset-paged on (date, id) newest first; a btree scanned backward serves the descending order.
  await db.schema.createIndex('time_entry_worker_date').on('time_entry').columns(['worker_id', 'date', 'id']).execute();
  await db.schema.createIndex('time_entry_project_date').on('time_entry').columns(['project_id', 'date', 'id']).execute();
  await db.schema.createIndex('time_entry_status_date').on('time_entry').columns(['status', 'date', 'id']).execute();
  await db.schema.createIndex('time_entry_date').on('time_entry').columns(['date', 'id']).execute();
  // Project.actualHours sums from the index alone (index-only scan): no heap visit per entry on million-row tables.
  await db.schema
    .createIndex('time_entry_project_actuals')
    .on('time_entry')
    .columns(['project_id', 'status', 'date', 'hours'])
    .where(sql.ref('reversed_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('time_entry_external_ref')
    .on('time_entry')
    .columns(['external_system', 'external_id'])
    .unique()
    .where(sql.ref('external_system'), 'is not', null)
    .execute();
  // An approved entry is corrected at most once; a correction of the correction chains from the new entry.
  await db.schema
    .createIndex('time_entry_correction_of')
    .on('time_entry')
    .column('correction_of')
    .unique()
    .where(sql.ref('correction_of'), 'is not', null)
    .execute();

  await db.schema
    .createTable('expense_entry')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('worker_id', 'text', (col) => col.notNull())
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('date', 'date', (col) => col.notNull())
    .addColumn('amount', 'numeric(16, 2)', (col) => col.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('category', 'text', (col) =>
      col.notNull().check(sql`category in ('TRAVEL', 'LODGING', 'MEALS', 'SOFTWARE', 'OTHER')`),
    )
    .addColumn('billable', 'boolean', (col) => col.notNull())
    .addColumn('receipt_ref', 'text')
    .addColumn('notes', 'text')
    .addColumn('status', 'text', (col) => col.notNull().check(entryStatusCheck))
    .addColumn('version', 'integer', (col) => col.notNull().defaultTo(1).check(sql`version >= 1`))
    .addColumn('submitted_at', 'timestamptz')
    .addColumn('decided_at', 'timestamptz')
    .addColumn('decided_by', 'text')
    .addColumn('rejection_reason', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('expense_entry_worker_date').on('expense_entry').columns(['worker_id', 'date', 'id']).execute();
  await db.schema.createIndex('expense_entry_project_date').on('expense_entry').columns(['project_id', 'date', 'id']).execute();
  await db.schema.createIndex('expense_entry_date').on('expense_entry').columns(['date', 'id']).execute();

  await db.schema
    .createTable('approval_record')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('time_entry_id', 'text', (col) => col.references('time_entry.id'))
    .addColumn('expense_entry_id', 'text', (col) => col.references('expense_entry.id'))
    .addColumn('action', 'text', (col) =>
      col.notNull().check(sql`action in ('SUBMITTED', 'APPROVED', 'REJECTED', 'RECALLED', 'APPROVAL_CANCELLED', 'CORRECTED')`),
    )
    .addColumn('actor_id', 'text')
    .addColumn('at', 'timestamptz', (col) => col.notNull())
    .addColumn('reason', 'text')
    .addCheckConstraint('approval_record_subject', sql`num_nonnulls(time_entry_id, expense_entry_id) = 1`)
    .execute();
  await db.schema
    .createIndex('approval_record_time_entry')
    .on('approval_record')
    .columns(['time_entry_id', 'at', 'id'])
    .where(sql.ref('time_entry_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('approval_record_expense_entry')
    .on('approval_record')
    .columns(['expense_entry_id', 'at', 'id'])
    .where(sql.ref('expense_entry_id'), 'is not', null)
    .execute();

  await db.schema
    .createTable('period_lock')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('legal_entity_id', 'text', (col) => col.notNull())
    .addColumn('period_start', 'date', (col) => col.notNull())
    .addColumn('period_end', 'date', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('OPEN', 'CLOSED')`))
    .addColumn('closed_at', 'timestamptz', (col) => col.notNull())
    .addColumn('closed_by', 'text')
    .addColumn('reopened_at', 'timestamptz')
    .addColumn('reopened_by', 'text')
    .addColumn('version', 'integer', (col) => col.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('period_lock_dates', sql`period_end >= period_start`)
    // Also the index behind the legal-entity filter and the overlap check.
    .addUniqueConstraint('period_lock_period', ['legal_entity_id', 'period_start', 'period_end'])
    .execute();
}
