import { sql, type Kysely } from 'kysely';

/** How a FIXED_FEE contract's fee is billed: by milestones, by a schedule, or by percent complete (null: not said). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('contract')
    .addColumn('fixed_fee_method', 'text', (col) => col.check(sql`fixed_fee_method in ('MILESTONE', 'SCHEDULE', 'PERCENT_COMPLETE')`))
    .execute();
  await db.schema
    .alterTable('contract')
    .addCheckConstraint('contract_fixed_fee_method', sql`fixed_fee_method is null or billing_method = 'FIXED_FEE'`)
    .execute();
}
