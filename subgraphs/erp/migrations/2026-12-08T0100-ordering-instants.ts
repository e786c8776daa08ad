import type { Kysely } from 'kysely';
import { instantsToTheMillisecond } from '../../../lib/db/changes.ts';

/** The instants that list invoices, credit notes, billing setups and reconciliation exceptions and runs (newest first) to the millisecond, as their cursors carry them (lib/db/changes.ts). */
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ['invoice', 'credit_note', 'billing_setup']) await instantsToTheMillisecond(db, table, ['created_at']);
  await instantsToTheMillisecond(db, 'reconciliation_exception', ['found_at']);
  await instantsToTheMillisecond(db, 'reconciliation_run', ['started_at']);
}
