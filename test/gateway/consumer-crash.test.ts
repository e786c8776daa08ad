import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { billableWork } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { entriesNotPostedOnce, livePostingsPerEntry } from '../support/postings.ts';
import { hasRedisServer, TestRedisServer } from '../support/redis-server.ts';
import { startTopology, type Topology } from '../support/topology.ts';

const enabled = Boolean(process.env.PG_URL) && hasRedisServer;

/**
 * Issue 13's fault (d) and its worst combination, across processes: erp (the posting consumer) killed with SIGKILL in
 * the middle of a batch of approvals, and Redis restarted empty while erp is down. After each, erp started again
 * posts every approved entry exactly once. Only the killed process is restarted.
 */
describe('a consumer killed mid-batch misses nothing', { skip: !enabled && 'needs PG_URL and redis-server' }, () => {
  let redis: TestRedisServer;
  let topology: Topology;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const work = billableWork(firm, today, 'TIME_AND_MATERIALS');
  const approved: string[] = [];

  before(async () => {
    redis = await TestRedisServer.start();
    topology = await startTopology({ pgUrl: process.env.PG_URL!, redisUrl: redis.url, firm });
  });
  after(async () => {
    await topology?.stop();
    await redis?.stop();
  });

  /** Logs `count` entries as the worker, submits them and has the manager approve them in one call. */
  async function approveBatch(count: number) {
    const inputs = Array.from({ length: count }, () => ({ projectId: work.assignment.projectId, taskId: work.task.id, date: work.today, hours: '0.05' }));
    const logged = await topology.query(`mutation($inputs: [LogTimeEntryInput!]!) { logTimeEntries(inputs: $inputs) { entry { id } error { code } } }`, { inputs }, work.asWorker);
    const ids = logged.logTimeEntries.map((result: { entry: { id: string } | null; error: unknown }) => {
      assert.ok(result.entry, JSON.stringify(result.error));
      return result.entry.id;
    });
    await topology.query(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids }, work.asWorker);
    await topology.query(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id } }`, { ids }, work.asManager);
    approved.push(...ids);
  }

  const livePostings = async () => (await livePostingsPerEntry(topology.database('erp'), approved)).costs.size;

  async function assertEachPostedOnce() {
    await eventually(async () => {
      const missing = await entriesNotPostedOnce(topology.database('erp'), approved);
      assert.deepEqual(missing, [], `${missing.length} of ${approved.length} approved entries lack exactly one cost posting and one billing event`);
    }, 90_000);
  }

  it('(d) kill -9 of erp while it posts a batch of approvals: started again, it posts each once', async () => {
    await approveBatch(150);
    await eventually(async () => assert.ok((await livePostings()) > 0, 'erp has started posting'), 30_000);
    await topology.kill('erp', 'SIGKILL');
    const postedBeforeKill = await livePostings();
    assert.ok(postedBeforeKill < approved.length, `killed mid-batch (${postedBeforeKill} of ${approved.length} posted)`);
    topology.launch('erp');
    await assertEachPostedOnce();
  });

  it('Redis restarted empty while erp is down: erp asks for what it missed when it starts', async () => {
    await topology.kill('erp', 'SIGKILL');
    await approveBatch(30);
    // time relays the approvals; the stream holds them for erp's group, until Redis loses them.
    await eventually(async () => {
      const pending = await topology.database('time').selectFrom('outbox').select('seq').where('published_at', 'is', null).execute();
      assert.equal(pending.length, 0);
    });
    await redis.stop();
    await redis.restart();
    await approveBatch(10);
    topology.launch('erp');
    await assertEachPostedOnce();
  });
});
