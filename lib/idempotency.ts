import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { DomainError } from './errors.ts';

/** Part of every subgraph's Database type (created with the outbox tables). */
export interface IdempotencyTables {
  idempotency_key: {
    operation: string;
    key: string;
    request_hash: string;
    response: unknown;
    created_at: Date;
  };
}

export async function createIdempotencyTable(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('idempotency_key')
    .addColumn('operation', 'text', (col) => col.notNull())
    .addColumn('key', 'text', (col) => col.notNull())
    .addColumn('request_hash', 'text', (col) => col.notNull())
    .addColumn('response', 'jsonb', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('idempotency_key_pk', ['operation', 'key'])
    .execute();
}

const hashOf = (request: unknown) => createHash('sha256').update(JSON.stringify(request)).digest('hex');

/**
 * Runs `work` in one transaction, once per (operation, key). A retry with the same key and the same request gets
 * the first result back and changes nothing; the same key with a different request is IDEMPOTENCY_KEY_REUSED. The
 * key row is written in the work's own transaction, so a concurrent twin waits on the primary key and then sees the
 * committed result. Without a key, `work` simply runs in a transaction.
 */
export async function runIdempotent<DB extends IdempotencyTables, Result>(
  db: Kysely<DB>,
  idempotency: { operation: string; key: string | null | undefined; request: unknown },
  work: (trx: Transaction<DB>) => Promise<Result>,
): Promise<Result> {
  const { operation, key, request } = idempotency;
  if (!key) return db.transaction().execute(work);
  if (key.length > 200) throw new DomainError('BAD_USER_INPUT', 'idempotencyKey: at most 200 characters');
  const requestHash = hashOf(request);
  const typed = db as unknown as Kysely<IdempotencyTables>;
  const previous = await typed.selectFrom('idempotency_key').selectAll().where('operation', '=', operation).where('key', '=', key).executeTakeFirst();
  const replay = (row: IdempotencyTables['idempotency_key']) => {
    if (row.request_hash !== requestHash) {
      throw new DomainError('IDEMPOTENCY_KEY_REUSED', `idempotency key "${key}" was used for a different ${operation} request`);
    }
    return row.response as Result;
  };
  if (previous) return replay(previous);
  try {
    return await db.transaction().execute(async (trx) => {
      // Twins queue here: the second runs after the first commits, finds its key row and replays it, instead of
      // failing on whatever the first changed (a status moved on, a row locked).
      await sql`select pg_advisory_xact_lock(hashtext(${`idempotency:${operation}:${key}`}))`.execute(trx);
      const committed = await (trx as unknown as Transaction<IdempotencyTables>)
        .selectFrom('idempotency_key')
        .selectAll()
        .where('operation', '=', operation)
        .where('key', '=', key)
        .executeTakeFirst();
      if (committed) return replay(committed);
      const result = await work(trx);
      await (trx as unknown as Transaction<IdempotencyTables>)
        .insertInto('idempotency_key')
        .values({ operation, key, request_hash: requestHash, response: JSON.stringify(result ?? null), created_at: new Date() })
        .execute();
      return result;
    });
  } catch (error) {
    // A concurrent request with the same key committed first: its result is the answer.
    if (/idempotency_key_pk|duplicate key/.test(String((error as Error).message))) {
      const winner = await typed.selectFrom('idempotency_key').selectAll().where('operation', '=', operation).where('key', '=', key).executeTakeFirst();
      if (winner) return replay(winner);
    }
    throw error;
  }
}

/**
 * How every service writes: `runIdempotent`, then `onCommit` (the outbox relay's kick) so the transaction's events
 * leave at once instead of on the relay's next poll.
 */
export function transactionalWriter<DB extends IdempotencyTables>(db: Kysely<DB>, onCommit: () => void) {
  return async function write<T>(
    operation: string,
    idempotencyKey: string | null | undefined,
    request: unknown,
    work: (trx: Transaction<DB>) => Promise<T>,
  ): Promise<T> {
    const result = await runIdempotent(db, { operation, key: idempotencyKey, request }, work);
    onCommit();
    return result;
  };
}
