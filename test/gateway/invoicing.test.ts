import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { toScaled, fromScaled } from '../../lib/decimal.ts';
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
});
