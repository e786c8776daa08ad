import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EntityCache } from '../../gateway/entity-cache/index.ts';

/** The entity cache's own rules (gateway/entity-cache/entity-cache.ts), without a gateway: bounds, generations, holds. */
describe('entity cache bounds and generations', () => {
  it('keeps at most its bytes, the least recently used going first', () => {
    const cache = new EntityCache({ maxBytes: 80 });
    const answer = 'x'.repeat(30);
    cache.store('a', cache.generation, answer);
    cache.store('b', cache.generation, answer);
    assert.equal(cache.lookup('crm', 'a'), answer, 'a is now the most recently used');
    cache.store('c', cache.generation, answer);
    assert.equal(cache.size, 2, 'an answer counts its JSON and its key: 31 bytes each, two fit in 80');
    assert.equal(cache.lookup('crm', 'b'), undefined, 'b, the least recently used, went first');
    assert.equal(cache.lookup('crm', 'a'), answer);
    assert.equal(cache.lookup('crm', 'c'), answer);
  });

  it('keeps at most its count', () => {
    const cache = new EntityCache({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c', 'd', 'e']) cache.store(key, cache.generation, '{}');
    assert.equal(cache.size, 3);
    assert.equal(cache.lookup('crm', 'a'), undefined);
    assert.equal(cache.lookup('crm', 'e'), '{}');
  });

  it('does not keep an answer fetched across an invalidation, and drops everything on one', () => {
    const cache = new EntityCache();
    cache.store('kept', cache.generation, '{"v":1}');
    const started = cache.generation;
    cache.invalidate('event');
    assert.equal(cache.lookup('crm', 'kept'), undefined, 'dropped');
    cache.store('late', started, '{"v":0}');
    assert.equal(cache.lookup('crm', 'late'), undefined, 'read before the change, answered after it: not kept');
    assert.equal(cache.stats.discarded, 1);
  });

  it('serves and keeps nothing while held, and drops everything when released', () => {
    const cache = new EntityCache();
    cache.store('before', cache.generation, '{}');
    const release = cache.hold('bus');
    assert.equal(cache.lookup('crm', 'before'), undefined);
    cache.store('during', cache.generation, '{}');
    const startedWhileHeld = cache.generation;
    release();
    release();
    assert.equal(cache.lookup('crm', 'during'), undefined);
    cache.store('overlapping', startedWhileHeld, '{}');
    assert.equal(cache.lookup('crm', 'overlapping'), undefined, 'a fetch begun while held is not kept after');
    cache.store('after', cache.generation, '{}');
    assert.equal(cache.lookup('crm', 'after'), '{}', 'one hold released once, however often release is called');
  });
});
