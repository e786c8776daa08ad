import { sql, type Kysely } from 'kysely';

/**
 * A retainer drawdown's hours split like its value: `drawn_hours` within the balance, `overrun_hours` beyond it
 * (drawn hours = hours × drawn ÷ amount, rounded half-up to 2 places, once; overrun hours = the rest, so the two add up
 * to the entry's hours exactly). `retainerBalance.drawnHours` counted every drawdown's hours, overrun included. Rows
 * written before get the same split from what they drew.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('recurring_usage')
    .addColumn('drawn_hours', 'numeric(12, 2)')
    .addColumn('overrun_hours', 'numeric(12, 2)')
    .execute();
  const drawnHours = sql`case when amount = 0 then hours else round(hours * drawn / amount, 2) end`;
  await db
    .updateTable('recurring_usage')
    .set({ drawn_hours: drawnHours, overrun_hours: sql`hours - ${drawnHours}` })
    .where('billing_method', '=', 'RETAINER')
    .execute();
  await db.schema
    .alterTable('recurring_usage')
    .addCheckConstraint(
      'recurring_usage_drawdown_hours',
      sql`billing_method = 'MANAGED_SERVICES' or (drawn_hours is not null and overrun_hours is not null and drawn_hours + overrun_hours = hours)`,
    )
    .execute();
}
