import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { PartlyPublished, type EventBus, type FailureCount } from '../../lib/events/bus.ts';
import { createEvent, type DomainEvent } from '../../lib/events/envelope.ts';
import { InProcessBus } from '../../lib/events/in-process-bus.ts';
import { RedisBus } from '../../lib/events/redis-bus.ts';
import { freshTestStreams } from '../support/redis-streams.ts';
import { DependencyUnavailable } from '../../lib/errors.ts';

const event = (n: number, sequence?: number): DomainEvent => ({
  ...(createEvent('test', n % 2 ? 'test.odd' : 'test.even', { typename: 'Thing', id: String(n) }, { n }, { correlationId: 'c' }, new Date()) as DomainEvent),
  ...(sequence === undefined ? {} : { sequence }),
});
const numbers = (events: readonly DomainEvent[]) => events.map((each) => each.data.n as number);

const until = async (check: () => boolean, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for delivery');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/**
 * Publishes as the outbox relay does: in one call where the bus takes several (in-process), the rest published again
 * after a group failed (the relay's next pass); one by one on Redis, where the consumer retries by itself.
 */
async function publishAsRelay(bus: EventBus, events: readonly DomainEvent[]) {
  if (!bus.publishAll) {
    for (const each of events) await bus.publish(each);
    return;
  }
  let rest = events;
  for (let pass = 0; rest.length > 0; pass++) {
    assert.ok(pass < 20, 'the relay would retry forever');
    try {
      await bus.publishAll(rest);
      rest = [];
    } catch (error) {
      assert.ok(error instanceof PartlyPublished, String(error));
      rest = rest.slice(error.published);
    }
  }
}

/** Batch delivery (`SubscribeOptions.batch`), alike on every bus. */
function batchContract(name: string, makeBus: () => EventBus, publishedFirst: boolean) {
  describe(`${name}: batch delivery`, () => {
    const buses: EventBus[] = [];
    const open = () => {
      const bus = makeBus();
      buses.push(bus);
      return bus;
    };
    after(async () => {
      for (const bus of buses) await bus.close();
    });

    /** Subscribes and publishes in the order that puts every event in front of the group at once. */
    async function deliver(bus: EventBus, events: readonly DomainEvent[], subscribe: () => Promise<unknown>) {
      if (publishedFirst) {
        await publishAsRelay(bus, events);
        await subscribe();
      } else {
        await subscribe();
        await publishAsRelay(bus, events);
      }
    }

    it('hands the group its own events in order, at most maxEvents at a time, the one-event handler untouched', async () => {
      const bus = open();
      const batches: number[][] = [];
      const single: number[] = [];
      await deliver(bus, [1, 2, 3, 4, 5, 6, 7, 8].map((n) => event(n)), () =>
        bus.subscribe({
          group: `batch-${randomUUID()}`,
          types: ['test.odd'],
          handler: async (each) => void single.push(each.data.n as number),
          batch: {
            maxEvents: 3,
            handler: async (events, deliveries) => {
              assert.equal(deliveries.length, events.length);
              batches.push(numbers(events));
            },
          },
        }),
      );
      await until(() => batches.flat().length === 4);
      assert.deepEqual(batches, [[1, 3, 5], [7]]);
      assert.deepEqual(single, []);
    });

    it('when a batch fails, hands its events over one at a time: a dead letter is the one event that keeps failing', async () => {
      const bus = open();
      const single: number[] = [];
      const parked: Array<{ n: number; attempts: number }> = [];
      let batchCalls = 0;
      await deliver(bus, [1, 2, 3, 4, 5, 6, 7, 8].map((n) => event(n)), () =>
        bus.subscribe({
          group: `fallback-${randomUUID()}`,
          types: ['test.odd'],
          handler: async (each) => {
            if (each.data.n === 3) throw new Error('bad data in 3');
            single.push(each.data.n as number);
          },
          batch: {
            maxEvents: 3,
            handler: async (events) => {
              batchCalls++;
              if (numbers(events).includes(3)) throw new Error('a batch with 3 fails');
            },
          },
          deadLetters: {
            maxAttempts: 2,
            park: async (each: DomainEvent, _error: unknown, failure: FailureCount) => void parked.push({ n: each.data.n as number, attempts: failure.attempts }),
          },
        }),
      );
      await until(() => parked.length === 1 && single.includes(7));
      assert.deepEqual(parked, [{ n: 3, attempts: 2 }]);
      // 1 went alone after the first batch failed; 5 and 7 after the retried batch (3 in it again) failed.
      assert.deepEqual(single, [1, 5, 7]);
      assert.equal(batchCalls, 2);
    });

    it('a transient failure of a batch is retried event by event, never parked', async () => {
      const bus = open();
      const handled: number[] = [];
      const parked: number[] = [];
      let outage = 3;
      await deliver(bus, [1, 3].map((n) => event(n)), () =>
        bus.subscribe({
          group: `transient-${randomUUID()}`,
          types: ['test.odd'],
          handler: async (each) => {
            if (outage-- > 0) throw new DependencyUnavailable('the graph is away');
            handled.push(each.data.n as number);
          },
          batch: {
            maxEvents: 10,
            handler: async () => {
              throw new DependencyUnavailable('the graph is away');
            },
          },
          deadLetters: { maxAttempts: 1, park: async (each: DomainEvent) => void parked.push(each.data.n as number) },
        }),
      );
      await until(() => handled.length === 2, 30_000);
      assert.deepEqual(handled, [1, 3]);
      assert.deepEqual(parked, []);
    });
  });
}

batchContract('in-process bus', () => new InProcessBus(), false);

if (process.env.REDIS_URL) {
  const freshStream = freshTestStreams(process.env.REDIS_URL!);
  const redisBus = () => new RedisBus({ url: process.env.REDIS_URL!, stream: freshStream(), consumerName: 'test' });
  batchContract('Redis Streams bus', redisBus, true);

  describe('Redis Streams bus: batches and sequences', () => {
    it('a batch stops before a duplicate; duplicates are acknowledged unhandled, then batching goes on', async () => {
      const bus = redisBus();
      try {
        const batches: number[][] = [];
        for (const [n, sequence] of [[1, 1], [3, 2], [5, 3], [3, 2], [5, 3], [7, 4], [9, 5]]) await bus.publish(event(n, sequence));
        await bus.subscribe({
          group: `sequences-${randomUUID()}`,
          types: ['test.odd'],
          handler: async () => assert.fail('no event goes one at a time'),
          batch: { maxEvents: 10, handler: async (events) => void batches.push(numbers(events)) },
        });
        await until(() => batches.flat().length >= 5);
        assert.deepEqual(batches, [[1, 3, 5], [7, 9]]);
        await until(() => false, 300).catch(() => undefined);
        assert.deepEqual(batches, [[1, 3, 5], [7, 9]], 'the duplicates were not handled');
        assert.equal(await bus.idle!(), true, 'everything acknowledged');
      } finally {
        await bus.close();
      }
    });
  });
}
