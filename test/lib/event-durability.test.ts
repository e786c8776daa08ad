import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Generated, Kysely } from 'kysely';
import { openSubgraphDatabase, type SubgraphDatabase } from '../../lib/db/database.ts';
import type { Subscription } from '../../lib/events/bus.ts';
import { databaseCheckpoints } from '../../lib/events/checkpoints.ts';
import { createEvent, type DomainEvent } from '../../lib/events/envelope.ts';
import { InProcessBus } from '../../lib/events/in-process-bus.ts';
import { addEventDurability, appendToOutbox, createOutboxTables, handleOnce, type OutboxTables } from '../../lib/events/outbox.ts';
import { RedisBus } from '../../lib/events/redis-bus.ts';
import { startOutboxRelay, type OutboxRelay } from '../../lib/events/relay.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { eventually } from '../support/eventually.ts';
import { hasRedisServer, TestRedisServer } from '../support/redis-server.ts';

interface EffectTables extends OutboxTables {
  effect: { n: number; position: Generated<number> };
}

const migrations = {
  '0001': { up: (db: Kysely<any>) => createOutboxTables(db) },
  '0002': { up: (db: Kysely<any>) => addEventDurability(db) },
  '0003': {
    up: (db: Kysely<any>) =>
      db.schema.createTable('effect').addColumn('n', 'integer', (col) => col.notNull()).addColumn('position', 'serial').execute(),
  },
};

const event = (n: number) => createEvent('test', 'test.happened', { typename: 'Thing', id: String(n) }, { n }, { correlationId: `c-${n}` }, new Date());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The promise of issue 13 at the level of one producer and one consumer: whatever Redis loses, every committed event
 * takes effect exactly once, in order. The producer's outbox is the record; the consumer keeps its checkpoints.
 */
describe('events survive Redis losing its data', { skip: !hasRedisServer && 'needs redis-server' }, () => {
  let testDb: TestDatabase;
  let producer: SubgraphDatabase<OutboxTables>;
  let consumer: SubgraphDatabase<EffectTables>;
  let redis: TestRedisServer;
  let scenario = 0;

  before(async () => {
    testDb = await createTestDatabase();
    redis = await TestRedisServer.start();
  });
  after(async () => {
    await redis.stop();
    await testDb.cleanup([consumer, producer].filter(Boolean));
  });

  /** A producer relaying through its own bus connection and a slow consumer on another, as two processes would. */
  async function pipeline() {
    scenario++;
    if (producer) await testDb.cleanup([consumer, producer]).catch(() => undefined);
    testDb = await createTestDatabase();
    producer = await openSubgraphDatabase(testDb.target, testDb.schemaFor(`producer${scenario}`), migrations);
    consumer = await openSubgraphDatabase(testDb.target, testDb.schemaFor(`consumer${scenario}`), migrations);
    const stream = `durability:${scenario}`;
    const producerBus = new RedisBus({ url: redis.url, stream });
    const consumerBus = new RedisBus({ url: redis.url, stream, replayRetryMs: 1000, consumerName: 'consumer' });
    const relay: OutboxRelay = startOutboxRelay({ db: producer.db, bus: producerBus, source: 'test', pollIntervalMs: 50 });
    const handled: number[] = [];
    const subscription: Subscription = await consumerBus.subscribe({
      group: 'test.effects',
      types: ['test.happened'],
      checkpoints: databaseCheckpoints(consumer.db),
      handler: async (e: DomainEvent) => {
        await sleep(3);
        await handleOnce(consumer.db, 'test.effects', e, async (trx) => {
          await trx.insertInto('effect').values({ n: e.data.n as number }).execute();
        });
        handled.push(e.data.n as number);
      },
    });
    let written = 0;
    const write = async (count: number) => {
      for (let i = 0; i < count; i++) {
        written++;
        const n = written;
        await producer.db.transaction().execute((trx) => appendToOutbox(trx, [event(n)]));
        relay.kick();
      }
    };
    const effects = async () => (await consumer.db.selectFrom('effect').select('n').orderBy('position').execute()).map((row) => row.n);
    const everyEventOnce = async () => {
      await eventually(async () => assert.equal((await effects()).length, written), 60_000);
      await sleep(300);
      const all = await effects();
      assert.deepEqual(all, Array.from({ length: written }, (_, index) => index + 1), 'every event took effect once, in order');
    };
    let consumerOpen = true;
    const closeConsumer = async () => {
      if (!consumerOpen) return;
      consumerOpen = false;
      await subscription.close();
      await consumerBus.close();
    };
    const close = async () => {
      await closeConsumer();
      await relay.stop();
      await producerBus.close();
    };
    return { write, everyEventOnce, handled, close, closeConsumer, stream };
  }

  it('Redis restarted empty while events were relayed but not consumed: the consumer recreates its group and gets them again', async () => {
    const run = await pipeline();
    await run.write(120);
    await eventually(async () => assert.ok(run.handled.length > 10, 'the consumer is at work'));
    assert.ok(run.handled.length < 120, 'some events are still on the bus when it goes');
    await redis.stop();
    await redis.restart();
    await run.write(30);
    await run.everyEventOnce();
    await run.close();
  });

  it('FLUSHALL mid-stream, with no event published after it: the consumer still asks for and gets what it missed', async () => {
    const run = await pipeline();
    await run.write(100);
    await eventually(async () => assert.ok(run.handled.length > 10, `${run.handled.length} handled`));
    assert.equal(redis.cli('flushall'), 'OK');
    await run.everyEventOnce();
    await run.close();
  });

  it('two replicas of a consumer: one reads at a time, the other takes over where it stopped', async () => {
    const run = await pipeline();
    const replica = new RedisBus({ url: redis.url, stream: run.stream, replayRetryMs: 1000, consumerName: 'replica', ownerLeaseMs: 3000 });
    const standby = await replica.subscribe({
      group: 'test.effects',
      types: ['test.happened'],
      checkpoints: databaseCheckpoints(consumer.db),
      handler: async (e: DomainEvent) => {
        await handleOnce(consumer.db, 'test.effects', e, async (trx) => {
          await trx.insertInto('effect').values({ n: e.data.n as number }).execute();
        });
      },
    });
    await run.write(60);
    await eventually(async () => assert.ok(run.handled.length > 10, `${run.handled.length} handled`));
    // The first reader goes away mid-stream; the standby takes over from the saved checkpoints.
    await run.closeConsumer();
    await run.write(20);
    await run.everyEventOnce();
    await standby.close();
    await replica.close();
    await run.close();
  });

  it('Redis down for a while: commits go on, the relay holds them, everything flows once it is back', async () => {
    const run = await pipeline();
    await run.write(40);
    await redis.stop();
    await run.write(40);
    await sleep(2000);
    await redis.restart();
    await run.write(10);
    await run.everyEventOnce();
    await run.close();
  });
});

describe('one relay publishes at a time', () => {
  let testDb: TestDatabase;
  let database: SubgraphDatabase<OutboxTables>;
  before(async () => {
    testDb = await createTestDatabase();
    database = await openSubgraphDatabase(testDb.target, testDb.schemaFor('relaylease'), migrations);
  });
  after(() => testDb.cleanup([database]));

  it('two replicas on one outbox publish every event once, numbered 1, 2, 3, … in order', async () => {
    const bus = new InProcessBus();
    const received: number[] = [];
    await bus.subscribe({ group: 'g', types: ['test.happened'], handler: async (e) => void received.push(e.sequence!) });
    const replicas = [startOutboxRelay({ db: database.db, bus, source: 'test' }), startOutboxRelay({ db: database.db, bus, source: 'test' })];
    for (let n = 1; n <= 60; n++) {
      await database.db.transaction().execute((trx) => appendToOutbox(trx, [event(n)]));
      for (const relay of replicas) relay.kick();
    }
    await Promise.all(replicas.map((relay) => relay.flush()));
    // The holder may have stopped mid-way: the other takes over once it lets go.
    await replicas[0].stop();
    await replicas[1].flush();
    await replicas[1].stop();
    assert.deepEqual(received, Array.from({ length: 60 }, (_, index) => index + 1));
  });
});
