import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createEvent, type DomainEvent } from '../../lib/events/envelope.ts';
import { InProcessBus } from '../../lib/events/in-process-bus.ts';
import { RedisBus } from '../../lib/events/redis-bus.ts';
import { hasRedisServer, TestRedisServer } from '../support/redis-server.ts';

const event = (n: number, sequence?: number): DomainEvent => ({
  ...(createEvent('test', 'test.thing', { typename: 'Thing', id: String(n) }, { n }, { correlationId: 'c' }, new Date()) as DomainEvent),
  ...(sequence === undefined ? {} : { sequence }),
});

/**
 * A group that belongs to one process (a gateway instance's live feed, named after the instance) goes with its
 * subscription: nothing is kept for it once it closed, while a lasting group keeps what it missed.
 */
describe('ephemeral consumer groups', () => {
  it('in-process: a closed ephemeral group keeps no backlog; a lasting one resumes with what it missed', async () => {
    const bus = new InProcessBus();
    const seen = { lasting: [] as number[], ephemeral: [] as number[] };
    const subscribe = (name: 'lasting' | 'ephemeral') =>
      bus.subscribe({ group: name, types: ['test.thing'], ephemeral: name === 'ephemeral', handler: async (each) => void seen[name].push(each.data.n as number) });
    const first = await Promise.all([subscribe('lasting'), subscribe('ephemeral')]);
    await bus.publish(event(1));
    await Promise.all(first.map((subscription) => subscription.close()));
    await bus.publish(event(2));
    await bus.publish(event(3));
    await Promise.all([subscribe('lasting'), subscribe('ephemeral')]);
    assert.deepEqual(seen.lasting, [1, 2, 3]);
    assert.deepEqual(seen.ephemeral, [1]);
    await bus.close();
  });

  describe('Redis', { skip: !hasRedisServer && 'no redis-server on this machine' }, () => {
    let server: TestRedisServer;
    before(async () => {
      server = await TestRedisServer.start();
    });
    after(async () => {
      await server?.stop();
    });

    it('closing an ephemeral subscription destroys its consumer group; a lasting group stays', async () => {
      const stream = `psgraph:test:ephemeral:${randomUUID()}`;
      const bus = new RedisBus({ url: server.url, stream, consumerName: 'test' });
      const groups = () => server.cli('xinfo', 'groups', stream).split('\n').filter((line, index, lines) => lines[index - 1] === 'name');
      try {
        const handled: number[] = [];
        const ephemeral = await bus.subscribe({ group: 'gateway.live.pod-1', types: ['test.thing'], startAt: 'end', ephemeral: true, handler: async (each) => void handled.push(each.data.n as number) });
        const lasting = await bus.subscribe({ group: 'erp.posting', types: ['test.thing'], handler: async () => undefined });
        await bus.publish(event(1, 1));
        for (let wait = 0; handled.length === 0 && wait < 300; wait++) await new Promise((resolve) => setTimeout(resolve, 20));
        assert.deepEqual(handled, [1]);
        assert.deepEqual(groups().sort(), ['erp.posting', 'gateway.live.pod-1']);
        await ephemeral.close();
        assert.deepEqual(groups(), ['erp.posting']);
        await lasting.close();
        assert.deepEqual(groups(), ['erp.posting']);
      } finally {
        await bus.close();
      }
    });
  });
});
