import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { billableWork } from '../support/demo-work.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { dataOf } from '../support/subgraph-harness.ts';

/**
 * A spike of approvals through the running graph: erp's posting consumer takes them in batches (posting-batch.ts) and
 * posts each approved entry once; a spike of cancellations and of approvals again is applied in order per entry.
 */
describe('approvals posted in batches through the gateway', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const work = billableWork(firm, today);
  const finance = { roles: ['FINANCE' as const] };

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  const postingsOf = async (ids: readonly string[]) => {
    const { costPostings } = dataOf(
      await graph.query(
        `query($p: ID!) { costPostings(first: 500, filter: { projectId: $p, sourceType: TIME_ENTRY }) { nodes { sourceId amount { amount } reversalOf { id } reversedAt } } }`,
        { p: work.assignment.projectId },
        finance,
      ),
    );
    return (costPostings.nodes as Array<{ sourceId: string; amount: { amount: string }; reversalOf: { id: string } | null; reversedAt: string | null }>).filter((node) =>
      ids.includes(node.sourceId),
    );
  };
  const billingStatuses = async (ids: readonly string[]) => {
    const statuses: string[] = [];
    for (const id of ids) {
      const { timeEntry } = dataOf(await graph.query(`query($id: ID!) { timeEntry(id: $id) { billing { status } } }`, { id }, finance));
      statuses.push(timeEntry.billing.status);
    }
    return statuses;
  };

  it('posts every entry of a spike once; cancelled and approved again, each has its reversal and one live posting', async () => {
    const inputs = Array.from({ length: 30 }, (_, index) => ({
      projectId: work.assignment.projectId,
      taskId: work.task.id,
      date: today,
      hours: '0.25',
      notes: `batch ${index}`,
    }));
    const logged = dataOf(await graph.query(`mutation($inputs: [LogTimeEntryInput!]!) { logTimeEntries(inputs: $inputs) { entry { id } error { code } } }`, { inputs }, work.asWorker));
    const ids: string[] = logged.logTimeEntries.map((result: { entry: { id: string } }) => result.entry.id);
    assert.equal(ids.length, 30);
    dataOf(await graph.query(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids }, work.asWorker));
    dataOf(await graph.query(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id } }`, { ids }, work.asManager));
    await graph.hub.settle();

    const posted = await postingsOf(ids);
    assert.equal(posted.length, 30, 'one cost posting per approved entry');
    assert.deepEqual([...new Set(posted.map((row) => row.sourceId))].sort(), [...ids].sort());
    assert.deepEqual([...new Set(await billingStatuses(ids))], ['UNBILLED']);

    // Ten approvals taken back (the entries are SUBMITTED again) and given again, at once each: a reversal and a new
    // posting for each, in that order.
    const again = ids.slice(0, 10);
    dataOf(await graph.query(`mutation($ids: [ID!]!) { cancelTimeEntryApprovals(ids: $ids, reason: "wrong task") { id } }`, { ids: again }, work.asManager));
    dataOf(await graph.query(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id } }`, { ids: again }, work.asManager));
    await graph.hub.settle();

    const after = await postingsOf(ids);
    for (const id of again) {
      const rows = after.filter((row) => row.sourceId === id);
      assert.equal(rows.length, 3, `${id}: original, reversal, new posting`);
      assert.equal(rows.filter((row) => row.reversalOf).length, 1);
      assert.equal(rows.filter((row) => !row.reversalOf && !row.reversedAt).length, 1, 'one live posting');
    }
    assert.equal(after.filter((row) => !again.includes(row.sourceId)).length, 20, 'the others untouched');
    assert.deepEqual([...new Set(await billingStatuses(ids))], ['UNBILLED']);
  });
});
