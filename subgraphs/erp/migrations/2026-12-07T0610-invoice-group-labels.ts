import type { Kysely } from 'kysely';

/**
 * A grouped invoice prints one line per project, role, worker or task, named as the customer knows it. The names live
 * in psa and hcm; erp reads them through the gateway when it drafts and keeps them on the lines (an invoice says what
 * it said when it was drafted, whatever is renamed later). Lines drafted before read null: the graph still resolves
 * the group's `project`, `role`, `worker` or `task` for them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('invoice_line').addColumn('group_label', 'text').execute();
}
