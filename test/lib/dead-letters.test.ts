import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { openSubgraphDatabase, type SubgraphDatabase } from '../../lib/db/database.ts';
import { DependencyUnavailable, DomainError } from '../../lib/errors.ts';
import type { EventBus, Subscription } from '../../lib/events/bus.ts';
import { databaseCheckpoints } from '../../lib/events/checkpoints.ts';
import { consumerBus, type ConsumerBus } from '../../lib/events/consumer-bus.ts';
import { createDeadLetterService, parkedCount } from '../../lib/events/dead-letter-service.ts';
import { databaseDeadLetters, type DeadLetterStore } from '../../lib/events/dead-letters.ts';
import { createEvent, type DomainEvent } from '../../lib/events/envelope.ts';
import { isTransientFailure } from '../../lib/events/failures.ts';
import { InProcessBus } from '../../lib/events/in-process-bus.ts';
import { addEventDurability, appendToOutbox, createOutboxTables, type OutboxTables } from '../../lib/events/outbox.ts';
import { RedisBus } from '../../lib/events/redis-bus.ts';
import { startOutboxRelay, type OutboxRelay } from '../../lib/events/relay.ts';
import { silentLogger } from '../../lib/logger.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { eventually } from '../support/eventually.ts';
import { hasRedisServer, TestRedisServer } from '../support/redis-server.ts';

const migrations = {
  '0001': { up: (db: Kysely<any>) => createOutboxTables(db) },
  '0002': { up: (db: Kysely<any>) => addEventDurability(db) },
};

const maxAttempts = 2;
const group = 'test.effects';

/** An event whose `kind` tells the test handler how to fail: `poison` always, `flaky` as a dependency that is away. */
const event = (n: number, kind: 'good' | 'poison' | 'flaky' = 'good') =>
  createEvent('test', 'test.happened', { typename: 'Thing', id: String(n) }, { n, kind }, { correlationId: `c-${n}` }, new Date());

describe('which failures are transient (never parked)', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4000'), { code: 'ECONNREFUSED' });
  const cases: Array<[string, unknown, boolean]> = [
    ['the graph client cannot reach the gateway', new DependencyUnavailable('erp could not reach the graph: fetch failed'), true],
    ['fetch failed, refused underneath', new TypeError('fetch failed', { cause: refused }), true],
    ['an in-process publish that failed in one group', new AggregateError([new DependencyUnavailable('away')], '1 group failed'), true],
    ['PostgreSQL connection lost (08006)', Object.assign(new Error('connection failure'), { code: '08006' }), true],
    ['PostgreSQL serialization failure (40001)', Object.assign(new Error('could not serialize'), { code: '40001' }), true],
    ['a missing table (42P01): a fault', Object.assign(new Error('relation "cost_posting" does not exist'), { code: '42P01' }), false],
    ['the graph refused the request', new DomainError('INTERNAL_SERVER_ERROR', 'erp could not read the graph: …'), false],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'hours')"), false],
  ];
  for (const [name, error, transient] of cases) {
    it(`${name}: ${transient ? 'transient' : 'counts towards parking'}`, () => assert.equal(isTransientFailure(error), transient));
  }
});

/**
 * One producer (its outbox and relay) and one consumer group through `consumerBus`, as a subgraph runs them, on each
 * bus: a poison event is parked after `maxAttempts` and the events after it are handled; a dependency that is away
 * is retried past `maxAttempts` and never parked.
 */
interface Buses {
  producer: EventBus;
  consumer: EventBus;
  close(): Promise<void>;
}

function parkingContract(name: string, options: { skip?: string | false; buses: () => Promise<Buses> }) {
  describe(name, { skip: options.skip }, () => {
    let testDb: TestDatabase;
    let database: SubgraphDatabase<OutboxTables>;
    let store: DeadLetterStore;
    let buses: Buses;
    let relay: OutboxRelay;
    let consumers: ConsumerBus;
    let subscription: Subscription;
    let awayFor = 0;
    const handled: number[] = [];
    const attempts = new Map<number, number>();

    before(async () => {
      testDb = await createTestDatabase();
      database = await openSubgraphDatabase(testDb.target, testDb.schemaFor('deadletters'), migrations);
      store = databaseDeadLetters(database.db);
      buses = await options.buses();
      relay = startOutboxRelay({ db: database.db, bus: buses.producer, source: 'test', pollIntervalMs: 20 });
      const checkpoints = databaseCheckpoints(database.db);
      consumers = consumerBus(buses.consumer, { checkpoints, deadLetters: { store, maxAttempts } });
      subscription = await consumers.bus.subscribe({
        group,
        types: ['test.happened'],
        handler: async (e: DomainEvent) => {
          const n = e.data.n as number;
          attempts.set(n, (attempts.get(n) ?? 0) + 1);
          if (e.data.kind === 'poison') throw new TypeError(`cannot handle event ${n}`);
          if (e.data.kind === 'flaky' && awayFor-- > 0) throw new DependencyUnavailable('test could not reach the graph: fetch failed');
          handled.push(n);
        },
      });
    });
    after(async () => {
      await subscription.close();
      await relay.stop();
      await buses.close();
      await testDb.cleanup([database]);
    });

    const publish = async (...events: DomainEvent<unknown>[]) => {
      await database.db.transaction().execute((trx) => appendToOutbox(trx, events));
      relay.kick();
    };
    /** The in-process bus retries through the relay, which backs off: a flush retries at once. */
    const until = (check: () => Promise<void>) =>
      eventually(async () => {
        await relay.flush();
        await check();
      }, 30_000);

    it('parks an event whose handler keeps failing, with its error, and goes on with the next', async () => {
      await publish(event(1), event(2, 'poison'), event(3));
      await until(async () => assert.deepEqual(handled, [1, 3]));
      assert.equal(attempts.get(2), maxAttempts);
      const [row] = await store.get((await store.list('test', { limit: 10, withTotal: false })).rows.map((r) => r.id));
      assert.equal(row.consumer, group);
      assert.equal(row.status, 'PARKED');
      assert.equal(row.attempts, maxAttempts);
      assert.match(row.error, /TypeError: cannot handle event 2/);
      const parked = typeof row.event === 'string' ? JSON.parse(row.event) : row.event;
      assert.deepEqual(parked.data, { n: 2, kind: 'poison' });
      assert.ok(row.first_failed_at <= row.parked_at);
      assert.equal(await store.countParked(), 1);
    });

    it('retries a dependency that is away past the bound, never parks it, and handles the event once it is back', async () => {
      awayFor = maxAttempts + 2;
      await publish(event(4, 'flaky'), event(5));
      await until(async () => assert.deepEqual(handled.slice(-2), [4, 5]));
      assert.equal(attempts.get(4), maxAttempts + 3, 'every failure retried, the last attempt handled it');
      assert.equal(await store.countParked(), 1, 'only the poison event is parked');
    });

    it('retry hands the parked event to the running handler; dismiss sets one aside; both only once', async () => {
      const service = createDeadLetterService({ subgraph: 'test', store, handlerOf: consumers.handlerOf, logger: silentLogger });
      const [poisoned] = (await service.list({ filter: { status: ['PARKED'] }, limit: 10, withTotal: true })).nodes;
      const failed = await service.retry([poisoned.id], 'w-admin');
      assert.equal(failed[0].status, 'PARKED', 'still failing: stays parked');
      assert.equal(failed[0].attempts, maxAttempts + 1);

      // The cause goes away (a fix is deployed): the retry succeeds.
      await publish(event(6, 'poison'));
      await until(async () => assert.equal(await store.countParked(), 2));
      const original = (await service.list({ filter: { status: ['PARKED'] }, limit: 10, withTotal: false })).nodes;
      const fixed = { ...poisoned.event, data: { ...poisoned.event.data, kind: 'good' } };
      await database.db.updateTable('dead_letter').set({ event: JSON.stringify(fixed) }).where('id', '=', poisoned.id).execute();
      const [retried] = await service.retry([poisoned.id], 'w-admin');
      assert.deepEqual({ status: retried.status, resolvedBy: retried.resolvedBy }, { status: 'RETRIED', resolvedBy: 'w-admin' });
      assert.ok(retried.resolvedAt);
      assert.equal(handled.at(-1), 2);

      const other = original.find((record) => record.id !== poisoned.id)!;
      const [dismissed] = await service.dismiss([other.id], 'w-admin', 'test data, never to be posted');
      assert.deepEqual(
        { status: dismissed.status, reason: dismissed.reason },
        { status: 'DISMISSED', reason: 'test data, never to be posted' },
      );

      await assert.rejects(service.retry([poisoned.id], 'w-admin'), (error: DomainError) => error.code === 'CONFLICT');
      await assert.rejects(service.dismiss([other.id], 'w-admin', 'again'), (error: DomainError) => error.code === 'CONFLICT');
      const unknown = ['not-an-id', randomUUID()];
      await assert.rejects(service.retry(unknown, 'w-admin'), (error: DomainError) => error.code === 'NOT_FOUND');
      assert.equal(await store.countParked(), 0);
      const all = await service.list({ limit: 10, withTotal: true });
      assert.equal(all.totalCount, 2);
      assert.deepEqual(all.nodes.map((record) => record.id), [other.id, poisoned.id], 'newest first');
    });

    it('an event parked again while still parked keeps one PARKED row', async () => {
      const twice = event(7, 'poison');
      await store.park(group, twice as DomainEvent, 'first', { attempts: 2, firstFailedAt: new Date() });
      await store.park(group, twice as DomainEvent, 'second', { attempts: 2, firstFailedAt: new Date() });
      const rows = await database.db.selectFrom('dead_letter').selectAll().where('event_id', '=', twice.id).execute();
      assert.deepEqual(rows.map((row) => [row.status, row.error, row.attempts]), [['PARKED', 'second', 4]]);
    });
  });
}

parkingContract('dead letters on the in-process bus', {
  buses: async () => {
    const bus = new InProcessBus();
    return { producer: bus, consumer: bus, close: () => bus.close() };
  },
});

let redis: TestRedisServer | undefined;
parkingContract('dead letters on Redis Streams', {
  skip: !hasRedisServer && 'needs redis-server',
  buses: async () => {
    redis = await TestRedisServer.start();
    const producer = new RedisBus({ url: redis.url, stream: 'deadletters' });
    const consumer = new RedisBus({ url: redis.url, stream: 'deadletters', consumerName: 'consumer' });
    return {
      producer,
      consumer,
      async close() {
        await producer.close();
        await consumer.close();
        await redis!.stop();
      },
    };
  },
});

describe('the parked count /healthz reports', () => {
  it('answers the last count at once while a refresh is slow, and a fresh one after a change', async () => {
    let count = 1;
    let delayMs = 0;
    const counter = parkedCount(
      { countParked: () => new Promise((resolve) => setTimeout(() => resolve(count), delayMs)) },
      { maxAgeMs: 60_000, waitMs: 50 },
    );
    assert.equal(await counter.current(), 1);
    count = 2;
    assert.equal(await counter.current(), 1, 'still fresh');
    counter.stale();
    assert.equal(await counter.current(), 2);
    delayMs = 500;
    count = 3;
    counter.stale();
    const started = Date.now();
    assert.equal(await counter.current(), 2, 'the refresh is slow: the last count');
    assert.ok(Date.now() - started < 400);
    await eventually(async () => assert.equal(await counter.current(), 3));
  });
});
