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
  await instantsToTheMillisecond(db, table, ['updated_at']);
  await db.schema.createIndex(`${table}_changes`).on(table).columns(['updated_at', 'id']).execute();
}

/**
 * Stores instants that a list is ordered by to the millisecond (`timestamptz(3)`, rounding what is there). A page's
 * cursor carries the last row's instant as a JavaScript Date, i.e. to the millisecond; with microseconds stored
 * (`now()` writes them), the next page's `(instant, id) < (cursor)` would pass over the rows of that millisecond
 * not yet read, and an ascending order would repeat them. Every ordering column of type timestamptz is checked by
 * test/lib/instant-orderings.test.ts.
 */
export async function instantsToTheMillisecond(db: Kysely<any>, table: string, columns: readonly string[]): Promise<void> {
  // The schema builder, not raw SQL: a raw statement is not given the subgraph's schema (the migrator's withSchema).
  for (const column of columns) await db.schema.alterTable(table).alterColumn(column, (col) => col.setDataType(sql`timestamptz(3)`)).execute();
}

/**
 * Tombstones (issue 17): a subgraph that hard-deletes rows a mirror keeps writes one `deleted_record` row per deleted
 * record in the deleting transaction, so a mirror learns of deletions as it learns of changes: by polling after the
 * newest `deletedAt` it holds (the same minute of overlap as for `updatedAfter`). One table per such subgraph.
 */
export interface DeletedRecordTables {
  deleted_record: {
    /** The GraphQL typename of the deleted record: `TimeEntry`, `ExpenseEntry`, … */
    entity: string;
    record_id: string;
    deleted_at: Date;
  };
}

export type DeletedRecordRow = DeletedRecordTables['deleted_record'];

export async function createDeletedRecordTable(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('deleted_record')
    .addColumn('entity', 'text', (col) => col.notNull())
    .addColumn('record_id', 'text', (col) => col.notNull())
    .addColumn('deleted_at', sql`timestamptz(3)`, (col) => col.notNull())
    .addPrimaryKeyConstraint('deleted_record_pk', ['entity', 'record_id'])
    .execute();
  await db.schema.createIndex('deleted_record_changes').on('deleted_record').columns(['entity', 'deleted_at', 'record_id']).execute();
}

/** Records the deletion of these records of `entity` at `at`; a record id deleted again (re-created) moves on to `at`. */
export async function recordDeletion(trx: Kysely<any>, entity: string, recordIds: readonly string[], at: Date): Promise<void> {
  if (recordIds.length === 0) return;
  await (trx as Kysely<DeletedRecordTables>)
    .insertInto('deleted_record')
    .values(recordIds.map((recordId) => ({ entity, record_id: recordId, deleted_at: at })))
    .onConflict((conflict) => conflict.columns(['entity', 'record_id']).doUpdateSet((eb) => ({ deleted_at: eb.ref('excluded.deleted_at') })))
    .execute();
}

/** The order a tombstone list pages in: deletion time, then id (unique per entity). */
export const deletionOrdering: Ordering = { columns: ['deleted_record.deleted_at', 'deleted_record.record_id'], direction: 'asc' };

/** The tombstones of `entity` deleted after `deletedAfter`, for `paginate` with `deletionOrdering`. */
export function deletedAfter(db: Kysely<any>, entity: string, after: Date | string) {
  return (db as Kysely<DeletedRecordTables>)
    .selectFrom('deleted_record')
    .selectAll()
    .where('entity', '=', entity)
    .where('deleted_at', '>', new Date(after));
}
