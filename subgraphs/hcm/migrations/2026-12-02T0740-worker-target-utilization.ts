import { sql, type Kysely } from 'kysely';

/**
 * A worker's own billable-utilization target (percent, like `role.target_utilization`). Null for everyone at first:
 * the role's target applies until a worker is given one of their own (utilization KPIs, issue 6).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('worker')
    .addColumn('target_utilization', 'numeric(5, 2)', (col) => col.check(sql`target_utilization between 0 and 100`))
    .execute();
}
