import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DemoAssignment } from '../../lib/seed/demo-firm.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
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
  const activeProject = new Set(firm.projects.filter((p) => p.status === 'ACTIVE').map((p) => p.id));
  const covering = (a: DemoAssignment) => a.status === 'CONFIRMED' && activeProject.has(a.projectId) && a.startDate <= today && a.endDate >= today;
  const assignment = firm.assignments.find(
    (a) => covering(a) && firm.workers.find((w) => w.id === a.workerId)?.status === 'ACTIVE' && firm.workers.find((w) => w.id === a.workerId)?.managerId,
  )!;
  const worker = firm.workers.find((w) => w.id === assignment.workerId)!;
  const task = firm.tasks.find((t) => t.projectId === assignment.projectId && t.billable && t.status === 'OPEN')!;
  const asWorker = { roles: ['WORKER' as const], workerId: worker.id };
  const asManager = { roles: ['WORKER' as const, 'MANAGER' as const], workerId: worker.managerId! };
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
    const logged = await ok(
      `mutation($input: LogTimeEntryInput!) { logTimeEntry(input: $input) { id } }`,
      { input: { projectId: assignment.projectId, taskId: task.id, date: today, hours: '1.33' } },
      asWorker,
    );
    const id = logged.logTimeEntry.id;
    await ok(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids: [id] }, asWorker);
    await ok(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { id } }`, { ids: [id] }, asManager);

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
    const logged = await ok(
      `mutation($input: LogTimeEntryInput!) { logTimeEntry(input: $input) { id } }`,
      { input: { projectId: assignment.projectId, taskId: task.id, date: today, hours: '2.00' } },
      asWorker,
    );
    const id = logged.logTimeEntry.id;
    await ok(`mutation($ids: [ID!]!) { submitTimeEntries(ids: $ids) { id } }`, { ids: [id] }, asWorker);
    const [approved] = (await ok(`mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids) { version } }`, { ids: [id] }, asManager)).approveTimeEntries;
    await eventually(async () => assert.equal((await billingOf(id)).billing.status, 'UNBILLED'));
    const corrected = await ok(
      `mutation($id: ID!, $v: Int!) { correctTimeEntry(id: $id, expectedVersion: $v, input: { hours: "2.50" }, reason: "a call was not logged") { id } }`,
      { id, v: approved.version },
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
