import { sql, type Kysely } from 'kysely';

/**
 * Effective-dated worker attributes (issue 21 item 1): role, manager, cost center, legal entity, location, employment
 * type (kind) and work calendar as periods. Periods of one worker never overlap and leave no gap from the hire date
 * (domain/worker-history.ts keeps that); `worker` keeps the values in effect today for its filters and indexes.
 * Existing workers get one open period from their hire date with their current values.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('worker_period')
    .addColumn('worker_id', 'text', (col) => col.notNull().references('worker.id'))
    .addColumn('effective_from', 'date', (col) => col.notNull())
    .addColumn('effective_to', 'date')
    .addColumn('role_id', 'text', (col) => col.notNull().references('role.id'))
    .addColumn('manager_id', 'text', (col) => col.references('worker.id'))
    .addColumn('cost_center_id', 'text', (col) => col.notNull().references('cost_center.id'))
    .addColumn('legal_entity_id', 'text', (col) => col.notNull().references('legal_entity.id'))
    .addColumn('location', 'text', (col) => col.notNull())
    .addColumn('kind', 'text', (col) => col.notNull().check(sql`kind in ('EMPLOYEE', 'CONTRACTOR')`))
    .addColumn('calendar_id', 'text', (col) => col.notNull().references('work_calendar.id'))
    .addPrimaryKeyConstraint('worker_period_pk', ['worker_id', 'effective_from'])
    .addCheckConstraint('worker_period_dates', sql`effective_to is null or effective_to >= effective_from`)
    .addCheckConstraint('worker_period_not_own_manager', sql`manager_id is null or manager_id <> worker_id`)
    .execute();
  await db
    .insertInto('worker_period')
    .columns(['worker_id', 'effective_from', 'effective_to', 'role_id', 'manager_id', 'cost_center_id', 'legal_entity_id', 'location', 'kind', 'calendar_id'])
    .expression(
      db
        .selectFrom('worker')
        .select([
          'id',
          'hire_date',
          sql`null::date`.as('effective_to'),
          'role_id',
          'manager_id',
          'cost_center_id',
          'legal_entity_id',
          'location',
          'kind',
          'calendar_id',
        ]),
    )
    .execute();
}
