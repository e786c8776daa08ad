import type { Kysely } from 'kysely';

/**
 * The revenue schedule is computed from billing events and retainer drawdowns (`revenue.ts`): the stored
 * `revenue_schedule` and `revenue_line` tables, which nothing ever wrote, go.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('revenue_line').ifExists().execute();
  await db.schema.dropTable('revenue_schedule').ifExists().execute();
}
