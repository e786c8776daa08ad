import { sql, type Kysely } from 'kysely';
import { createOutboxTables } from '../../../lib/events/outbox.ts';
import { createIdempotencyTable } from '../../../lib/idempotency.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await createOutboxTables(db);
  await createIdempotencyTable(db);

  await db.schema
    .createTable('legal_entity')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('code', 'text', (col) => col.notNull().unique())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('country', 'char(2)', (col) => col.notNull())
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('cost_center')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('code', 'text', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('legal_entity_id', 'text', (col) => col.notNull().references('legal_entity.id'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('cost_center_code', ['legal_entity_id', 'code'])
    .execute();

  await db.schema
    .createTable('role')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('code', 'text', (col) => col.notNull().unique())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('target_utilization', 'numeric(5, 2)', (col) => col.notNull().check(sql`target_utilization between 0 and 100`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('work_calendar')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('hours_per_day', 'numeric(12, 2)', (col) => col.notNull().check(sql`hours_per_day > 0 and hours_per_day <= 24`))
    .addColumn('working_days', 'jsonb', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('public_holiday')
    .addColumn('calendar_id', 'text', (col) => col.notNull().references('work_calendar.id'))
    .addColumn('date', 'date', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('public_holiday_pk', ['calendar_id', 'date'])
    .execute();

  await db.schema
    .createTable('worker')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('employee_number', 'text', (col) => col.notNull().unique())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('email', 'text', (col) => col.notNull())
    .addColumn('kind', 'text', (col) => col.notNull().check(sql`kind in ('EMPLOYEE', 'CONTRACTOR')`))
    .addColumn('role_id', 'text', (col) => col.notNull().references('role.id'))
    .addColumn('manager_id', 'text', (col) => col.references('worker.id'))
    .addColumn('cost_center_id', 'text', (col) => col.notNull().references('cost_center.id'))
    .addColumn('legal_entity_id', 'text', (col) => col.notNull().references('legal_entity.id'))
    .addColumn('location', 'text', (col) => col.notNull())
    .addColumn('calendar_id', 'text', (col) => col.notNull().references('work_calendar.id'))
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('ACTIVE', 'INACTIVE')`))
    .addColumn('hire_date', 'date', (col) => col.notNull())
    .addColumn('termination_date', 'date')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('worker_dates', sql`termination_date is null or termination_date >= hire_date`)
    .addCheckConstraint('worker_not_own_manager', sql`manager_id is null or manager_id <> id`)
    .execute();
  await db.schema.createIndex('worker_name').on('worker').columns(['name', 'id']).execute();
  await db.schema.createIndex('worker_manager').on('worker').columns(['manager_id', 'name', 'id']).execute();
  await db.schema.createIndex('worker_legal_entity').on('worker').columns(['legal_entity_id', 'name', 'id']).execute();
  await db.schema.createIndex('worker_cost_center').on('worker').columns(['cost_center_id']).execute();
  await db.schema.createIndex('worker_role').on('worker').columns(['role_id']).execute();

  await db.schema
    .createTable('worker_skill')
    .addColumn('worker_id', 'text', (col) => col.notNull().references('worker.id'))
    .addColumn('skill', 'text', (col) => col.notNull())
    .addColumn('level', 'integer', (col) => col.notNull().check(sql`level between 1 and 5`))
    .addPrimaryKeyConstraint('worker_skill_pk', ['worker_id', 'skill'])
    .execute();
  // The skill filter matches case-insensitively.
  await db.schema.createIndex('worker_skill_skill').on('worker_skill').expression(sql`lower(skill)`).execute();

  await db.schema
    .createTable('worker_cost_rate')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('worker_id', 'text', (col) => col.notNull().references('worker.id'))
    .addColumn('amount', 'numeric(16, 2)', (col) => col.notNull().check(sql`amount >= 0`))
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('effective_from', 'date', (col) => col.notNull())
    .addColumn('effective_to', 'date')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('worker_cost_rate_dates', sql`effective_to is null or effective_to >= effective_from`)
    .execute();
  await db.schema.createIndex('worker_cost_rate_worker').on('worker_cost_rate').columns(['worker_id', 'effective_from']).execute();

  await db.schema
    .createTable('leave')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('worker_id', 'text', (col) => col.notNull().references('worker.id'))
    .addColumn('type', 'text', (col) => col.notNull().check(sql`type in ('VACATION', 'SICK', 'PARENTAL', 'OTHER')`))
    .addColumn('start_date', 'date', (col) => col.notNull())
    .addColumn('end_date', 'date', (col) => col.notNull())
    .addColumn('hours_per_day', 'numeric(12, 2)', (col) => col.notNull().check(sql`hours_per_day > 0 and hours_per_day <= 24`))
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('APPROVED', 'CANCELLED')`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('leave_dates', sql`end_date >= start_date`)
    .execute();
  await db.schema.createIndex('leave_worker').on('leave').columns(['worker_id', 'start_date', 'id']).execute();
  await db.schema.createIndex('leave_start').on('leave').columns(['start_date', 'id']).execute();
}
