import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { SubgraphDatabase } from '../../lib/db/database.ts';
import { DomainError } from '../../lib/errors.ts';
import type { Identity } from '../../lib/auth/identity.ts';
import { createIdempotencyTable, runIdempotent, scopeIdempotencyKeys, unscopedCaller, type IdempotencyTables } from '../../lib/idempotency.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const teller: Identity = { workerId: 'teller-1', roles: ['FINANCE'] };
const otherTeller: Identity = { workerId: 'teller-2', roles: ['FINANCE'] };

interface Db extends IdempotencyTables {
  account: { id: string; balance: number };
}

const migrations = {
  '0001': {
    up: async (db: Kysely<any>) => {
      await createIdempotencyTable(db);
      await scopeIdempotencyKeys(db);
      await db.schema.createTable('account').addColumn('id', 'text', (col) => col.primaryKey()).addColumn('balance', 'integer', (col) => col.notNull()).execute();
    },
  },
};

/**
 * A retried request with the same key has one effect and gets the first answer, whether the retry comes after the
 * first committed or while it runs; even when running the work twice would fail (here: a one-time transfer).
 */
describe('runIdempotent', () => {
  let testDb: TestDatabase;
  let database: SubgraphDatabase<Db>;
  before(async () => {
    testDb = await createTestDatabase();
    const { openSubgraphDatabase } = await import('../../lib/db/database.ts');
    database = await openSubgraphDatabase<Db>(testDb.target, testDb.schemaFor('idempotencytest'), migrations);
    await database.db.insertInto('account').values([{ id: 'a', balance: 100 }]).execute();
  });
  after(() => testDb.cleanup([database]));

  /** Takes 30 from the account once: a second run finds too little and fails, as a status check would. */
  const withdraw = (amount: number) => async (trx: Transaction<Db>) => {
    const { balance } = await trx.selectFrom('account').select('balance').where('id', '=', 'a').forUpdate().executeTakeFirstOrThrow();
    if (balance < 100) throw new DomainError('INVALID_TRANSITION', 'already withdrawn');
    // Give a concurrent twin time to start its own transaction.
    await sql`select pg_sleep(0.05)`.execute(trx);
    await trx.updateTable('account').set({ balance: balance - amount }).where('id', '=', 'a').execute();
    return { balance: balance - amount };
  };
  const balance = async () => (await database.db.selectFrom('account').select('balance').where('id', '=', 'a').executeTakeFirstOrThrow()).balance;

  it('runs once for concurrent twins and gives both the first answer', async () => {
    const twins = await Promise.all([
      runIdempotent(database.db, { caller: teller, operation: 'withdraw', key: 'k-1', request: { amount: 30 } }, withdraw(30)),
      runIdempotent(database.db, { caller: teller, operation: 'withdraw', key: 'k-1', request: { amount: 30 } }, withdraw(30)),
    ]);
    assert.deepEqual(twins, [{ balance: 70 }, { balance: 70 }]);
    assert.equal(await balance(), 70);
  });

  it('replays a later retry, refuses the key for another request, and runs keyless work every time', async () => {
    assert.deepEqual(await runIdempotent(database.db, { caller: teller, operation: 'withdraw', key: 'k-1', request: { amount: 30 } }, withdraw(30)), { balance: 70 });
    await assert.rejects(
      runIdempotent(database.db, { caller: teller, operation: 'withdraw', key: 'k-1', request: { amount: 40 } }, withdraw(40)),
      (error: DomainError) => error.code === 'IDEMPOTENCY_KEY_REUSED',
    );
    // The same key names another request under another operation.
    await assert.rejects(
      runIdempotent(database.db, { caller: teller, operation: 'deposit', key: 'k-1', request: { amount: 30 } }, withdraw(30)),
      (error: DomainError) => error.code === 'INVALID_TRANSITION',
    );
    await assert.rejects(
      runIdempotent(database.db, { caller: teller, operation: 'withdraw', key: null, request: null }, withdraw(30)),
      (error: DomainError) => error.code === 'INVALID_TRANSITION',
    );
    await assert.rejects(
      runIdempotent(database.db, { caller: teller, operation: 'withdraw', key: 'x'.repeat(201), request: null }, withdraw(30)),
      (error: DomainError) => error.code === 'BAD_USER_INPUT',
    );
    assert.equal(await balance(), 70);
  });

  it('stores nothing for a failed request: the key stays free', async () => {
    await assert.rejects(runIdempotent(database.db, { caller: teller, operation: 'withdraw', key: 'k-2', request: { amount: 10 } }, withdraw(10)));
    const stored = await database.db.selectFrom('idempotency_key').select('key').where('key', '=', 'k-2').execute();
    assert.deepEqual(stored, []);
  });

  it("scopes keys per caller: another caller's same key is another operation, each retry gets its own answer", async () => {
    await database.db.updateTable('account').set({ balance: 100 }).where('id', '=', 'a').execute();
    const mine = { caller: teller, operation: 'withdraw', key: 'shared', request: { amount: 30 } };
    const theirs = { ...mine, caller: otherTeller, request: { amount: 40 } };
    assert.deepEqual(await runIdempotent(database.db, mine, withdraw(30)), { balance: 70 });
    await database.db.updateTable('account').set({ balance: 100 }).where('id', '=', 'a').execute();
    assert.deepEqual(await runIdempotent(database.db, theirs, withdraw(40)), { balance: 60 }, 'not IDEMPOTENCY_KEY_REUSED');
    assert.deepEqual(await runIdempotent(database.db, mine, withdraw(30)), { balance: 70 });
    assert.deepEqual(await runIdempotent(database.db, theirs, withdraw(40)), { balance: 60 });
    // Workers, services and subject-less tokens are callers apart, even with the same roles.
    const service = await runIdempotent(database.db, { ...mine, caller: { workerId: null, roles: ['FINANCE'], service: 'erp' } }, async () => 'service');
    const anonymous = await runIdempotent(database.db, { ...mine, caller: { workerId: null, roles: ['FINANCE'] } }, async () => 'token');
    assert.deepEqual([service, anonymous], ['service', 'token']);
  });

  it('still answers a retry of a key stored before keys were scoped, for the same request only', async () => {
    const first = { caller: teller, operation: 'deposit', key: 'before-scopes', request: { amount: 5 } };
    await database.db
      .insertInto('idempotency_key')
      .values({ caller: unscopedCaller, operation: 'deposit', key: 'before-scopes', request_hash: hashOfRequest(first.request), response: JSON.stringify('first'), created_at: new Date() })
      .execute();
    assert.equal(await runIdempotent(database.db, first, async () => 'again'), 'first');
    assert.equal(await runIdempotent(database.db, { ...first, request: { amount: 6 } }, async () => 'another'), 'another', 'whose it was is unknown: not refused');
  });
});

/** The request hash runIdempotent stores (a row written before the migration has the same). */
const hashOfRequest = (request: unknown) => createHash('sha256').update(JSON.stringify(request)).digest('hex');
