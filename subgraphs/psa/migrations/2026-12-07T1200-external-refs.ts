import type { Kysely } from 'kysely';
import { trackChanges } from '../../../lib/db/changes.ts';
import { createExternalRefTable } from '../../../lib/external-refs.ts';

/**
 * Issue 17: the ids other systems give projects, tasks, assignments and milestones (`external_ref`), and pulls by
 * change of the lists a system may mirror (projects, assignments).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await createExternalRefTable(db);
  await trackChanges(db, 'project');
  await trackChanges(db, 'assignment');
}
