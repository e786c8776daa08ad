import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { dataOf } from '../support/subgraph-harness.ts';

/**
 * Lists ordered by an instant (newest first) page through rows created in the same millisecond: a cursor carries
 * the last row's instant to the millisecond, so the instant is stored that way (lib/db/changes.ts
 * `instantsToTheMillisecond`). With microseconds stored, the second page passed over the rows of that millisecond.
 */
describe('cursors over instants', () => {
  let graph: HubHarness;
  before(async () => {
    graph = await startTestHub();
  });
  after(async () => {
    await graph?.close();
  });

  it('apiKeys one at a time: every key created in the same millisecond, once, newest first', async () => {
    const { db } = graph.hub.subgraphs.hcm.database;
    // Written as a batch would write them: within one millisecond, microseconds apart (no API call is that quick).
    const ids = ['k-a', 'k-b', 'k-c', 'k-d'];
    for (const [index, id] of ids.entries()) {
      await db
        .insertInto('api_key')
        .values({ id, name: id, roles: JSON.stringify(['WORKER']), secret_hash: id, created_at: sql`${`2026-11-02T09:00:00.123${index}00Z`}::timestamptz` })
        .execute();
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < ids.length + 2; page++) {
      const { apiKeys } = dataOf(
        await graph.query(`query($after: String) { apiKeys(first: 1, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }`, { after }),
      );
      seen.push(...apiKeys.nodes.map((node: { id: string }) => node.id));
      if (!apiKeys.pageInfo.hasNextPage) break;
      after = apiKeys.pageInfo.endCursor;
    }
    // Stored to the same millisecond, they tie on the instant and follow the order's id, descending.
    assert.deepEqual(seen, [...ids].reverse());
  });
});
