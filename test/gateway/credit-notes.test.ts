import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fromScaled, toScaled } from '../../lib/decimal.ts';
import { planDemoFirm } from '../../lib/seed/plan.ts';
import { approvedEntry, arBalanceOf, billableWork, entryBilling } from '../support/demo-work.ts';
import { eventually } from '../support/eventually.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/**
 * Correcting an issued invoice across the running graph on the demo firm (DESIGN §1, §4.5): finance credits an
 * approved entry's line in part (the entry reads PARTIALLY_CREDITED, the receivable drops, re-billing it is refused),
 * then the rest (the line is released: CREDITED), and bills the entry again only when asking: it is drafted on a new
 * invoice. A credit note is a credit document: its amounts read negative.
 */
describe('credit notes through the gateway', () => {
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
  const codeOf = async (query: string, variables: Record<string, unknown>, identity: Parameters<HubHarness['query']>[2] = finance) =>
    (await graph.query(query, variables, identity)).errors?.[0]?.extensions?.code;
  const billingOf = (id: string) => entryBilling(graph, id);
  const arBalance = (customerId: string, currency: string) => arBalanceOf(graph, customerId, currency);
  const draftCredit = `mutation($invoiceId: ID!, $lines: [CreditNoteLineInput!]!, $key: String) {
    draftCreditNote(invoiceId: $invoiceId, lines: $lines, idempotencyKey: $key) { id status subtotal { amount } } }`;
  const issueCredit = `mutation($id: ID!) { issueCreditNote(id: $id) { id number status total { amount currency }
    invoice { balance { amount } lines { id sourceId credited { amount } released } } } }`;
  const rebill = `mutation($ids: [ID!]!) { rebillSources(input: { sourceIds: $ids }, idempotencyKey: "gateway-rebill-1") { id status } }`;

  before(async () => {
    graph = await startTestHub({ seed: { scale: 1 } });
  });
  after(() => graph.close());

  it('an issued invoice is credited in part, then in full, and its entry billed again only when asked', async () => {
    const { id } = await approvedEntry(graph, work, '3.00');
    const posted = await eventually(async () => {
      const billing = await billingOf(id);
      assert.equal(billing.status, 'UNBILLED');
      return billing;
    });
    const contractId = posted.billingEvent.contract.id;
    const customerId = posted.billingEvent.customer.id;
    const { draftInvoices } = await ok(
      `mutation($input: DraftInvoicesInput!) { draftInvoices(input: $input, idempotencyKey: "gateway-credit-draft-1") { id currency lines { id sourceId amount { amount } } } }`,
      { input: { periodEnd: today, contractId } },
    );
    const [invoice] = draftInvoices;
    const line = invoice.lines.find((l: { sourceId: string }) => l.sourceId === id);
    await ok(`mutation($id: ID!) { issueInvoice(id: $id) { id } }`, { id: invoice.id });
    const owed = await arBalance(customerId, invoice.currency);

    const half = fromScaled(toScaled(line.amount.amount, 2) / 2n, 2);
    const partial = (await ok(draftCredit, { invoiceId: invoice.id, lines: [{ invoiceLineId: line.id, amount: { amount: half, currency: invoice.currency }, reason: 'half the hours were training' }], key: 'gateway-credit-1' })).draftCreditNote;
    assert.equal(partial.status, 'DRAFT');
    assert.equal(await codeOf(draftCredit, { invoiceId: invoice.id, lines: [{ invoiceLineId: line.id, reason: 'everything' }] }, asManager), 'FORBIDDEN');
    const issuedPart = (await ok(issueCredit, { id: partial.id })).issueCreditNote;
    assert.match(issuedPart.number, /^CN-\d{6}$/);
    const creditedLine = issuedPart.invoice.lines.find((l: { id: string }) => l.id === line.id);
    assert.deepEqual([creditedLine.credited.amount, creditedLine.released], [half, false]);
    assert.equal(toScaled(await arBalance(customerId, invoice.currency), 2) - toScaled(owed, 2), toScaled(issuedPart.total.amount, 2), 'AR moved by the (negative) credit note');
    assert.equal((await billingOf(id)).status, 'PARTIALLY_CREDITED');
    assert.equal(await codeOf(rebill, { ids: [id] }), 'PARTIALLY_CREDITED', 'billing it again would bill its hours twice');

    const rest = (await ok(draftCredit, { invoiceId: invoice.id, lines: [{ invoiceLineId: line.id, reason: 'the rest: billed to the wrong contract' }] })).draftCreditNote;
    assert.equal(toScaled(half, 2) - toScaled(rest.subtotal.amount, 2), toScaled(line.amount.amount, 2), 'by default, all that is left');
    const issuedRest = (await ok(issueCredit, { id: rest.id })).issueCreditNote;
    assert.equal(toScaled(issuedRest.number.slice(3), 0), toScaled(issuedPart.number.slice(3), 0) + 1n, 'numbered next, no gap');
    assert.equal(issuedRest.invoice.lines.find((l: { id: string }) => l.id === line.id).released, true);
    assert.equal((await billingOf(id)).status, 'CREDITED', 'it waits to be asked');

    const { rebillSources } = await ok(rebill, { ids: [id] });
    assert.deepEqual(rebillSources.map((event: { status: string }) => event.status), ['UNBILLED']);
    assert.equal((await billingOf(id)).status, 'UNBILLED');
    const { draftInvoices: next } = await ok(
      `mutation($input: DraftInvoicesInput!) { draftInvoices(input: $input) { id lines { sourceId amount { amount } } } }`,
      { input: { periodEnd: today, contractId } },
    );
    const billedOn = next.filter((draft: { lines: Array<{ sourceId: string }> }) => draft.lines.some((l) => l.sourceId === id));
    assert.equal(billedOn.length, 1, 'on a new draft, once');
    assert.notEqual(billedOn[0].id, invoice.id);
    assert.equal((await billingOf(id)).status, 'ON_DRAFT');

    // Finance's list of credit notes: both of this invoice's, newest first, filtered, paged, and not for managers.
    const list = `query($filter: CreditNoteFilter, $first: Int) { creditNotes(filter: $filter, first: $first) { totalCount nodes { id number status } pageInfo { hasNextPage } } }`;
    const { creditNotes } = await ok(list, { filter: { invoiceId: invoice.id } });
    assert.deepEqual(creditNotes.nodes.map((note: { id: string }) => note.id), [rest.id, partial.id]);
    assert.deepEqual(creditNotes.nodes.map((note: { status: string }) => note.status), ['ISSUED', 'ISSUED']);
    const { creditNotes: firstPage } = await ok(list, { filter: { customerId, status: ['ISSUED'] }, first: 1 });
    assert.equal(firstPage.nodes.length, 1);
    assert.ok(firstPage.totalCount >= 2 && firstPage.pageInfo.hasNextPage);
    const { creditNotes: drafts } = await ok(list, { filter: { invoiceId: invoice.id, status: ['DRAFT'] } });
    assert.equal(drafts.totalCount, 0);
    assert.equal(await codeOf(list, {}, asManager), 'FORBIDDEN');
  });

  it('signs a credit note negative on its lines, tax and total; an entry credited in part reads PARTIALLY_CREDITED and stays approved', async () => {
    const { id } = await approvedEntry(graph, work, '2.00');
    const posted = await eventually(async () => {
      const billing = await billingOf(id);
      assert.equal(billing.status, 'UNBILLED');
      return billing;
    });
    const { draftInvoices } = await ok(
      `mutation($input: DraftInvoicesInput!) { draftInvoices(input: $input, idempotencyKey: "gateway-credit-signs-draft") { id currency lines { id sourceId } } }`,
      { input: { periodEnd: today, contractId: posted.billingEvent.contract.id, grouping: 'PER_ENTRY' } },
    );
    const [invoice] = draftInvoices;
    const lineId = invoice.lines.find((l: { sourceId: string }) => l.sourceId === id).id;
    const issued = (await ok(`mutation($id: ID!) { issueInvoice(id: $id) { total { amount } taxRatePercent } }`, { id: invoice.id })).issueInvoice;
    const credit = { amount: '10.00', currency: invoice.currency };
    const drafted = (await ok(draftCredit, { invoiceId: invoice.id, lines: [{ invoiceLineId: lineId, amount: credit, reason: 'goodwill' }], key: 'gateway-credit-signs' })).draftCreditNote;
    const { issueCreditNote: note } = await ok(
      `mutation($id: ID!) { issueCreditNote(id: $id) { subtotal { amount } taxTotal { amount } total { amount } lines { amount { amount } }
        invoice { total { amount } balance { amount } lines { id credited { amount } } } } }`,
      { id: drafted.id },
    );
    assert.deepEqual([note.lines[0].amount.amount, note.subtotal.amount], ['-10.00', '-10.00'], 'the credited amount, negative');
    assert.ok(toScaled(note.taxTotal.amount, 2) <= 0n, `tax credited at ${issued.taxRatePercent} %: ${note.taxTotal.amount}`);
    assert.equal(toScaled(note.total.amount, 2), toScaled(note.subtotal.amount, 2) + toScaled(note.taxTotal.amount, 2), 'total = subtotal + tax, signed');
    assert.equal(toScaled(note.invoice.balance.amount, 2), toScaled(issued.total.amount, 2) + toScaled(note.total.amount, 2), 'invoice + credit note = what is owed');
    assert.equal(note.invoice.lines.find((l: { id: string }) => l.id === lineId).credited.amount, '10.00', 'what the line was credited reads positive');
    const { creditNote } = await ok(`query($id: ID!) { creditNote(id: $id) { total { amount } } }`, { id: drafted.id });
    assert.equal(creditNote.total.amount, note.total.amount);

    assert.equal((await billingOf(id)).status, 'PARTIALLY_CREDITED');
    const cancel = `mutation($ids: [ID!]!) { cancelTimeEntryApprovals(ids: $ids, reason: "wrong task") { id } }`;
    assert.equal(await codeOf(cancel, { ids: [id] }, asManager), 'ALREADY_INVOICED', 'the rest is still billed: correct it instead');
  });
});
