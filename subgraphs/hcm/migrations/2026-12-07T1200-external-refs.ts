import type { Kysely } from 'kysely';
import { trackChanges } from '../../../lib/db/changes.ts';
import { createExternalRefTable } from '../../../lib/external-refs.ts';

/**
 * Issue 17: workers, roles, cost centers and legal entities carry their ids in other systems (the HR system's
 * employee id, the ERP's cost center); workers, the list a system mirrors, are pulled by change (`updatedAfter`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await createExternalRefTable(db);
  await trackChanges(db, 'worker');
}
