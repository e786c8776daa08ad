import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { toScaled, fromScaled } from '../../lib/decimal.ts';
import { lineAmount } from '../../subgraphs/erp/domain/money.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { approvedEntry, arBalanceOf, billableWork, entryBilling } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/**
 * From approved time to a paid invoice, across the running graph on the demo firm: time approves, erp posts the
 * billing event; finance drafts the contract's invoice (tax from crm's customer country, read through the gateway),
 * issues it (numbered), sees the entry INVOICED and the customer's receivable grow, and records the payment.
 */
describe('invoicing through the gateway', () => {
  let graph: HubHarness;
  const today = new Date().toISOString().slice(0, 10);
  const firm = planDemoFirm({ scale: 1, today });
  const work = billableWork(firm, today);
  const { assignment, asWorker, asManager } = work;
  const finance = { roles: ['FINANCE' as const] };

  const ok = async (query: string, variables: Record<string, unknown>, identity: Parameters<HubHarness['query']>[2] = finance) => {
    const result = await graph.query(query, variables, identity);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data;
  };
  const billingOf = (id: string) => entryBilling(graph, id);
  const arBalance = (customerId: string, currency: string) => arBalanceOf(graph, customerId, currency);

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it('approved time is drafted, issued (INVOICED, in AR) and paid', async () => {
    const { id } = await approvedEntry(graph, work, '2.33');
    const posted = await eventually(async () => {
      const billing = await billingOf(id);
      assert.equal(billing.status, 'UNBILLED');
      return billing;
    });
    const contractId = posted.billingEvent.contract.id;
    const customerId = posted.billingEvent.customer.id;

    const { draftInvoices } = await ok(
      `mutation($input: DraftInvoicesInput!) { draftInvoices(input: $input, idempotencyKey: "gateway-draft-1") {
        id status currency contract { id } customer { name billingAddress { country } }
        lines { sourceId amount { amount } } lineGroups { hours amount { amount } } subtotal { amount } taxRatePercent
      } }`,
      { input: { periodEnd: today, contractId } },
    );
    assert.equal(draftInvoices.length, 1);
    const [draft] = draftInvoices;
    assert.deepEqual([draft.status, draft.contract.id], ['DRAFT', contractId]);
    assert.ok(draft.customer.name, 'the customer comes from crm');
    assert.ok(draft.lines.some((line: { sourceId: string }) => line.sourceId === id), 'the approved entry is on the draft');
    assert.notEqual(draft.taxRatePercent, null, "a rate for the legal entity and the customer's country");
    const groupSum = draft.lineGroups.reduce((sum: bigint, group: { amount: { amount: string } }) => sum + toScaled(group.amount.amount, 2), 0n);
    assert.equal(fromScaled(groupSum, 2), draft.subtotal.amount, 'the groups add up to the subtotal');
    assert.equal((await billingOf(id)).status, 'ON_DRAFT');

    const before = await arBalance(customerId, draft.currency);
    const { issueInvoice: issued } = await ok(
      `mutation($id: ID!) { issueInvoice(id: $id) { id number status issueDate dueDate total { amount currency } balance { amount } } }`,
      { id: draft.id },
    );
    assert.equal(issued.status, 'ISSUED');
    assert.match(issued.number, /^INV-\d{6}$/);
    assert.equal(issued.issueDate, today);
    const billing = await billingOf(id);
    assert.deepEqual([billing.status, billing.invoice.id], ['INVOICED', draft.id]);
    const withInvoice = await arBalance(customerId, draft.currency);
    assert.equal(toScaled(withInvoice, 2) - toScaled(before, 2), toScaled(issued.total.amount, 2), 'AR grew by the invoice total');

    const { recordPayment } = await ok(
      `mutation($input: RecordPaymentInput!) { recordPayment(input: $input, idempotencyKey: "gateway-pay-1") { invoice { status balance { amount } } } }`,
      { input: { invoiceId: draft.id, amount: issued.total, receivedOn: today, reference: 'wire' } },
    );
    assert.deepEqual([recordPayment.invoice.status, recordPayment.invoice.balance.amount], ['PAID', '0.00']);
    assert.equal(await arBalance(customerId, draft.currency), before, 'AR back where it was');

    const refused = await graph.query(`mutation { draftInvoices(input: { periodEnd: "${today}" }) { id } }`, {}, asManager);
    assert.equal(refused.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });

  it('reads a receivable of zero in each currency a customer is billed in, never nothing, when nothing is open', async () => {
    // Customers the seed never invoiced (no time-and-materials contract): nothing is open, in each contract's currency.
    const workCustomer = firm.projects.find((p) => p.id === assignment.projectId)!.customerId;
    const idle = firm.customers.filter((customer) => {
      const contracts = firm.contracts.filter((c) => c.customerId === customer.id);
      return customer.id !== workCustomer && contracts.length > 0 && contracts.every((c) => c.billingMethod !== 'TIME_AND_MATERIALS');
    });
    assert.ok(idle.length > 0, 'the demo firm has customers with nothing invoiced');
    const { customers } = await ok(`query($ids: [ID!]) { customers(first: 100, filter: { ids: $ids }) { nodes { id arBalance { amount currency } } } }`, { ids: idle.map((c) => c.id) });
    for (const customer of idle) {
      const currencies = [...new Set(firm.contracts.filter((c) => c.customerId === customer.id).map((c) => c.currency))].sort();
      const read = customers.nodes.find((node: { id: string }) => node.id === customer.id);
      assert.deepEqual(read.arBalance, currencies.map((currency) => ({ amount: '0.00', currency })), customer.id);
    }
  });

  it('a grouped line adds up on its face: hours × rate rounded once, named after the role; the events and revenue follow', async () => {
    // A rate with cents (an assignment override), so a quarter hour is 23.325: each entry alone rounds to 23.33.
    await ok(`mutation($id: ID!) { updateAssignment(id: $id, input: { billRateOverride: "93.30" }) { id } }`, { id: assignment.id }, { roles: ['ADMIN' as const] });
    const entries: string[] = [];
    for (let n = 0; n < 3; n += 1) entries.push((await approvedEntry(graph, work, '0.25')).id);
    const eventOf = async (id: string) =>
      (await ok(`query($id: ID!) { timeEntry(id: $id) { billing { status billingEvent { amount { amount } contract { id } project { id } } } } }`, { id }))
        .timeEntry.billing;
    const posted = await eventually(async () => {
      const billings = await Promise.all(entries.map(eventOf));
      assert.deepEqual(billings.map((billing) => [billing.status, billing.billingEvent.amount.amount]), Array(3).fill(['UNBILLED', '23.33']));
      return billings;
    });
    const { contract, project } = posted[0].billingEvent;
    const revenue = async () => {
      const { revenueSchedule } = await ok(
        `query($d: Date!, $p: ID!) { revenueSchedule(from: $d, to: $d, filter: { projectIds: [$p] }) { amount { amount } } }`,
        { d: today, p: project.id },
      );
      return revenueSchedule.reduce((sum: bigint, row: { amount: { amount: string } }) => sum + toScaled(row.amount.amount, 2), 0n);
    };
    const revenueBefore = await revenue();

    const { draftInvoices } = await ok(
      `mutation($input: DraftInvoicesInput!) { draftInvoices(input: $input, idempotencyKey: "gateway-draft-grouped") {
        currency subtotal { amount }
        lineGroups { label hours unitRate { amount } amount { amount } role { name } lines { sourceId } }
      } }`,
      { input: { periodEnd: today, contractId: contract.id, grouping: 'BY_ROLE' } },
    );
    const [draft] = draftInvoices;
    const group = draft.lineGroups.find((g: { lines: Array<{ sourceId: string }> }) => g.lines.some((line) => entries.includes(line.sourceId)));
    assert.deepEqual(group.lines.map((line: { sourceId: string }) => line.sourceId).sort(), [...entries].sort(), 'another rate, another printed line');
    assert.deepEqual([group.hours, group.unitRate.amount, group.amount.amount], ['0.75', '93.30', '69.98'], '0.75 h × 93.30 = 69.975 → 69.98, not 3 × 23.33');
    assert.ok(group.label);
    assert.equal(group.label, group.role.name, "named after the role, as hcm calls it");
    for (const printed of draft.lineGroups.filter((g: { unitRate: unknown }) => g.unitRate)) {
      assert.equal(printed.amount.amount, lineAmount(printed.hours, printed.unitRate.amount, draft.currency), `${printed.label}: hours × rate`);
    }
    const sum = draft.lineGroups.reduce((total: bigint, g: { amount: { amount: string } }) => total + toScaled(g.amount.amount, 2), 0n);
    assert.equal(fromScaled(sum, 2), draft.subtotal.amount, 'the printed lines add up to the subtotal');

    const shares = (await Promise.all(entries.map(eventOf))).map((billing) => billing.billingEvent.amount.amount);
    assert.deepEqual([...shares].sort(), ['23.32', '23.33', '23.33'], 'the billing events carry their lines: 69.98');
    assert.equal((await revenue()) - revenueBefore, -1n, 'revenue moved with the invoice: 69.98, not 69.99');
  });
});
