import { sql, type Kysely } from 'kysely';
import { migrationSchemaOf } from '../../../lib/audit/migration.ts';

/**
 * What `explanation` reads (issue 21, "explain any amount"):
 * - `basis` on billing events and cost postings: what priced them that the row's own columns do not say — the rule
 *   that chose a time entry's bill rate (frozen by time at approval), who approved the source, an expense's markup,
 *   the cap or fee usage that held it when written, the cost rate's period. Null on rows written before.
 * - `billing_event_change`: every change of a billing event's status, hold, amount, FX conversion or reversal, written
 *   by a statement trigger in the changing statement's own transaction, so no code path (holds, releases, drafting,
 *   group share-outs, voids, credits, FX releases, reversals) can change an amount without leaving its trace. One
 *   statement-level trigger per statement, not per row: a month-end draft of 150,000 events pays one insert-select.
 *   Append-only, as the audit log.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const schema = migrationSchemaOf(db);
  await db.schema.alterTable('billing_event').addColumn('basis', 'jsonb').execute();
  await db.schema.alterTable('cost_posting').addColumn('basis', 'jsonb').execute();
  await db.schema
    .createTable('billing_event_change')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('billing_event_id', 'text', (col) => col.notNull())
    .addColumn('changed_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('old_status', 'text', (col) => col.notNull())
    .addColumn('new_status', 'text', (col) => col.notNull())
    .addColumn('old_held_reason', 'text')
    .addColumn('new_held_reason', 'text')
    .addColumn('old_amount', 'numeric(16, 2)', (col) => col.notNull())
    .addColumn('new_amount', 'numeric(16, 2)', (col) => col.notNull())
    .addColumn('old_fx_rate', 'numeric(18, 6)')
    .addColumn('new_fx_rate', 'numeric(18, 6)')
    .addColumn('old_functional_amount', 'numeric(16, 2)')
    .addColumn('new_functional_amount', 'numeric(16, 2)')
    .execute();
  await db.schema.createIndex('billing_event_change_event').on('billing_event_change').columns(['billing_event_id', 'id']).execute();
  await sql`
    create function ${sql.id(schema, 'billing_event_changed')}() returns trigger language plpgsql as $$
    begin
      execute format($insert$
        insert into %I.billing_event_change (billing_event_id, old_status, new_status, old_held_reason, new_held_reason,
          old_amount, new_amount, old_fx_rate, new_fx_rate, old_functional_amount, new_functional_amount)
        select n.id, o.status, n.status, o.held_reason, n.held_reason, o.amount, n.amount, o.fx_rate, n.fx_rate,
          o.functional_amount, n.functional_amount
        from changed_new n join changed_old o on o.id = n.id
        where (o.status, o.held_reason, o.amount, o.fx_rate, o.functional_amount)
          is distinct from (n.status, n.held_reason, n.amount, n.fx_rate, n.functional_amount)
        order by n.id$insert$, tg_table_schema);
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger billing_event_change_trail after update on ${sql.id(schema, 'billing_event')}
    referencing old table as changed_old new table as changed_new
    for each statement execute function ${sql.id(schema, 'billing_event_changed')}()`.execute(db);
  await sql`
    create function ${sql.id(schema, 'billing_event_change_guard')}() returns trigger language plpgsql as $$
    begin
      raise exception 'billing event changes are append-only: % is refused', tg_op using errcode = 'insufficient_privilege';
    end
    $$`.execute(db);
  await sql`
    create trigger billing_event_change_append_only before update or delete on ${sql.id(schema, 'billing_event_change')}
    for each row execute function ${sql.id(schema, 'billing_event_change_guard')}()`.execute(db);
}
