import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kysely, sql } from 'kysely';
import { openPGlite } from '../../lib/db/database.ts';
import { Mutex } from '../../lib/db/mutex.ts';
import { PGliteDialect } from '../../lib/db/pglite-dialect.ts';
import { runAsBatch, type Workload } from '../../lib/db/workload.ts';

/** PGlite's session lock serves waiting interactive work first, without starving batch work. */

/** Queues `waiters` behind a held lock, releases it once per turn, and reports the order the waiters got it in. */
async function grantOrder(lock: Mutex, waiters: ReadonlyArray<[string, Workload]>): Promise<string[]> {
  await lock.acquire();
  const order: string[] = [];
  const granted = waiters.map(([name, workload]) => lock.acquire(workload).then(() => order.push(name)));
  for (let turn = 0; turn < waiters.length; turn++) {
    lock.release();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(granted);
  lock.release();
  return order;
}

describe('the PGlite session lock', () => {
  it('lets waiting interactive work go before batch work that queued earlier; each kind in its own order', async () => {
    const order = await grantOrder(new Mutex(), [['part 1', 'batch'], ['part 2', 'batch'], ['log 1', 'interactive'], ['log 2', 'interactive']]);
    assert.deepEqual(order, ['log 1', 'log 2', 'part 1', 'part 2']);
  });

  it('gives a waiting batch turn after `interactiveTurns` interactive turns in a row', async () => {
    const order = await grantOrder(new Mutex(2), [['part', 'batch'], ['log 1', 'interactive'], ['log 2', 'interactive'], ['log 3', 'interactive']]);
    assert.deepEqual(order, ['log 1', 'log 2', 'part', 'log 3']);
  });

  it('is free again once every waiter has released it', async () => {
    const lock = new Mutex();
    await grantOrder(lock, [['part', 'batch'], ['log', 'interactive']]);
    let acquired = false;
    await lock.acquire('batch').then(() => (acquired = true));
    assert.equal(acquired, true);
  });
});

describe('PGlite connections by workload', () => {
  it('a request queued behind a transaction goes before batch work queued earlier (runAsBatch, or a batch handle)', async () => {
    const session = await openPGlite();
    const db = new Kysely<any>({ dialect: new PGliteDialect(session) });
    const background = new Kysely<any>({ dialect: new PGliteDialect(session, 'batch') });
    try {
      let finish!: () => void;
      let began!: () => void;
      const holding = new Promise<void>((resolve) => (began = resolve));
      const held = db.transaction().execute(async () => {
        began();
        await new Promise<void>((resolve) => (finish = resolve));
      });
      await holding;
      const order: string[] = [];
      const waiting = [
        runAsBatch(() => sql`select 1`.execute(db)).then(() => order.push('month-end part')),
        sql`select 1`.execute(background).then(() => order.push('relay')),
        sql`select 1`.execute(db).then(() => order.push('request')),
      ];
      await new Promise((resolve) => setImmediate(resolve));
      finish();
      await Promise.all([held, ...waiting]);
      assert.deepEqual(order, ['request', 'month-end part', 'relay']);
    } finally {
      await db.destroy();
      await session.pglite.close();
    }
  });
});
