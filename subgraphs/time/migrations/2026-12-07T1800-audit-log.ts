import type { Kysely } from 'kysely';
import { createAuditLog } from '../../../lib/audit/migration.ts';

/** The append-only audit log of financial changes and its guard trigger (lib/audit/migration.ts). */
export async function up(db: Kysely<any>): Promise<void> {
  await createAuditLog(db);
}
