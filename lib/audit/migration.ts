import { sql, type Kysely } from 'kysely';

/** Seven years and a day: what most firms' auditors ask evidence to be kept for. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 2557;

/** The schema a migration's handle writes to (`db.withSchema(…)`), which raw SQL (functions, triggers) must name itself. */
export function migrationSchemaOf(db: Kysely<any>): string {
  const node = db.selectFrom('any_table').selectAll().toOperationNode() as any;
  const schema = node.from.froms[0].table?.schema?.name;
  if (!schema) throw new Error('the migration runs on a handle with a schema (db.withSchema)');
  return schema;
}

/**
 * Called from each subgraph's audit-log migration: the append-only `audit_log` and its guard. The guard trigger
 * refuses every UPDATE and TRUNCATE, and every DELETE of a row younger than the retention period in
 * `audit_retention` (read through the trigger's own schema, so each subgraph's guard reads its own setting); removing
 * expired rows (lib/audit/retention.ts) is the one delete it lets through.
 */
export async function createAuditLog(db: Kysely<any>): Promise<void> {
  const schema = migrationSchemaOf(db);
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('recorded_at', 'timestamptz', (col) => col.notNull())
    .addColumn('entity_type', 'text', (col) => col.notNull())
    .addColumn('entity_id', 'text', (col) => col.notNull())
    .addColumn('operation', 'text', (col) => col.notNull())
    .addColumn('actor_worker_id', 'text')
    .addColumn('actor_roles', 'jsonb', (col) => col.notNull())
    .addColumn('actor_api_key_id', 'text')
    .addColumn('actor_service', 'text')
    .addColumn('before', 'jsonb')
    .addColumn('after', 'jsonb')
    .addColumn('correlation_id', 'text', (col) => col.notNull())
    .addColumn('reason', 'text')
    .execute();
  await db.schema.createIndex('audit_log_entity').on('audit_log').columns(['entity_type', 'entity_id', 'recorded_at']).execute();
  await db.schema.createIndex('audit_log_recorded').on('audit_log').columns(['recorded_at', 'id']).execute();
  await db.schema
    .createTable('audit_retention')
    .addColumn('id', 'boolean', (col) => col.primaryKey().defaultTo(true).check(sql`id`))
    .addColumn('days', 'integer', (col) => col.notNull().check(sql`days >= 1`))
    .execute();
  await db.insertInto('audit_retention').values({ days: DEFAULT_AUDIT_RETENTION_DAYS }).execute();
  await sql`
    create function ${sql.id(schema, 'audit_log_guard')}() returns trigger language plpgsql as $$
    declare
      kept integer;
    begin
      if tg_op = 'DELETE' then
        execute format('select days from %I.audit_retention', tg_table_schema) into kept;
        if old.recorded_at < now() - make_interval(days => kept) then
          return old;
        end if;
        raise exception 'the audit log is append-only: a record is removed only after % days', kept
          using errcode = 'insufficient_privilege';
      end if;
      raise exception 'the audit log is append-only: % is refused', tg_op using errcode = 'insufficient_privilege';
    end
    $$`.execute(db);
  await sql`
    create trigger audit_log_append_only before update or delete on ${sql.id(schema, 'audit_log')}
    for each row execute function ${sql.id(schema, 'audit_log_guard')}()`.execute(db);
  await sql`
    create trigger audit_log_no_truncate before truncate on ${sql.id(schema, 'audit_log')}
    for each statement execute function ${sql.id(schema, 'audit_log_guard')}()`.execute(db);
}
