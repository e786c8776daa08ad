import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../lib/config.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { hasRedisServer, TestRedisServer } from '../support/redis-server.ts';

/**
 * While the bus is away the entity cache cannot hear of changes, so it answers nothing from memory (every read goes to
 * the subgraphs, and still answers); once the bus is back it starts again from empty. A Redis of the test's own,
 * stopped and started again.
 */
describe('entity cache while the bus is away', { skip: !hasRedisServer && 'no redis-server on this machine' }, () => {
  let redis: TestRedisServer;
  let graph: HubHarness;
  const read = '{ workers(first: 5) { nodes { id name manager { name } } } }';

  before(async () => {
    redis = await TestRedisServer.start();
    graph = await startTestHub({ seed: { scale: 1 }, redisUrl: redis.url, config: loadConfig({ ENTITY_CACHE: 'true' }) });
  });
  after(async () => {
    await redis?.restart();
    await graph?.close();
    await redis?.stop();
  });

  const cache = () => graph.hub.gateway.entityCache!;

  /** Two identical reads; how many of their subgraph fetches the cache answered. */
  async function hitsOfTwoReads() {
    const before = cache().stats.hits;
    for (let again = 0; again < 2; again++) {
      const { data, errors } = await graph.query(read);
      assert.equal(errors, undefined, JSON.stringify(errors));
      assert.equal(data.workers.nodes.length, 5);
    }
    return cache().stats.hits - before;
  }

  it('serves from memory with the bus, nothing without it, and again once it is back', async () => {
    await eventually(async () => assert.ok((await hitsOfTwoReads()) > 0, 'warm: the second read is a hit'));
    await redis.stop();
    await eventually(async () => assert.equal(await hitsOfTwoReads(), 0, 'the bus away: no hits'));
    const size = cache().size;
    assert.equal(size, 0, 'and nothing kept');
    await redis.restart();
    await eventually(async () => assert.ok((await hitsOfTwoReads()) > 0, 'the bus back: hits again'), 30_000);
  });
});
