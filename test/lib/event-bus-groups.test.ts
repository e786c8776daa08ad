import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { PartlyPublished } from '../../lib/events/bus.ts';
import { createEvent, type DomainEvent } from '../../lib/events/envelope.ts';
import { InProcessBus } from '../../lib/events/in-process-bus.ts';
import { RedisBus } from '../../lib/events/redis-bus.ts';
import { hasRedisServer, TestRedisServer } from '../support/redis-server.ts';

const event = (n: number, type = 'test.thing', sequence?: number): DomainEvent => ({
  ...(createEvent('test', type, { typename: 'Thing', id: String(n) }, { n }, { correlationId: 'c' }, new Date()) as DomainEvent),
  ...(sequence === undefined ? {} : { sequence }),
});

const until = async (check: () => boolean, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for delivery');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** How groups share a spike: a pipeline in one process, and acknowledged a read at a time on Redis. */
describe('in-process bus: consumer groups as a pipeline', () => {
  /** A handler that waits, per event, until the test lets it through. */
  const gated = () => {
    const handled: number[] = [];
    const gates = new Map<number, () => void>();
    const opened = new Set<number>();
    return {
      handled,
      open: (n: number) => {
        opened.add(n);
        gates.get(n)?.();
      },
      handler: async (each: DomainEvent) => {
        const n = each.data.n as number;
        if (!opened.has(n)) await new Promise<void>((resolve) => gates.set(n, resolve));
        handled.push(n);
      },
    };
  };

  it('a slow group behind does not hold up the group ahead; publishAll resolves once both are through, each in order', async () => {
    const bus = new InProcessBus();
    const quick: number[] = [];
    const slow = gated();
    await bus.subscribe({ group: 'quick', types: ['test.thing'], handler: async (each) => void quick.push(each.data.n as number) });
    await bus.subscribe({ group: 'slow', types: ['test.thing'], handler: slow.handler });
    let done = false;
    const publishing = bus.publishAll([1, 2, 3, 4].map((n) => event(n))).then(() => (done = true));
    await until(() => quick.length === 4);
    assert.deepEqual(quick, [1, 2, 3, 4], 'the group ahead had every event while the one behind waited at its first');
    assert.deepEqual(slow.handled, []);
    assert.equal(done, false, 'the publish waits for every group');
    for (const n of [1, 2, 3, 4]) slow.open(n);
    await publishing;
    assert.deepEqual(slow.handled, [1, 2, 3, 4]);
  });

  it('a group takes an event only once the group ahead is through it, without waiting for the rest of the publish', async () => {
    const bus = new InProcessBus();
    const ahead = gated();
    const behind: number[] = [];
    await bus.subscribe({ group: 'ahead', types: ['test.thing'], handler: ahead.handler });
    await bus.subscribe({ group: 'behind', types: ['test.thing'], handler: async (each) => void behind.push(each.data.n as number) });
    const publishing = bus.publishAll([1, 2, 3, 4].map((n) => event(n)));
    await until(() => false, 100).catch(() => undefined);
    assert.deepEqual(behind, [], 'nothing before the group ahead is through it');
    ahead.open(1);
    await until(() => behind.length === 1);
    assert.deepEqual([ahead.handled, behind], [[1], [1]], 'the first event went on while the group ahead waits at the second');
    for (const n of [2, 3, 4]) ahead.open(n);
    await publishing;
    assert.deepEqual([ahead.handled, behind], [[1, 2, 3, 4], [1, 2, 3, 4]]);
  });

  it('a group failing at an event: it and the groups behind it stop there; the relay publishes from the earliest failure', async () => {
    const bus = new InProcessBus();
    const seen = new Map<string, number[]>([['a', []], ['b', []], ['c', []]]);
    const failAt = new Map([['a', 3], ['b', 2]]);
    for (const group of ['a', 'b', 'c']) {
      await bus.subscribe({
        group,
        types: ['test.thing'],
        handler: async (each) => {
          if (failAt.get(group) === each.data.n) throw new Error(`${group} fails at ${each.data.n}`);
          seen.get(group)!.push(each.data.n as number);
        },
      });
    }
    const events = [1, 2, 3, 4].map((n) => event(n));
    const error = await bus.publishAll(events).then(
      () => assert.fail('a group failed'),
      (rejected: unknown) => rejected,
    );
    assert.ok(error instanceof PartlyPublished);
    assert.equal(error.published, 1, 'b failed at the second event');
    assert.equal(error.errors.length, 2);
    // a went on to its own failure; c, behind b, stopped where b did (no group skips an event).
    assert.deepEqual(Object.fromEntries(seen), { a: [1, 2], b: [1], c: [1] });
    // The relay publishes the rest again: a group that had some of them sees them again (handlers are idempotent).
    failAt.clear();
    await bus.publishAll(events.slice(error.published));
    assert.deepEqual(Object.fromEntries(seen), { a: [1, 2, 2, 3, 4], b: [1, 2, 3, 4], c: [1, 2, 3, 4] });
  });

  it('a batch group behind a one-at-a-time group gets its batches as far as the group ahead is through', async () => {
    const bus = new InProcessBus();
    const ahead = gated();
    const batches: number[][] = [];
    await bus.subscribe({ group: 'ahead', types: ['test.thing'], handler: ahead.handler });
    await bus.subscribe({
      group: 'batches',
      types: ['test.thing'],
      handler: async () => assert.fail('no event goes one at a time'),
      batch: { maxEvents: 2, handler: async (events) => void batches.push(events.map((each) => each.data.n as number)) },
    });
    const publishing = bus.publishAll([1, 2, 3, 4, 5].map((n) => event(n)));
    for (const n of [1, 2]) ahead.open(n);
    await until(() => batches.length === 1);
    assert.deepEqual(batches, [[1, 2]]);
    for (const n of [3, 4, 5]) ahead.open(n);
    await publishing;
    assert.deepEqual(batches, [[1, 2], [3, 4], [5]]);
  });
});

describe('Redis bus: a read acknowledged at once', { skip: !hasRedisServer && 'no redis-server on this machine' }, () => {
  let server: TestRedisServer;
  before(async () => {
    server = await TestRedisServer.start();
  });
  after(async () => {
    await server?.stop();
  });

  const calls = (command: string) => Number(/calls=(\d+)/.exec(server.cli('info', 'commandstats').split('\n').find((line) => line.startsWith(`cmdstat_${command}:`)) ?? '')?.[1] ?? 0);

  it('publishes a relay pass in one round trip and acknowledges a read with one XACK, other types included; nothing is left pending', async () => {
    const stream = `psgraph:test:groups:${randomUUID()}`;
    const bus = new RedisBus({ url: server.url, stream, consumerName: 'test' });
    try {
      const handled: number[] = [];
      // Mostly events of another type, as a spike of approvals looks to a group that consumes something else.
      const events = Array.from({ length: 60 }, (_, index) => event(index + 1, (index + 1) % 10 === 0 ? 'test.mine' : 'test.other', index + 1));
      await bus.publishAll(events);
      assert.equal(calls('xadd'), 60);
      const acksBefore = calls('xack');
      await bus.subscribe({ group: `g-${randomUUID()}`, types: ['test.mine'], handler: async (each) => void handled.push(each.data.n as number) });
      await until(() => handled.length === 6);
      await until(() => calls('xack') > acksBefore);
      assert.deepEqual(handled, [10, 20, 30, 40, 50, 60]);
      assert.equal(await bus.idle(), true, 'every entry acknowledged');
      assert.equal(calls('xack') - acksBefore, 1, 'one XACK for the read of 60 entries, not one per entry');
    } finally {
      await bus.close();
    }
  });

  it('a group decodes only the events it takes: the others are skipped by the header beside them, one XACK for the read', async () => {
    const stream = `psgraph:test:groups:${randomUUID()}`;
    const bus = new RedisBus({ url: server.url, stream, consumerName: 'test' });
    try {
      const handled: number[] = [];
      await bus.publishAll([event(1, 'test.mine', 1)]);
      // Another group's event whose body this group could not even decode: it never tries.
      server.cli('xadd', stream, '*', 'type', 'test.other', 'source', 'test', 'sequence', '2', 'event', '{not json');
      await bus.publishAll([event(3, 'test.other', 3), event(4, 'test.mine', 4)]);
      const acksBefore = calls('xack');
      await bus.subscribe({ group: `g-${randomUUID()}`, types: ['test.mine'], handler: async (each) => void handled.push(each.data.n as number) });
      await until(() => handled.length === 2);
      await until(() => calls('xack') > acksBefore);
      assert.deepEqual(handled, [1, 4]);
      assert.equal(await bus.idle(), true, 'every entry acknowledged, those skipped too');
      assert.equal(calls('xack') - acksBefore, 1);
    } finally {
      await bus.close();
    }
  });

  it("the events a group does not take still count in their producer's sequence: a gap among them is asked again", async () => {
    const stream = `psgraph:test:groups:${randomUUID()}`;
    const bus = new RedisBus({ url: server.url, stream, consumerName: 'test', replayRetryMs: 60_000 });
    try {
      const handled: number[] = [];
      // test's 1 and 2 are of another type, 3 never arrives, 4 is the group's: it is not handled before 3.
      await bus.publishAll([event(1, 'test.other', 1), event(2, 'test.other', 2), event(4, 'test.mine', 4)]);
      await bus.subscribe({ group: `g-${randomUUID()}`, types: ['test.mine'], handler: async (each) => void handled.push(each.data.n as number) });
      await until(() => server.cli('zscore', `${stream}:replay`, 'test') !== '');
      assert.equal(server.cli('zscore', `${stream}:replay`, 'test'), '3', 'asked test to publish again from 3');
      assert.deepEqual(handled, []);
      // The replay: 3 (another type) and 4 again; 4 is handled once.
      await bus.publishAll([event(3, 'test.other', 3), event(4, 'test.mine', 4)]);
      await until(() => handled.length === 1);
      assert.deepEqual(handled, [4]);
    } finally {
      await bus.close();
    }
  });

  it('reads an entry written before entries had headers (the event alone) as before', async () => {
    const stream = `psgraph:test:groups:${randomUUID()}`;
    const bus = new RedisBus({ url: server.url, stream, consumerName: 'test' });
    try {
      const handled: number[] = [];
      server.cli('xadd', stream, '*', 'event', JSON.stringify(event(1, 'test.mine', 1)));
      await bus.publishAll([event(2, 'test.other', 2), event(3, 'test.mine', 3)]);
      await bus.subscribe({ group: `g-${randomUUID()}`, types: ['test.mine'], handler: async (each) => void handled.push(each.data.n as number) });
      await until(() => handled.length === 2);
      assert.deepEqual(handled, [1, 3]);
      assert.equal(await bus.idle(), true);
    } finally {
      await bus.close();
    }
  });

  it('a handler failing mid-read: what was handled before it is acknowledged, the failing event is delivered again', async () => {
    const stream = `psgraph:test:groups:${randomUUID()}`;
    const bus = new RedisBus({ url: server.url, stream, consumerName: 'test' });
    try {
      const handled: number[] = [];
      let failures = 0;
      await bus.publishAll([1, 2, 3, 4].map((n) => event(n, 'test.thing', n)));
      await bus.subscribe({
        group: `g-${randomUUID()}`,
        types: ['test.thing'],
        handler: async (each) => {
          if (each.data.n === 3 && failures++ === 0) throw new Error('3 fails once');
          handled.push(each.data.n as number);
        },
      });
      await until(() => handled.length === 4);
      assert.deepEqual(handled, [1, 2, 3, 4], 'in order, 1 and 2 not handled twice');
      await until(() => false, 300).catch(() => undefined);
      assert.deepEqual(handled, [1, 2, 3, 4]);
      assert.equal(await bus.idle(), true);
    } finally {
      await bus.close();
    }
  });
});
