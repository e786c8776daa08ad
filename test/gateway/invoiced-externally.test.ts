import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createEvent } from '../../lib/events/envelope.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { timeTopics } from '../../subgraphs/time/events.ts';
import { addDays } from '../../subgraphs/time/domain/iso-week.ts';
import { billableWorkBetween } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { livePostingsPerEntry } from '../support/postings.ts';
import { dataOf } from '../support/subgraph-harness.ts';

/**
 * Imported history the previous system invoiced (time's `importTimeEntries(..., status: APPROVED)` with
 * `invoiced: true`, published as `time.entry.approved` with `invoicedExternally`): erp posts its cost as for any
 * approval and records its billing event INVOICED_EXTERNALLY — seen by finance, never drafted, neither unbilled work
 * nor psgraph's revenue — once, however often the approval arrives.
 */
describe('history invoiced by the previous system', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  // Last month's last day: a closed month, where reconciliation looks for billing events on no issued invoice.
  const date = addDays(`${today.slice(0, 7)}-01`, -1);
  const from = date;
  const { assignment, worker, task } = billableWorkBetween(firm, from, today, 'TIME_AND_MATERIALS');
  const project = firm.projects.find((p) => p.id === assignment.projectId)!;
  const admin = firm.workers.find((w) => w.accessRoles.includes('ADMIN'))!;
  const asAdmin = { roles: ['ADMIN' as const], workerId: admin.id };
  const finance = { roles: ['FINANCE' as const] };
  const input = {
    externalId: { system: 'harvest', id: `invoiced-${randomUUID()}` },
    workerId: worker.id, projectId: project.id, taskId: task.id, date, hours: '3.00', notes: 'billed in Harvest', invoiced: true,
  };
  let entryId: string;

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  const ok = async (query: string, variables: Record<string, unknown> = {}, as: Parameters<HubHarness['query']>[2] = finance) => dataOf(await graph.query(query, variables, as));
  const importHistory = async () =>
    (
      await ok(
        `mutation($inputs: [ImportTimeEntryInput!]!) { importTimeEntries(inputs: $inputs, status: APPROVED, allowLockedPeriods: true) { outcome error { code message } entry { id invoicedExternally } } }`,
        { inputs: [input] },
        asAdmin,
      )
    ).importTimeEntries[0];

  /** What psgraph counts of the contract's work: revenue, unbilled work, and the project's money to date. */
  const figures = async () =>
    ok(
      `query($c: ID!, $customer: ID!, $p: ID!, $from: Date!, $to: Date!) {
        revenueSchedule(from: $from, to: $to, filter: { contractIds: [$c] }) { amount { amount currency } hours }
        unbilledWork(from: $from, to: $to, groupBy: [CUSTOMER], filter: { customerIds: [$customer] }) { total { hours amount { amount } events } }
        project(id: $p) { financials { costToDate { amount currency } unbilledHours unbilledAmount { amount } } }
      }`,
      { c: project.contractId, customer: project.customerId, p: project.id, from: addDays(date, -40), to: today },
    );

  it('posts the cost and records the billing event INVOICED_EXTERNALLY, counted neither as unbilled nor as revenue', async () => {
    const before = await figures();
    const result = await importHistory();
    assert.equal(result.outcome, 'CREATED', JSON.stringify(result.error));
    assert.equal(result.entry.invoicedExternally, true);
    entryId = result.entry.id;
    const entry = await eventually(async () => {
      const { timeEntries } = await ok(
        `query($id: ID!) { timeEntries(filter: { ids: [$id] }) { nodes { hours billing { status billingEvent { id status heldReason hours rate { amount } amount { amount currency } invoiceLine { id } } } costPosting { hours amount { amount currency } } } } }`,
        { id: entryId },
      );
      const [node] = timeEntries.nodes;
      assert.equal(node.billing.status, 'INVOICED_EXTERNALLY');
      assert.ok(node.costPosting, 'its cost is posted as for any approval');
      return node;
    });
    const event = entry.billing.billingEvent;
    assert.equal(event.status, 'INVOICED_EXTERNALLY');
    assert.equal(event.heldReason, null);
    assert.equal(event.hours, '3.00');
    assert.equal(event.invoiceLine, null);
    assert.equal(entry.costPosting.hours, '3.00');

    // Finance sees it in the ledger, by its status.
    const { billingEvents } = await ok(`query($c: ID!) { billingEvents(first: 50, filter: { contractId: $c, status: [INVOICED_EXTERNALLY] }) { nodes { id sourceId } } }`, { c: project.contractId });
    assert.deepEqual(billingEvents.nodes.map((node: { sourceId: string }) => node.sourceId), [entryId]);

    const after = await figures();
    assert.deepEqual(after.revenueSchedule, before.revenueSchedule, 'not psgraph’s revenue');
    assert.deepEqual(after.unbilledWork, before.unbilledWork, 'not unbilled work');
    assert.equal(after.project.financials.unbilledHours, before.project.financials.unbilledHours);
    assert.deepEqual(after.project.financials.unbilledAmount, before.project.financials.unbilledAmount);
    assert.notDeepEqual(after.project.financials.costToDate, before.project.financials.costToDate, 'its cost counts');
  });

  it('drafting never picks it up, and reconciliation does not report it as not invoiced', async () => {
    const drafted = await ok(`mutation($c: ID!, $d: Date!) { draftInvoices(input: { contractId: $c, periodEnd: $d }) { lines { sourceId } } }`, { c: project.contractId, d: today });
    assert.ok(!drafted.draftInvoices.some((invoice: { lines: Array<{ sourceId: string }> }) => invoice.lines.some((line) => line.sourceId === entryId)));
    const { timeEntries } = await ok(`query($id: ID!) { timeEntries(filter: { ids: [$id] }) { nodes { billing { status billingEvent { id status } } } } }`, { id: entryId });
    const [{ billing }] = timeEntries.nodes;
    assert.equal(billing.status, 'INVOICED_EXTERNALLY');
    await ok(`mutation { runReconciliation { id status } }`);
    const { reconciliationExceptions } = await ok(`{ reconciliationExceptions(first: 500, filter: { open: true, type: BILLING_EVENT_NOT_INVOICED }) { nodes { subjects { ... on BillingEvent { id } } } } }`);
    assert.ok(!reconciliationExceptions.nodes.some((node: { subjects: Array<{ id?: string }> }) => node.subjects.some((subject) => subject.id === billing.billingEvent.id)));
  });

  it('is idempotent: the same import again, or the same approval delivered again, posts nothing more', async () => {
    const again = await importHistory();
    assert.equal(again.outcome, 'UNCHANGED');
    // The approval delivered once more under another event id (a replay of the outbox, a re-drive).
    const [published] = await graph.hub.subgraphs.time.database.db
      .selectFrom('outbox').select(['data']).where('type', '=', timeTopics.entryApproved).where('subject_id', '=', entryId).execute();
    const data = typeof published.data === 'string' ? JSON.parse(published.data) : published.data;
    assert.equal(data.invoicedExternally, true);
    await graph.bus.publish(createEvent('time', timeTopics.entryApproved, { typename: 'TimeEntry', id: entryId }, data, { correlationId: randomUUID() }, new Date()));
    await graph.hub.settle();
    const erp = graph.hub.subgraphs.erp.database.db;
    const { costs, billing } = await livePostingsPerEntry(erp, [entryId]);
    assert.equal(costs.get(entryId), 1);
    assert.equal(billing.get(entryId), 1);
  });

  it("counts as billed against the contract's not-to-exceed cap: the customer was billed it", async () => {
    const capUsage = async () =>
      (await ok(`query($id: ID!) { contract(id: $id) { billingSetup { capUsage { cap { amount } billed { amount } unbilled { amount } } } } }`, { id: project.contractId }))
        .contract.billingSetup.capUsage;
    await ok(`mutation($id: ID!) { updateContract(id: $id, input: { notToExceed: "1000000" }) { id } }`, { id: project.contractId });
    const before = await eventually(async () => {
      const usage = await capUsage();
      assert.equal(Number(usage?.cap.amount), 1000000);
      return usage;
    });
    const more = { ...input, externalId: { system: 'harvest', id: `invoiced-${randomUUID()}` }, hours: '1.00', notes: 'also billed in Harvest' };
    const [created] = (
      await ok(`mutation($inputs: [ImportTimeEntryInput!]!) { importTimeEntries(inputs: $inputs, status: APPROVED, allowLockedPeriods: true) { outcome entry { id } } }`, { inputs: [more] }, asAdmin)
    ).importTimeEntries;
    const amount = await eventually(async () => {
      const { timeEntries } = await ok(`query($id: ID!) { timeEntries(filter: { ids: [$id] }) { nodes { billing { status billingEvent { amount { amount } } } } } }`, { id: created.entry.id });
      assert.equal(timeEntries.nodes[0].billing.status, 'INVOICED_EXTERNALLY');
      return timeEntries.nodes[0].billing.billingEvent.amount.amount;
    });
    assert.ok(Number(amount) > 0, 'a billable entry at the frozen rate');
    const after = await capUsage();
    assert.equal((Number(after.billed.amount) - Number(before.billed.amount)).toFixed(2), Number(amount).toFixed(2), 'its amount is in what the cap counts as billed');
    assert.equal(after.unbilled.amount, before.unbilled.amount, 'and not in what it counts as unbilled');
  });

  it('is reversed like any other when its approval is taken back', async () => {
    await ok(`mutation($id: ID!) { rejectTimeEntries(ids: [$id], reason: "imported twice") { id } }`, { id: entryId }, asAdmin);
    await eventually(async () => {
      const { timeEntries } = await ok(`query($id: ID!) { timeEntries(filter: { ids: [$id] }) { nodes { billing { status billingEvent { status } } costPosting { id } } } }`, { id: entryId });
      const [node] = timeEntries.nodes;
      assert.equal(node.billing.status, 'REVERSED');
      assert.equal(node.billing.billingEvent.status, 'REVERSED');
      assert.equal(node.costPosting, null);
    });
  });
});
