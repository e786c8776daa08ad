import type { Kysely } from 'kysely';
import { instantsToTheMillisecond } from '../../../lib/db/changes.ts';

/** The instant that lists opportunities (newest first) to the millisecond, as its cursors carry it (lib/db/changes.ts). */
export async function up(db: Kysely<any>): Promise<void> {
  await instantsToTheMillisecond(db, 'opportunity', ['created_at']);
}
