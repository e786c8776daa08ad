import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { SubgraphDatabase } from '../../lib/db/database.ts';
import { createEvent, type DomainEvent } from '../../lib/events/envelope.ts';
import { InProcessBus } from '../../lib/events/in-process-bus.ts';
import { addEventDurability, appendToOutbox, createOutboxTables, handleOnce, type OutboxTables } from '../../lib/events/outbox.ts';
import { startOutboxRelay } from '../../lib/events/relay.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const migrations = {
  '0001': { up: (db: Kysely<any>) => createOutboxTables(db) },
  '0002': { up: (db: Kysely<any>) => addEventDurability(db) },
};
const event = (n: number) =>
  createEvent('test', 'test.happened', { typename: 'Thing', id: String(n) }, { n }, { correlationId: `corr-${n}` }, new Date());

describe('transactional outbox', () => {
  let testDb: TestDatabase;
  let database: SubgraphDatabase<OutboxTables>;
  before(async () => {
    testDb = await createTestDatabase();
    const { openSubgraphDatabase } = await import('../../lib/db/database.ts');
    database = await openSubgraphDatabase<OutboxTables>(testDb.target, testDb.schemaFor('outboxtest'), migrations);
  });
  after(() => testDb.cleanup([database]));

  it('publishes committed events in order, and never those of a rolled-back transaction', async () => {
    const bus = new InProcessBus();
    const received: DomainEvent[] = [];
    await bus.subscribe({ group: 'g', types: ['test.happened'], handler: async (e) => void received.push(e) });
    await database.db.transaction().execute((trx) => appendToOutbox(trx, [event(1), event(2)]));
    await assert.rejects(
      database.db.transaction().execute(async (trx) => {
        await appendToOutbox(trx, [event(3)]);
        throw new Error('the change failed');
      }),
    );
    await database.db.transaction().execute((trx) => appendToOutbox(trx, [event(4)]));
    const relay = startOutboxRelay({ db: database.db, bus, source: 'test' });
    await relay.flush();
    await relay.stop();
    assert.deepEqual(received.map((e) => e.data.n), [1, 2, 4]);
    assert.equal(received[0].correlationId, 'corr-1');
  });

  it('keeps an event whose consumer failed and publishes it on the next pass', async () => {
    const bus = new InProcessBus();
    let fail = true;
    const received: number[] = [];
    await bus.subscribe({
      group: 'flaky',
      types: ['test.happened'],
      handler: async (e) => {
        if (fail) throw new Error('consumer down');
        received.push(e.data.n as number);
      },
    });
    await database.db.transaction().execute((trx) => appendToOutbox(trx, [event(5)]));
    const relay = startOutboxRelay({ db: database.db, bus, source: 'test' });
    await relay.flush();
    assert.deepEqual(received, []);
    fail = false;
    await relay.flush();
    await relay.stop();
    assert.deepEqual(received, [5]);
  });

  it('handleOnce applies an event once, however often it is delivered', async () => {
    const e = event(6);
    let applied = 0;
    const first = await handleOnce(database.db, 'consumer-a', e, async () => void (applied += 1));
    const again = await handleOnce(database.db, 'consumer-a', e, async () => void (applied += 1));
    const otherConsumer = await handleOnce(database.db, 'consumer-b', e, async () => void (applied += 1));
    assert.deepEqual([first, again, otherConsumer, applied], [true, false, true, 2]);
  });
});
