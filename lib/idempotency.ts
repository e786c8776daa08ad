import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { DutyRefusal, recordRefusal } from './audit/segregation.ts';
import { callerOf, type Identity } from './auth/identity.ts';
import { retryingDeadlocks } from './db/retry.ts';
import { DomainError } from './errors.ts';

/** Part of every subgraph's Database type (created with the outbox tables). */
export interface IdempotencyTables {
  idempotency_key: {
    /** Whose key it is (`callerOf`); `unscopedCaller` for keys stored before keys were scoped. */
    caller: string;
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

/** The caller of keys stored before keys were scoped. */
export const unscopedCaller = '';

/**
 * Scopes keys per caller: the same key from two callers names two operations, as Stripe scopes keys per account.
 * Keys stored before stay, under `unscopedCaller`; a migration cannot tell whose they were.
 */
export async function scopeIdempotencyKeys(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('idempotency_key').addColumn('caller', 'text', (col) => col.notNull().defaultTo(unscopedCaller)).execute();
  await db.schema.alterTable('idempotency_key').alterColumn('caller', (col) => col.dropDefault()).execute();
  await db.schema.alterTable('idempotency_key').dropConstraint('idempotency_key_pk').execute();
  await db.schema.alterTable('idempotency_key').addPrimaryKeyConstraint('idempotency_key_pk', ['caller', 'operation', 'key']).execute();
}


/** What makes a request idempotent: who asks, what for, under which key, and the request the key stands for. */
export interface Idempotency {
  readonly caller: Identity;
  readonly operation: string;
  readonly key: string | null | undefined;
  readonly request: unknown;
}

type KeyRow = IdempotencyTables['idempotency_key'];

const hashOf = (request: unknown) => createHash('sha256').update(JSON.stringify(request)).digest('hex');

/**
 * The stored row of a key: the caller's own, else one stored before keys were scoped that answered the same request
 * (what a retry straddling the migration would have replayed then). Another request under an unscoped key is not this
 * caller's business: it may have been anyone's.
 */
async function storedRow(db: Kysely<IdempotencyTables>, caller: string, operation: string, key: string, requestHash: string) {
  const rows = await db
    .selectFrom('idempotency_key')
    .selectAll()
    .where('caller', 'in', [caller, unscopedCaller])
    .where('operation', '=', operation)
    .where('key', '=', key)
    .execute();
  return rows.find((row) => row.caller === caller) ?? rows.find((row) => row.request_hash === requestHash);
}

function replay<Result>(row: KeyRow, requestHash: string, { operation, key }: Idempotency): Result {
  if (row.request_hash !== requestHash) {
    throw new DomainError('IDEMPOTENCY_KEY_REUSED', `idempotency key "${key}" was used for a different ${operation} request`);
  }
  return row.response as Result;
}

const checkKey = (key: string) => {
  if (key.length > 200) throw new DomainError('BAD_USER_INPUT', 'idempotencyKey: at most 200 characters');
};

/**
 * The first answer to a key, for work that must not even start on a replay (it asks other systems first): `undefined`
 * while the key is unused, IDEMPOTENCY_KEY_REUSED when the caller used it for another request.
 */
export async function committedAnswer<DB extends IdempotencyTables>(db: Kysely<DB>, idempotency: Idempotency): Promise<{ result: unknown } | undefined> {
  const { key, operation, request } = idempotency;
  if (!key) return undefined;
  checkKey(key);
  const requestHash = hashOf(request);
  const row = await storedRow(db as unknown as Kysely<IdempotencyTables>, callerOf(idempotency.caller), operation, key, requestHash);
  return row ? { result: replay(row, requestHash, idempotency) } : undefined;
}

/**
 * Runs `work` in one transaction, once per (caller, operation, key). A retry with the same key and the same request
 * gets the first result back and changes nothing; the same key with a different request is IDEMPOTENCY_KEY_REUSED; the
 * same key from another caller is another operation. The key row is written in the work's own transaction, so a
 * concurrent twin waits on the primary key and then sees the committed result. Without a key, `work` simply runs in a
 * transaction.
 */
export async function runIdempotent<DB extends IdempotencyTables, Result>(
  db: Kysely<DB>,
  idempotency: Idempotency,
  work: (trx: Transaction<DB>) => Promise<Result>,
): Promise<Result> {
  const { operation, key, request } = idempotency;
  if (!key) return retryingDeadlocks(() => db.transaction().execute(work));
  checkKey(key);
  const caller = callerOf(idempotency.caller);
  const requestHash = hashOf(request);
  const typed = db as unknown as Kysely<IdempotencyTables>;
  const previous = await storedRow(typed, caller, operation, key, requestHash);
  if (previous) return replay(previous, requestHash, idempotency);
  try {
    return await retryingDeadlocks(() => db.transaction().execute(async (trx) => {
      // Twins queue here: the second runs after the first commits, finds its key row and replays it, instead of
      // failing on whatever the first changed (a status moved on, a row locked).
      await sql`select pg_advisory_xact_lock(hashtext(${`idempotency:${caller}:${operation}:${key}`}))`.execute(trx);
      const committed = await storedRow(trx as unknown as Transaction<IdempotencyTables>, caller, operation, key, requestHash);
      if (committed) return replay<Result>(committed, requestHash, idempotency);
      const result = await work(trx);
      await (trx as unknown as Transaction<IdempotencyTables>)
        .insertInto('idempotency_key')
        .values({ caller, operation, key, request_hash: requestHash, response: JSON.stringify(result ?? null), created_at: new Date() })
        .execute();
      return result;
    }));
  } catch (error) {
    // A concurrent request with the same key committed first: its result is the answer.
    if (/idempotency_key_pk|duplicate key/.test(String((error as Error).message))) {
      const winner = await storedRow(typed, caller, operation, key, requestHash);
      if (winner) return replay(winner, requestHash, idempotency);
    }
    throw error;
  }
}

/**
 * How every service writes: `runIdempotent` under the request's identity, then `onCommit` (the outbox relay's kick) so
 * the transaction's events leave at once instead of on the relay's next poll.
 */
export function transactionalWriter<DB extends IdempotencyTables>(db: Kysely<DB>, onCommit: () => void) {
  return async function write<T>(
    scope: { readonly identity: Identity; readonly correlationId?: string },
    operation: string,
    idempotencyKey: string | null | undefined,
    request: unknown,
    work: (trx: Transaction<DB>) => Promise<T>,
  ): Promise<T> {
    try {
      const result = await runIdempotent(db, { caller: scope.identity, operation, key: idempotencyKey, request }, work);
      onCommit();
      return result;
    } catch (error) {
      // A segregation rule's refusal rolled the mutation back; the refusal itself is evidence, kept on its own.
      if (error instanceof DutyRefusal) await recordRefusal(db, scope, error);
      throw error;
    }
  };
}

/** The operation name a part of a job run in parts is stored under (`runInParts`): `<operation>#<part>`. */
export const partOperation = (operation: string, part: string) => `${operation}#${part}`;

/**
 * The parts of `idempotency`'s job committed so far under its key (an earlier attempt that failed midway), by part
 * name; IDEMPOTENCY_KEY_REUSED when they were committed for another request. Empty without a key.
 */
export async function committedParts<DB extends IdempotencyTables>(db: Kysely<DB>, idempotency: Idempotency): Promise<Map<string, unknown>> {
  const { key, operation } = idempotency;
  if (!key) return new Map();
  const requestHash = hashOf(idempotency.request);
  const prefix = partOperation(operation, '');
  const rows = await (db as unknown as Kysely<IdempotencyTables>)
    .selectFrom('idempotency_key')
    .selectAll()
    .where('caller', '=', callerOf(idempotency.caller))
    .where('key', '=', key)
    .where(sql<boolean>`starts_with(operation, ${prefix})`)
    .execute();
  return new Map(rows.map((row) => [row.operation.slice(prefix.length), replay(row, requestHash, idempotency)]));
}
