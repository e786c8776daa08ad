import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { EventBus } from '../../lib/events/bus.ts';
import { createEvent, type DomainEvent } from '../../lib/events/envelope.ts';
import { InProcessBus } from '../../lib/events/in-process-bus.ts';
import { RedisBus } from '../../lib/events/redis-bus.ts';
import { freshTestStreams } from '../support/redis-streams.ts';

const event = (n: number): DomainEvent =>
  createEvent('test', n % 2 ? 'test.odd' : 'test.even', { typename: 'Thing', id: String(n) }, { n }, { correlationId: 'c' }, new Date()) as DomainEvent;

const until = async (check: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for delivery');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** The contract every bus keeps: each group sees each event, in order; a stopped group resumes where it stopped. */
function busContract(name: string, makeBus: () => EventBus) {
  describe(name, () => {
    const buses: EventBus[] = [];
    const open = () => {
      const bus = makeBus();
      buses.push(bus);
      return bus;
    };
    after(async () => {
      for (const bus of buses) await bus.close();
    });

    it('delivers every event to every group, filtered by type, in publish order', async () => {
      const bus = open();
      const all: number[] = [];
      const odd: number[] = [];
      await bus.subscribe({ group: `all-${randomUUID()}`, types: ['test.odd', 'test.even'], handler: async (e) => void all.push(e.data.n as number) });
      await bus.subscribe({ group: `odd-${randomUUID()}`, types: ['test.odd'], handler: async (e) => void odd.push(e.data.n as number) });
      for (let n = 1; n <= 6; n++) await bus.publish(event(n));
      await until(() => all.length === 6 && odd.length === 3);
      assert.deepEqual(all, [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(odd, [1, 3, 5]);
    });

    it('a consumer stopped and restarted misses nothing', async () => {
      const bus = open();
      const group = `restart-${randomUUID()}`;
      const seen: number[] = [];
      const handler = async (e: DomainEvent) => void seen.push(e.data.n as number);
      const first = await bus.subscribe({ group, types: ['test.odd', 'test.even'], handler });
      await bus.publish(event(1));
      await until(() => seen.length === 1);
      await first.close();
      await bus.publish(event(2));
      await bus.publish(event(3));
      const second = await bus.subscribe({ group, types: ['test.odd', 'test.even'], handler });
      await until(() => seen.length === 3);
      assert.deepEqual(seen, [1, 2, 3]);
      await second.close();
    });

    it('redelivers an event whose handler failed', async () => {
      const bus = open();
      let attempts = 0;
      const done: number[] = [];
      await bus.subscribe({
        group: `retry-${randomUUID()}`,
        types: ['test.odd'],
        handler: async (e) => {
          attempts += 1;
          if (attempts === 1) throw new Error('transient');
          done.push(e.data.n as number);
        },
      });
      await bus.publish(event(1)).catch(() => bus.publish(event(1)));
      await until(() => done.length === 1);
      assert.equal(attempts, 2);
    });

  });
}

busContract('in-process bus', () => new InProcessBus());

if (process.env.REDIS_URL) {
  const freshStream = freshTestStreams(process.env.REDIS_URL!);
  const redisBus = () => new RedisBus({ url: process.env.REDIS_URL!, stream: freshStream(), consumerName: 'test' });
  busContract('Redis Streams bus', redisBus);

  describe('Redis Streams bus: idle', () => {
    it('is idle only once every group subscribed through it has handled what was published', async () => {
      const bus = redisBus();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const handled: number[] = [];
      const slow = await bus.subscribe({ group: `slow-${randomUUID()}`, types: ['test.odd'], handler: async (e) => {
        await gate;
        handled.push(e.data.n as number);
      } });
      assert.equal(await bus.idle(), true, 'nothing published yet');
      await bus.publish(event(1));
      await bus.publish(event(2)); // not a type the group reads: acknowledged as it passes
      assert.equal(await bus.idle(), false, 'published, not handled');
      release();
      await until(() => handled.length === 1);
      const deadline = Date.now() + 10_000;
      while (!(await bus.idle())) {
        assert.ok(Date.now() < deadline, 'the bus never became idle');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // A closed subscriber's group is not waited for: what is published after it stays unread, and the bus is idle.
      await slow.close();
      await bus.publish(event(3));
      assert.equal(await bus.idle(), true);
      await bus.close();
    });
  });
}
