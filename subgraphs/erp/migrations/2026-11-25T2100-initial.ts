import { sql, type Kysely } from 'kysely';
import { createOutboxTables } from '../../../lib/events/outbox.ts';
import { createIdempotencyTable } from '../../../lib/idempotency.ts';

const sourceTypes = sql`('TIME_ENTRY', 'EXPENSE', 'MILESTONE', 'RECURRING_FEE', 'RETAINER', 'OVERAGE', 'ADJUSTMENT')`;

export async function up(db: Kysely<any>): Promise<void> {
  await createOutboxTables(db);
  await createIdempotencyTable(db);

  await db.schema
    .createTable('billing_setup')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('contract_id', 'text', (col) => col.notNull().unique())
    .addColumn('rate_card_id', 'text')
    .addColumn('customer_id', 'text', (col) => col.notNull())
    .addColumn('legal_entity_id', 'text', (col) => col.notNull())
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('billing_method', 'text', (col) =>
      col.notNull().check(sql`billing_method in ('TIME_AND_MATERIALS', 'FIXED_FEE', 'MANAGED_SERVICES', 'RETAINER')`),
    )
    .addColumn('invoice_grouping', 'text', (col) =>
      col.notNull().check(sql`invoice_grouping in ('PER_ENTRY', 'BY_PROJECT', 'BY_ROLE', 'BY_WORKER', 'BY_TASK')`),
    )
    .addColumn('payment_terms_days', 'integer', (col) => col.notNull().check(sql`payment_terms_days between 0 and 365`))
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('READY', 'BLOCKED')`))
    .addColumn('blocked_reason', 'text')
    .addColumn('rated_role_ids', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('start_date', 'date', (col) => col.notNull())
    .addColumn('end_date', 'date')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('billing_setup_blocked_reason', sql`(status = 'BLOCKED') = (blocked_reason is not null)`)
    .execute();
  await db.schema.createIndex('billing_setup_created').on('billing_setup').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('tax_rate')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('legal_entity_id', 'text', (col) => col.notNull())
    .addColumn('customer_country', 'char(2)')
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('rate_percent', 'numeric(7, 4)', (col) => col.notNull().check(sql`rate_percent between 0 and 100`))
    .addColumn('effective_from', 'date', (col) => col.notNull())
    .addColumn('effective_to', 'date')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('tax_rate_dates', sql`effective_to is null or effective_to >= effective_from`)
    .execute();
  await db.schema.createIndex('tax_rate_entity').on('tax_rate').columns(['legal_entity_id', 'effective_from', 'id']).execute();

  await db.schema
    .createTable('document_sequence')
    .addColumn('legal_entity_id', 'text', (col) => col.notNull())
    .addColumn('kind', 'text', (col) => col.notNull().check(sql`kind in ('INVOICE', 'CREDIT_NOTE')`))
    .addColumn('next_number', 'integer', (col) => col.notNull().check(sql`next_number > 0`))
    .addPrimaryKeyConstraint('document_sequence_pk', ['legal_entity_id', 'kind'])
    .execute();

  await db.schema
    .createTable('invoice')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('number', 'text')
    .addColumn('legal_entity_id', 'text', (col) => col.notNull())
    .addColumn('customer_id', 'text', (col) => col.notNull())
    .addColumn('contract_id', 'text')
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('DRAFT', 'ISSUED', 'PARTIALLY_PAID', 'PAID', 'VOID')`))
    .addColumn('period_start', 'date')
    .addColumn('period_end', 'date')
    .addColumn('issue_date', 'date')
    .addColumn('due_date', 'date')
    .addColumn('tax_rate_id', 'text', (col) => col.references('tax_rate.id'))
    .addColumn('tax_rate_percent', 'numeric(7, 4)')
    .addColumn('subtotal', 'numeric(16, 2)', (col) => col.notNull().defaultTo(0))
    .addColumn('tax_total', 'numeric(16, 2)', (col) => col.notNull().defaultTo(0))
    .addColumn('total', 'numeric(16, 2)', (col) => col.notNull().defaultTo(0))
    .addColumn('issued_at', 'timestamptz')
    .addColumn('voided_at', 'timestamptz')
    .addColumn('void_reason', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('invoice_number', ['legal_entity_id', 'number'])
    // A draft has no number yet; an issued invoice has its number and dates.
    .addCheckConstraint('invoice_draft_unnumbered', sql`status <> 'DRAFT' or number is null`)
    .addCheckConstraint(
      'invoice_issued_complete',
      sql`status not in ('ISSUED', 'PARTIALLY_PAID', 'PAID') or (number is not null and issue_date is not null and due_date is not null)`,
    )
    .addCheckConstraint('invoice_total', sql`total = subtotal + tax_total`)
    .execute();
  await db.schema.createIndex('invoice_customer').on('invoice').columns(['customer_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('invoice_contract').on('invoice').columns(['contract_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('invoice_created').on('invoice').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('billing_event')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('source_type', 'text', (col) => col.notNull().check(sql`source_type in ${sourceTypes}`))
    .addColumn('source_id', 'text', (col) => col.notNull())
    .addColumn('contract_id', 'text', (col) => col.notNull())
    .addColumn('project_id', 'text')
    .addColumn('customer_id', 'text', (col) => col.notNull())
    .addColumn('legal_entity_id', 'text', (col) => col.notNull())
    .addColumn('worker_id', 'text')
    .addColumn('role_id', 'text')
    .addColumn('task_id', 'text')
    .addColumn('date', 'date', (col) => col.notNull())
    .addColumn('description', 'text', (col) => col.notNull())
    .addColumn('hours', 'numeric(12, 2)')
    .addColumn('rate', 'numeric(16, 2)')
    .addColumn('amount', 'numeric(16, 2)', (col) => col.notNull())
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('fx_rate', 'numeric(18, 6)')
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('UNBILLED', 'BILLED', 'REVERSED', 'HELD')`))
    .addColumn('held_reason', 'text')
    .addColumn('reversed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('billing_event_held_reason', sql`(status = 'HELD') = (held_reason is not null)`)
    .addCheckConstraint('billing_event_reversed', sql`(status = 'REVERSED') = (reversed_at is not null)`)
    .execute();
  // Each billable source has at most one live billing event, whatever retries or replays happen.
  await db.schema
    .createIndex('billing_event_live_source')
    .on('billing_event')
    .columns(['source_type', 'source_id'])
    .unique()
    .where(sql<boolean>`status <> 'REVERSED'`)
    .execute();
  await db.schema.createIndex('billing_event_source').on('billing_event').columns(['source_id']).execute();
  await db.schema.createIndex('billing_event_contract').on('billing_event').columns(['contract_id', 'date', 'id']).execute();
  await db.schema.createIndex('billing_event_project').on('billing_event').columns(['project_id', 'status']).execute();
  await db.schema.createIndex('billing_event_customer').on('billing_event').columns(['customer_id', 'date', 'id']).execute();
  await db.schema.createIndex('billing_event_date').on('billing_event').columns(['date', 'id']).execute();

  await db.schema
    .createTable('invoice_line')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('invoice_id', 'text', (col) => col.notNull().references('invoice.id'))
    .addColumn('position', 'integer', (col) => col.notNull())
    .addColumn('source_type', 'text', (col) => col.notNull().check(sql`source_type in ${sourceTypes}`))
    .addColumn('source_id', 'text')
    .addColumn('billing_event_id', 'text', (col) => col.references('billing_event.id'))
    .addColumn('project_id', 'text')
    .addColumn('description', 'text', (col) => col.notNull())
    .addColumn('quantity', 'numeric(12, 2)', (col) => col.notNull())
    .addColumn('unit_price', 'numeric(16, 2)', (col) => col.notNull())
    .addColumn('amount', 'numeric(16, 2)', (col) => col.notNull())
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('released_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('invoice_line_source', sql`source_type = 'ADJUSTMENT' or source_id is not null`)
    .addUniqueConstraint('invoice_line_position', ['invoice_id', 'position'])
    .execute();
  // Each billable source sits on at most one live invoice line: it is billed once.
  await db.schema
    .createIndex('invoice_line_live_source')
    .on('invoice_line')
    .columns(['source_type', 'source_id'])
    .unique()
    .where(sql<boolean>`released_at is null`)
    .execute();
  await db.schema
    .createIndex('invoice_line_live_event')
    .on('invoice_line')
    .column('billing_event_id')
    .unique()
    .where(sql<boolean>`released_at is null`)
    .execute();
  await db.schema.createIndex('invoice_line_event').on('invoice_line').column('billing_event_id').execute();
  await db.schema.createIndex('invoice_line_project').on('invoice_line').column('project_id').execute();

  await db.schema
    .createTable('payment')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('invoice_id', 'text', (col) => col.notNull().references('invoice.id'))
    .addColumn('amount', 'numeric(16, 2)', (col) => col.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('received_on', 'date', (col) => col.notNull())
    .addColumn('reference', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('payment_invoice').on('payment').columns(['invoice_id', 'received_on']).execute();

  await db.schema
    .createTable('credit_note')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('number', 'text')
    .addColumn('invoice_id', 'text', (col) => col.notNull().references('invoice.id'))
    .addColumn('legal_entity_id', 'text', (col) => col.notNull())
    .addColumn('customer_id', 'text', (col) => col.notNull())
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('DRAFT', 'ISSUED')`))
    .addColumn('reason', 'text')
    .addColumn('total', 'numeric(16, 2)', (col) => col.notNull().defaultTo(0))
    .addColumn('issued_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('credit_note_number', ['legal_entity_id', 'number'])
    .addCheckConstraint('credit_note_issued', sql`status <> 'ISSUED' or (number is not null and issued_at is not null)`)
    .execute();
  await db.schema.createIndex('credit_note_invoice').on('credit_note').column('invoice_id').execute();

  await db.schema
    .createTable('credit_note_line')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('credit_note_id', 'text', (col) => col.notNull().references('credit_note.id'))
    .addColumn('position', 'integer', (col) => col.notNull())
    .addColumn('source_type', 'text', (col) => col.notNull().check(sql`source_type in ${sourceTypes}`))
    .addColumn('source_id', 'text')
    .addColumn('invoice_line_id', 'text', (col) => col.references('invoice_line.id'))
    .addColumn('project_id', 'text')
    .addColumn('description', 'text', (col) => col.notNull())
    .addColumn('amount', 'numeric(16, 2)', (col) => col.notNull())
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addUniqueConstraint('credit_note_line_position', ['credit_note_id', 'position'])
    .execute();
  await db.schema.createIndex('credit_note_line_invoice_line').on('credit_note_line').column('invoice_line_id').execute();
  await db.schema.createIndex('credit_note_line_project').on('credit_note_line').column('project_id').execute();

  await db.schema
    .createTable('cost_posting')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('source_type', 'text', (col) => col.notNull().check(sql`source_type in ('TIME_ENTRY', 'EXPENSE')`))
    .addColumn('source_id', 'text', (col) => col.notNull())
    .addColumn('worker_id', 'text')
    .addColumn('project_id', 'text', (col) => col.notNull())
    .addColumn('legal_entity_id', 'text', (col) => col.notNull())
    .addColumn('date', 'date', (col) => col.notNull())
    .addColumn('hours', 'numeric(12, 2)')
    .addColumn('cost_rate', 'numeric(16, 2)')
    .addColumn('amount', 'numeric(16, 2)', (col) => col.notNull())
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('reversal_of', 'text', (col) => col.unique().references('cost_posting.id'))
    .addColumn('reversed_at', 'timestamptz')
    .addColumn('posted_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('cost_posting_reversal', sql`reversal_of is null or reversed_at is null`)
    .execute();
  // One live (unreversed) original posting per source; a reversal frees the source for a new posting.
  await db.schema
    .createIndex('cost_posting_live_source')
    .on('cost_posting')
    .columns(['source_type', 'source_id'])
    .unique()
    .where(sql<boolean>`reversal_of is null and reversed_at is null`)
    .execute();
  await db.schema.createIndex('cost_posting_project').on('cost_posting').columns(['project_id', 'date', 'id']).execute();
  await db.schema.createIndex('cost_posting_worker').on('cost_posting').columns(['worker_id', 'date', 'id']).execute();
  await db.schema.createIndex('cost_posting_date').on('cost_posting').columns(['date', 'id']).execute();

  await db.schema
    .createTable('revenue_schedule')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('contract_id', 'text', (col) => col.notNull())
    .addColumn('project_id', 'text')
    .addColumn('method', 'text', (col) => col.notNull().check(sql`method in ('AS_DELIVERED', 'PERCENT_COMPLETE', 'MILESTONE')`))
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('revenue_schedule_contract').on('revenue_schedule').columns(['contract_id']).execute();

  await db.schema
    .createTable('revenue_line')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('schedule_id', 'text', (col) => col.notNull().references('revenue_schedule.id'))
    .addColumn('period_start', 'date', (col) => col.notNull())
    .addColumn('period_end', 'date', (col) => col.notNull())
    .addColumn('amount', 'numeric(16, 2)', (col) => col.notNull())
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('recognized', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('recognized_at', 'timestamptz')
    .addCheckConstraint('revenue_line_dates', sql`period_end >= period_start`)
    .execute();
  await db.schema.createIndex('revenue_line_schedule').on('revenue_line').columns(['schedule_id', 'period_start']).execute();
}
