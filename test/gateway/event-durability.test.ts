import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'graphql-ws';
import { signBearerToken } from '../../lib/auth/jwt.ts';
import { loadConfig } from '../../lib/config.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { approvedEntry, billableWork } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { entriesNotPostedOnce } from '../support/postings.ts';
import { startTestHub, testJwtSecret, type HubHarness } from '../support/hub-harness.ts';
import { hasRedisServer, TestRedisServer } from '../support/redis-server.ts';
import { liveClient } from '../support/live-client.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long (c) keeps Redis away; the fault test says 30 s. */
const outageMs = 30_000;

/**
 * Issue 13's proof through the gateway: the whole graph on a Redis of the test's own, a worker logging time and a
 * manager approving it without pause, a subscriber on the worker's entries; then Redis (a) restarted empty,
 * (b) flushed, (c) stopped for 30 s and started empty. After each, every approved entry has exactly one cost posting
 * and one billing event in erp, and the subscriber that stayed connected got every status change once. Nothing is
 * restarted but Redis.
 */
describe('no approval is lost when Redis loses its data', { skip: !hasRedisServer && 'needs redis-server' }, () => {
  let redis: TestRedisServer;
  let graph: HubHarness;
  let client: Client;
  const today = new Date().toISOString().slice(0, 10);
  const work = billableWork(planDemoFirm({ scale: 1, today }), today, 'TIME_AND_MATERIALS');
  const approved: string[] = [];
  const delivered: Array<{ id: string; status: string }> = [];

  before(async () => {
    redis = await TestRedisServer.start();
    // Load from one worker and manager, as fast as the graph answers: the gateway's rate limits are not under test here.
    const config = loadConfig({ RATE_LIMIT_POINTS_PER_MINUTE: '0' });
    graph = await startTestHub({ seed: { scale: 1 }, redisUrl: redis.url, subscriptions: { batchWindowMs: 20 }, config });
    client = liveClient(graph.url, await signBearerToken(work.asWorker, testJwtSecret));
    client.subscribe(
      { query: `subscription { timeEntryStatusChanged { id status } }` },
      {
        next: (result) => void delivered.push((result.data as { timeEntryStatusChanged: { id: string; status: string } }).timeEntryStatusChanged),
        error: (error) => assert.fail(`the subscription failed: ${JSON.stringify(error)}`),
        complete: () => undefined,
      },
    );
    await eventually(async () => assert.equal(graph.hub.gateway.live!.subscriberCount, 1));
  });

  after(async () => {
    await client?.dispose();
    await graph?.close();
    await redis?.stop();
  });

  /** Approvals one after another (log, submit, approve through the gateway) until `stop` resolves. */
  async function approveUntil(stop: Promise<unknown>) {
    let done = false;
    const stopped = stop.finally(() => (done = true));
    while (!done) approved.push((await approvedEntry(graph, work, '0.01')).id);
    await stopped;
  }

  async function assertEveryApprovalPostedAndDeliveredOnce() {
    await eventually(async () => {
      const missing = await entriesNotPostedOnce(graph.hub.subgraphs.erp.database.db, approved);
      assert.deepEqual(missing, [], `${missing.length} of ${approved.length} approved entries lack exactly one cost posting and one billing event`);
    }, 90_000);
    // A payload is the entry as it is when resolved: its submission and approval may go out as one result (same
    // batch) or two, so each entry has one or two results, the last one APPROVED; a replayed event would add more.
    await eventually(async () => {
      const lastStatus = new Map(delivered.map((change) => [change.id, change.status]));
      const notApproved = approved.filter((id) => lastStatus.get(id) !== 'APPROVED');
      assert.deepEqual(notApproved, [], 'every approval reached the subscriber');
    }, 30_000);
    const results = new Map<string, number>();
    for (const change of delivered) results.set(change.id, (results.get(change.id) ?? 0) + 1);
    const repeated = [...results].filter(([, count]) => count > 2);
    assert.deepEqual(repeated, [], 'no event reached the subscriber twice');
  }

  it('(a) Redis restarted empty under load', async () => {
    // Counted, not timed: on a loaded machine 1.5 s may hold no approval at all, and then nothing is under load.
    const approvalsFrom = async (count: number) => eventually(async () => assert.ok(approved.length >= count, `${approved.length} of ${count} approvals`), 60_000);
    await approveUntil(
      (async () => {
        await approvalsFrom(approved.length + 3);
        await redis.stop();
        await redis.restart();
        await approvalsFrom(approved.length + 3);
      })(),
    );
    await assertEveryApprovalPostedAndDeliveredOnce();
  });

  it('(b) FLUSHALL under load', async () => {
    await approveUntil(
      (async () => {
        await sleep(1500);
        assert.equal(redis.cli('flushall'), 'OK');
        await sleep(1500);
      })(),
    );
    await assertEveryApprovalPostedAndDeliveredOnce();
  });

  it('(c) Redis away for 30 s, then back empty: approvals go on meanwhile and reach erp and the subscriber after', async () => {
    const before = approved.length;
    let duringOutage: { status: string; bus: string } | undefined;
    await approveUntil(
      (async () => {
        await sleep(1000);
        await redis.stop();
        await sleep(3000);
        duringOutage = (await (await fetch(new URL('/readyz', graph.url))).json()) as { status: string; bus: string };
        await sleep(outageMs - 3000);
        await redis.restart();
        await sleep(1000);
      })(),
    );
    assert.ok(approved.length - before >= 20, 'the graph took approvals while Redis was away');
    assert.equal(duringOutage?.status, 'degraded');
    assert.match(duringOutage?.bus ?? '', /^unreachable since /);
    await eventually(async () => {
      const ready = await (await fetch(new URL('/readyz', graph.url))).json();
      assert.equal(ready.bus, 'ok', 'readiness says the bus is back');
    });
    await assertEveryApprovalPostedAndDeliveredOnce();
  });
});
