import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Ordering } from '../graphql/connection.ts';

/**
 * Incremental pulls (`filter: { updatedAfter }`): a system mirroring a list asks for what changed after the newest
 * `updatedAt` it holds and pages on, in the order of last change, then id. Every change to a row a mirror keeps (a
 * status, a reversal, a field) moves its `updated_at`; rows that are deleted leave a tombstone.
 *
 * A transaction that commits late may carry an `updated_at` a little before what a client has already read: clients
 * ask again from a minute before their newest `updatedAt` and upsert by id (README, "Get told of changes").
 */
export const changeOrdering = (table: string): Ordering => ({ columns: [`${table}.updated_at`, `${table}.id`], direction: 'asc' });

export function changedAfter<Q extends SelectQueryBuilder<any, any, any>>(query: Q, table: string, updatedAfter: Date | string | null | undefined): Q {
  if (updatedAfter == null) return query;
  return query.where(sql.ref(`${table}.updated_at`), '>', new Date(updatedAfter)) as Q;
}

/**
 * Makes a table pullable by change: `updated_at` stored to the millisecond (what a JavaScript Date and the API's
 * DateTime carry, so a cursor or an `updatedAfter` read from a row names exactly that row's time) and indexed with the
 * id for the change order.
 */
export async function trackChanges(db: Kysely<any>, table: string): Promise<void> {
  await sql`alter table ${sql.table(table)} alter column updated_at type timestamptz(3)`.execute(db);
  await db.schema.createIndex(`${table}_changes`).on(table).columns(['updated_at', 'id']).execute();
}
