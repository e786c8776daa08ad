import { sql, type Kysely } from 'kysely';
import { createOutboxTables } from '../../../lib/events/outbox.ts';
import { createIdempotencyTable } from '../../../lib/idempotency.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await createOutboxTables(db);
  await createIdempotencyTable(db);

  await db.schema
    .createTable('customer')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('code', 'text', (col) => col.notNull().unique())
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('ACTIVE', 'INACTIVE')`))
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('parent_id', 'text', (col) => col.references('customer.id'))
    .addColumn('billing_address', 'jsonb')
    .addColumn('tax_id', 'text')
    .addColumn('external_ids', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('customer_parent').on('customer').columns(['parent_id', 'name', 'id']).execute();
  await db.schema.createIndex('customer_name').on('customer').columns(['name', 'id']).execute();

  await db.schema
    .createTable('contact')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('customer_id', 'text', (col) => col.notNull().references('customer.id'))
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('title', 'text')
    .addColumn('is_primary', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('contact_customer').on('contact').columns(['customer_id', 'name', 'id']).execute();

  await db.schema
    .createTable('contract')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('number', 'text', (col) => col.notNull().unique())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('customer_id', 'text', (col) => col.notNull().references('customer.id'))
    .addColumn('billing_method', 'text', (col) => col.notNull())
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('legal_entity_id', 'text', (col) => col.notNull())
    .addColumn('sold_hours', 'numeric(12, 2)')
    .addColumn('amount', 'numeric(16, 2)')
    .addColumn('not_to_exceed', 'numeric(16, 2)')
    .addColumn('start_date', 'date', (col) => col.notNull())
    .addColumn('end_date', 'date')
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('opportunity_id', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('contract_dates', sql`end_date is null or end_date >= start_date`)
    .execute();
  await db.schema.createIndex('contract_customer').on('contract').columns(['customer_id', 'start_date', 'id']).execute();

  await db.schema
    .createTable('opportunity')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('customer_id', 'text', (col) => col.notNull().references('customer.id'))
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('stage', 'text', (col) => col.notNull())
    .addColumn('probability', 'integer', (col) => col.notNull().check(sql`probability between 0 and 100`))
    .addColumn('amount', 'numeric(16, 2)')
    .addColumn('currency', 'char(3)')
    .addColumn('billing_method', 'text', (col) => col.notNull())
    .addColumn('legal_entity_id', 'text', (col) => col.notNull())
    .addColumn('expected_close_date', 'date')
    .addColumn('expected_start_date', 'date')
    .addColumn('expected_end_date', 'date')
    .addColumn('estimated_hours', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('closed_at', 'timestamptz')
    .addColumn('lost_reason', 'text')
    .addColumn('contract_id', 'text', (col) => col.references('contract.id'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('opportunity_customer').on('opportunity').columns(['customer_id', 'name', 'id']).execute();

  await db.schema
    .createTable('contract_amendment')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('contract_id', 'text', (col) => col.notNull().references('contract.id'))
    .addColumn('effective_date', 'date', (col) => col.notNull())
    .addColumn('description', 'text', (col) => col.notNull())
    .addColumn('sold_hours_delta', 'numeric(12, 2)')
    .addColumn('amount_delta', 'numeric(16, 2)')
    .addColumn('new_end_date', 'date')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('contract_amendment_contract').on('contract_amendment').columns(['contract_id', 'effective_date']).execute();

  await db.schema
    .createTable('rate_card')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('contract_id', 'text', (col) => col.notNull().unique().references('contract.id'))
    .addColumn('currency', 'char(3)', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('rate_card_rate')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('rate_card_id', 'text', (col) => col.notNull().references('rate_card.id'))
    .addColumn('role_id', 'text', (col) => col.notNull())
    .addColumn('bill_rate', 'numeric(14, 2)', (col) => col.notNull().check(sql`bill_rate >= 0`))
    .addColumn('effective_from', 'date', (col) => col.notNull())
    .addColumn('effective_to', 'date')
    .addCheckConstraint('rate_card_rate_dates', sql`effective_to is null or effective_to >= effective_from`)
    .execute();
  await db.schema.createIndex('rate_card_rate_card').on('rate_card_rate').columns(['rate_card_id', 'role_id', 'effective_from']).execute();
}
