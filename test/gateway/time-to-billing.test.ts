import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { approvedEntry, billableWork } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/**
 * From approved time to money, across the running graph: time approves (freezing the bill rate), erp consumes the
 * event and posts cost and a billing event; a cancelled approval and a correction reverse them, a re-approval posts
 * afresh. Everything is asked through the gateway, as finance would.
 */
describe('time to billing through the gateway', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const work = billableWork(firm, today);
  const { assignment, asWorker, asManager } = work;
  const finance = { roles: ['FINANCE' as const] };

  const ok = async (query: string, variables: Record<string, unknown>, identity: Parameters<HubHarness['query']>[2]) => {
    const result = await graph.query(query, variables, identity);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data;
  };
  const billingOf = (id: string) =>
    ok(
      `query($id: ID!) { timeEntry(id: $id) { hours billing { status billingEvent { status hours rate { amount currency } amount { amount currency } customer { name } } } } }`,
      { id },
      finance,
    ).then((data) => data.timeEntry);
  const postingsOf = (sourceId: string) =>
    ok(`query($p: ID!) { costPostings(first: 500, filter: { projectId: $p, sourceType: TIME_ENTRY }) { nodes { sourceId hours amount { amount } reversalOf { id } reversedAt } } }`, { p: assignment.projectId }, finance).then(
      (data) => data.costPostings.nodes.filter((n: { sourceId: string }) => n.sourceId === sourceId),
    );

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it('an approved billable entry is posted at the frozen rate; cancelling reverses it; re-approving posts afresh', async () => {
    const { id } = await approvedEntry(graph, work, '1.33');

    const posted = await eventually(async () => {
      const entry = await billingOf(id);
      assert.equal(entry.billing.status, 'UNBILLED');
      return entry;
    });
    const event = posted.billing.billingEvent;
    assert.equal(event.status, 'UNBILLED');
    assert.equal(event.hours, '1.33');
    assert.ok(event.customer.name, 'the customer comes from crm');
    // amount = hours × frozen rate, rounded half-up to the currency's cents.
    const cents = (value: string) => BigInt(value.replace('.', ''));
    const exact = cents(event.hours) * cents(event.rate.amount); // in 1/10000
    assert.equal(cents(event.amount.amount), (exact + 50n) / 100n);
    assert.equal(event.amount.currency, event.rate.currency);
    const [cost] = await eventually(async () => {
      const rows = await postingsOf(id);
      assert.equal(rows.length, 1);
      return rows;
    });
    assert.equal(cost.hours, '1.33');

    await ok(`mutation($ids: [ID!]!) { cancelTimeEntryApprovals(ids: $ids, reason: "approved the wrong project") { id } }`, { ids: [id] }, asManager);
    await eventually(async () => {
      const rows = await postingsOf(id);
      assert.equal(rows.length, 2, 'the original and its reversal');
      const reversal = rows.find((r: { reversalOf: unknown }) => r.reversalOf);
      assert.equal(reversal.hours, '-1.33');
      assert.ok(rows.find((r: { reversalOf: unknown }) => !r.reversalOf).reversedAt);
    });
    assert.equal((await billingOf(id)).billing.status, 'AWAITING_APPROVAL');

    await ok(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id } }`, { ids: [id] }, asManager);
    await eventually(async () => {
      assert.equal((await billingOf(id)).billing.status, 'UNBILLED');
      assert.equal((await postingsOf(id)).length, 3, 'a fresh posting beside the reversed pair');
    });
  });

  it('a correction reverses the original in erp, and its own approval bills the corrected hours', async () => {
    const { id, version } = await approvedEntry(graph, work, '2.00');
    await eventually(async () => assert.equal((await billingOf(id)).billing.status, 'UNBILLED'));
    const corrected = await ok(
      `mutation($id: ID!, $v: Int!) { correctTimeEntry(id: $id, expectedVersion: $v, input: { hours: "2.50" }, reason: "a call was not logged") { id } }`,
      { id, v: version },
      asWorker,
    );
    const correctionId = corrected.correctTimeEntry.id;
    await eventually(async () => assert.equal((await billingOf(id)).billing.status, 'REVERSED'));
    await ok(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id } }`, { ids: [correctionId] }, asManager);
    const billed = await eventually(async () => {
      const entry = await billingOf(correctionId);
      assert.equal(entry.billing.status, 'UNBILLED');
      return entry;
    });
    assert.equal(billed.billing.billingEvent.hours, '2.50');
  });
});
