import { sql, type Kysely } from 'kysely';
import { createOutboxTables } from '../../../lib/events/outbox.ts';
import { createIdempotencyTable } from '../../../lib/idempotency.ts';

const oneOf = (column: string, values: readonly string[]) =>
  sql`${sql.ref(column)} in (${sql.join(values.map((value) => sql.lit(value)))})`;

export async function up(db: Kysely<any>): Promise<void> {
  await createOutboxTables(db);
  await createIdempotencyTable(db);

  await db.schema
    .createTable('project')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('code', 'text', (col) => col.notNull().unique())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('customer_id', 'text', (col) => col.notNull())
    .addColumn('contract_id', 'text')
    .addColumn('opportunity_id', 'text')
    .addColumn('billing_method', 'text', (col) =>
      col.check(oneOf('billing_method', ['TIME_AND_MATERIALS', 'FIXED_FEE', 'MANAGED_SERVICES', 'RETAINER'])),
    )
    .addColumn('legal_entity_id', 'text')
    .addColumn('currency', 'char(3)')
    .addColumn('status', 'text', (col) => col.notNull().check(oneOf('status', ['DRAFT', 'ACTIVE', 'ON_HOLD', 'CLOSED'])))
    .addColumn('start_date', 'date', (col) => col.notNull())
    .addColumn('end_date', 'date')
    .addColumn('budget_hours', 'numeric(12, 2)', (col) => col.check(sql`budget_hours >= 0`))
    .addColumn('budget_amount', 'numeric(16, 2)', (col) => col.check(sql`budget_amount >= 0`))
    .addColumn('manager_id', 'text')
    .addColumn('billing_ready', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('activate_when_ready', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('project_dates', sql`end_date is null or end_date >= start_date`)
    .addCheckConstraint('project_budget_currency', sql`budget_amount is null or currency is not null`)
    .execute();
  await db.schema.createIndex('project_customer').on('project').columns(['customer_id', 'code', 'id']).execute();
  await db.schema.createIndex('project_contract').on('project').columns(['contract_id', 'code', 'id']).execute();
  await db.schema.createIndex('project_opportunity').on('project').column('opportunity_id').execute();
  await db.schema.createIndex('project_manager').on('project').column('manager_id').execute();

  await db.schema
    .createTable('task')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('project_id', 'text', (col) => col.notNull().references('project.id'))
    .addColumn('wbs', 'text', (col) => col.notNull())
    .addColumn('wbs_key', 'text', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('parent_id', 'text', (col) => col.references('task.id'))
    .addColumn('billable', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('status', 'text', (col) => col.notNull().check(oneOf('status', ['OPEN', 'CLOSED'])))
    .addColumn('planned_hours', 'numeric(12, 2)', (col) => col.check(sql`planned_hours >= 0`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('task_project_wbs', ['project_id', 'wbs'])
    .execute();
  await db.schema.createIndex('task_project_order').on('task').columns(['project_id', 'wbs_key', 'id']).execute();

  await db.schema
    .createTable('assignment')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('project_id', 'text', (col) => col.notNull().references('project.id'))
    .addColumn('worker_id', 'text', (col) => col.notNull())
    .addColumn('role_id', 'text', (col) => col.notNull())
    .addColumn('start_date', 'date', (col) => col.notNull())
    .addColumn('end_date', 'date', (col) => col.notNull())
    .addColumn('planned_hours', 'numeric(12, 2)', (col) => col.check(sql`planned_hours >= 0`))
    .addColumn('status', 'text', (col) => col.notNull().check(oneOf('status', ['TENTATIVE', 'CONFIRMED', 'CANCELLED'])))
    .addColumn('bill_rate_override', 'numeric(16, 2)', (col) => col.check(sql`bill_rate_override >= 0`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('assignment_dates', sql`end_date >= start_date`)
    .execute();
  await db.schema.createIndex('assignment_project').on('assignment').columns(['project_id', 'start_date', 'id']).execute();
  await db.schema.createIndex('assignment_worker').on('assignment').columns(['worker_id', 'start_date', 'id']).execute();

  await db.schema
    .createTable('milestone')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('project_id', 'text', (col) => col.notNull().references('project.id'))
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('amount', 'numeric(16, 2)', (col) => col.notNull().check(sql`amount >= 0`))
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('due_date', 'date', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().check(oneOf('status', ['PLANNED', 'COMPLETED', 'CANCELLED'])))
    .addColumn('completed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('milestone_completed', sql`(status = 'COMPLETED') = (completed_at is not null)`)
    .execute();
  await db.schema.createIndex('milestone_project').on('milestone').columns(['project_id', 'due_date', 'id']).execute();

  await db.schema
    .createTable('staffing_request')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('role_id', 'text', (col) => col.notNull())
    .addColumn('skills', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('hours', 'numeric(12, 2)', (col) => col.notNull().check(sql`hours > 0`))
    .addColumn('start_date', 'date', (col) => col.notNull())
    .addColumn('end_date', 'date', (col) => col.notNull())
    .addColumn('opportunity_id', 'text')
    .addColumn('project_id', 'text', (col) => col.references('project.id'))
    .addColumn('demand', 'text', (col) => col.notNull().check(oneOf('demand', ['TENTATIVE', 'CONFIRMED'])))
    .addColumn('status', 'text', (col) => col.notNull().check(oneOf('status', ['OPEN', 'FILLED', 'CANCELLED'])))
    .addColumn('assignment_id', 'text', (col) => col.references('assignment.id'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('staffing_request_dates', sql`end_date >= start_date`)
    .addCheckConstraint('staffing_request_source', sql`opportunity_id is not null or project_id is not null`)
    // Demand is confirmed exactly when a project exists to staff (DESIGN §4.6 weights tentative demand).
    .addCheckConstraint('staffing_request_demand', sql`(demand = 'CONFIRMED') = (project_id is not null)`)
    // Filling names the assignment; requests filled before psa tracked it (seeded history) may have none.
    .addCheckConstraint('staffing_request_filled', sql`assignment_id is null or status = 'FILLED'`)
    .execute();
  await db.schema.createIndex('staffing_request_project').on('staffing_request').columns(['project_id', 'start_date', 'id']).execute();
  await db.schema
    .createIndex('staffing_request_opportunity')
    .on('staffing_request')
    .columns(['opportunity_id', 'start_date', 'id'])
    .execute();
  await db.schema.createIndex('staffing_request_order').on('staffing_request').columns(['start_date', 'id']).execute();

  await db.schema
    .createTable('billing_setup')
    .addColumn('contract_id', 'text', (col) => col.primaryKey())
    .addColumn('billing_setup_id', 'text', (col) => col.notNull())
    .addColumn('ready_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
}
