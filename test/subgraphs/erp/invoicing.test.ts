import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { erpTopics } from '../../../subgraphs/erp/index.ts';
import { usingPostgres } from '../../support/database.ts';
import { dataOf, type GraphQLResponse } from '../../support/subgraph-harness.ts';
import { erpFixtures, finance, manager, worker } from './fixtures.ts';
import { startInvoicing, type InvoicingHarness } from './invoicing-fixture.ts';
import { C, P, W, entryApprovalCancelled, entryApproved } from './posting-fixture.ts';

/** Invoicing (DESIGN §4.4): draft from unbilled billing events, issue with gapless numbers, void, pay. */

const codeOf = (result: GraphQLResponse) => result.errors?.[0]?.extensions?.code;

/** Approves a billable time entry through erp's posting consumer; returns its id. */
async function approve(erp: InvoicingHarness, over: Parameters<typeof entryApproved>[0] = {}) {
  const approved = entryApproved(over);
  await erp.publish(approved);
  return approved.data.timeEntryId;
}

/** erp's outbox rows about one invoice, in order. */
const outboxOf = async (erp: InvoicingHarness, invoiceId: string): Promise<Array<{ type: string; data: any }>> =>
  erp.database.db.selectFrom('outbox').selectAll().where('subject_id', '=', invoiceId).orderBy('seq').execute();

describe('erp drafts invoices from unbilled billing events', () => {
  let erp: InvoicingHarness;
  before(async () => {
    erp = await startInvoicing();
    await erp.contract({ id: 'c-two', customerId: 'cust-2' });
  });
  after(() => erp.close());

  let first: string[];
  let drafted: any;

  it('drafts one DRAFT per contract: a line per unbilled event up to the period end, events BILLED, taxed for the customer country', async () => {
    first = [
      await approve(erp, { date: '2026-11-02', hours: '1.33', billRate: { amount: '87.50', currency: 'EUR' } }),
      await approve(erp, { date: '2026-11-10', hours: '0.67', billRate: { amount: '100.05', currency: 'EUR' } }),
      await approve(erp, { date: '2026-11-20', hours: '7.50', workerId: W.ben, roleId: 'r-pm' }),
    ];
    const later = await approve(erp, { date: '2026-11-24' });
    const held = entryApproved({ date: '2026-11-03' });
    delete (held.data as { billRate?: unknown }).billRate;
    await erp.publish(held);
    const otherContract = await erpFixtures(erp.database.db).billingEvent({
      source_id: randomUUID(), contract_id: 'c-two', customer_id: 'cust-2', amount: '10.00', currency: 'EUR', status: 'UNBILLED', date: '2026-11-05',
    });

    const result = dataOf(await erp.draft({ periodEnd: '2026-11-22', contractId: C.eur })).draftInvoices;
    assert.equal(result.length, 1);
    drafted = result[0];
    assert.deepEqual(
      [drafted.status, drafted.number, drafted.currency, drafted.customer.id, drafted.contract.id, drafted.periodStart, drafted.periodEnd, drafted.grouping],
      ['DRAFT', null, 'EUR', 'cust-1', C.eur, '2026-11-02', '2026-11-22', 'BY_PROJECT'],
    );
    assert.deepEqual(
      drafted.lines.map((line: any) => [line.sourceId, line.quantity, line.unitPrice.amount, line.amount.amount, line.billingEvent.status]),
      [[first[0], '1.33', '87.50', '116.38', 'BILLED'], [first[1], '0.67', '100.05', '67.03', 'BILLED'], [first[2], '7.50', '120.00', '900.00', 'BILLED']],
    );
    // subtotal = sum of the rounded lines; tax 19 % (cust-1 is in DE) rounded once: 1083.41 × 0.19 = 205.8479.
    assert.deepEqual([drafted.subtotal.amount, drafted.taxRatePercent, drafted.taxTotal.amount, drafted.total.amount], ['1083.41', '19.00', '205.85', '1289.26']);

    assert.equal(await erp.billingStatus(first[0]), 'ON_DRAFT');
    assert.equal(await erp.billingStatus(later), 'UNBILLED', 'after the period end');
    assert.equal((await erp.billingEventsOf(held.data.timeEntryId))[0].status, 'HELD', 'held events are not drafted');
    const [other] = await erp.database.db.selectFrom('billing_event').select('status').where('id', '=', otherContract).execute();
    assert.equal(other.status, 'UNBILLED', 'another contract is out of scope');

    const outbox = await outboxOf(erp, drafted.id);
    assert.deepEqual(outbox.map((row) => row.type), [erpTopics.invoiceDrafted]);
    assert.equal(outbox[0].data.billingEventIds.length, 3);
    assert.deepEqual(outbox[0].data.total, { amount: '1289.26', currency: 'EUR' });
  });

  it('presents the lines grouped by the invoice grouping (the setup default, BY_PROJECT), a printed line per rate, named; groups add up to the subtotal', async () => {
    const { invoice } = dataOf(
      await erp.call(
        `query($id: ID!) { invoice(id: $id) { lineGroups { grouping key label hours unitRate { amount } amount { amount } lines { sourceId } project { id } worker { id } } } }`,
        { id: drafted.id },
        finance,
      ),
    );
    const group = (sourceId: string, hours: string, rate: string, amount: string) => ({
      grouping: 'BY_PROJECT', key: P.alpha, label: `project ${P.alpha}`, hours, unitRate: { amount: rate }, amount: { amount }, lines: [{ sourceId }],
      project: { id: P.alpha }, worker: null,
    });
    assert.deepEqual(invoice.lineGroups, [
      group(first[0], '1.33', '87.50', '116.38'), group(first[1], '0.67', '100.05', '67.03'), group(first[2], '7.50', '120.00', '900.00'),
    ]);
    assert.deepEqual(erp.invoicingFacts.labelRequests.at(-1), { BY_PROJECT: [P.alpha], BY_ROLE: [], BY_WORKER: [], BY_TASK: [] }, 'only the names it prints');
  });

  it('a re-run drafts nothing new; a retry with the same key returns the same drafts; the key with another request is refused', async () => {
    assert.deepEqual(dataOf(await erp.draft({ periodEnd: '2026-11-22', contractId: C.eur })).draftInvoices, []);
    await approve(erp, { date: '2026-11-21' });
    const once = dataOf(await erp.draft({ periodEnd: '2026-11-22', contractId: C.eur }, finance, 'draft-key-1')).draftInvoices;
    const again = dataOf(await erp.draft({ periodEnd: '2026-11-22', contractId: C.eur }, finance, 'draft-key-1')).draftInvoices;
    assert.equal(once.length, 1);
    assert.deepEqual(again.map((i: any) => i.id), once.map((i: any) => i.id));
    assert.equal(codeOf(await erp.draft({ periodEnd: '2026-11-23', contractId: C.eur }, finance, 'draft-key-1')), 'IDEMPOTENCY_KEY_REUSED');
  });

  it('drafts per customer (its country picks the default rate) and per project, with a grouping override', async () => {
    const byCustomer = dataOf(await erp.draft({ periodEnd: '2026-11-30', customerId: 'cust-2', grouping: 'PER_ENTRY' })).draftInvoices;
    assert.deepEqual(
      byCustomer.map((i: any) => [i.contract.id, i.grouping, i.subtotal.amount, i.taxRatePercent, i.taxTotal.amount]),
      [['c-two', 'PER_ENTRY', '10.00', '0.00', '0.00']],
    );
    const byProject = dataOf(await erp.draft({ periodEnd: '2026-11-30', projectId: P.alpha, grouping: 'BY_WORKER' })).draftInvoices;
    assert.deepEqual(byProject.map((i: any) => [i.contract.id, i.grouping, i.lines.length, i.periodStart]), [[C.eur, 'BY_WORKER', 1, '2026-11-24']]);
    const groups = dataOf(await erp.call(`query($id: ID!) { invoice(id: $id) { lineGroups { key worker { id } project { id } hours } } }`, { id: byProject[0].id }, finance));
    assert.deepEqual(groups.invoice.lineGroups, [{ key: W.ana, worker: { id: W.ana }, project: null, hours: '7.50' }]);
    assert.equal(codeOf(await erp.draft({ periodEnd: '2026-11-30', customerId: 'cust-1', projectId: P.alpha })), 'BAD_USER_INPUT');
    assert.equal(codeOf(await erp.draft({ periodEnd: '30/11/2026' })), 'BAD_USER_INPUT');
  });

  it('concurrent drafts put each source on one line; the database refuses a second live line for a source', async () => {
    const sources = [];
    for (let i = 0; i < 5; i += 1) sources.push(await approve(erp, { date: '2026-11-15', hours: '0.33' }));
    const results = await Promise.all([1, 2, 3].map(() => erp.draft({ periodEnd: '2026-11-30', contractId: C.eur })));
    const lines = results.flatMap((result) => dataOf(result).draftInvoices.flatMap((invoice: any) => invoice.lines.map((line: any) => line.sourceId)));
    assert.deepEqual(lines.sort(), [...sources].sort());

    const db = erp.database.db;
    const line = await db.selectFrom('invoice_line').selectAll().where('source_id', '=', sources[0]).executeTakeFirstOrThrow();
    await assert.rejects(
      db.insertInto('invoice_line').values({ ...line, id: randomUUID(), billing_event_id: null, position: 99 }).execute(),
      /invoice_line_live_source/,
    );
  });

  it('only FINANCE and ADMIN invoice', async () => {
    for (const who of [manager, worker]) {
      assert.equal(codeOf(await erp.draft({ periodEnd: '2026-11-30' }, who)), 'FORBIDDEN');
      assert.equal(codeOf(await erp.issue(drafted.id, undefined, who)), 'FORBIDDEN');
      assert.equal(codeOf(await erp.void(drafted.id, 'no', who)), 'FORBIDDEN');
      assert.equal(codeOf(await erp.pay({ invoiceId: drafted.id, amount: { amount: '1.00', currency: 'EUR' }, receivedOn: '2026-12-01' }, who)), 'FORBIDDEN');
    }
    assert.equal((await erp.invoice(drafted.id)).status, 'DRAFT');
  });
});

describe('erp issues invoices with gapless numbers per legal entity', () => {
  let erp: InvoicingHarness;
  before(async () => {
    erp = await startInvoicing();
    await erp.contract({ id: 'c-uk', customerId: 'cust-3', legalEntityId: 'le-uk' });
  });
  after(() => erp.close());

  /** One draft of contract C.eur with one fresh entry. */
  const oneDraft = async (hours = '1.00') => {
    await approve(erp, { date: '2026-11-20', hours });
    const [invoice] = dataOf(await erp.draft({ periodEnd: '2026-11-22', contractId: C.eur })).draftInvoices;
    return invoice;
  };

  it('DRAFT → ISSUED: numbered, dated, due after the payment terms, taxed on the issue date; announced; the entry INVOICED', async () => {
    const draft = await oneDraft('7.50');
    const issued = dataOf(await erp.issue(draft.id, undefined, finance, 'issue-1')).issueInvoice;
    assert.deepEqual(
      [issued.status, issued.number, issued.issueDate, issued.dueDate, issued.subtotal.amount, issued.taxTotal.amount, issued.total.amount],
      ['ISSUED', 'INV-000001', '2026-11-25', '2026-12-25', '900.00', '171.00', '1071.00'],
    );
    assert.equal(await erp.billingStatus(draft.lines[0].sourceId), 'INVOICED');
    const outbox = await outboxOf(erp, draft.id);
    assert.deepEqual(outbox.map((row) => row.type), [erpTopics.invoiceDrafted, erpTopics.invoiceIssued]);
    assert.deepEqual([outbox[1].data.number, outbox[1].data.dueDate], ['INV-000001', '2026-12-25']);

    assert.deepEqual(dataOf(await erp.issue(draft.id, undefined, finance, 'issue-1')).issueInvoice.number, 'INV-000001', 'a retry replays');
    assert.equal(codeOf(await erp.issue(draft.id)), 'INVALID_TRANSITION');
    assert.equal(codeOf(await erp.issue(randomUUID())), 'NOT_FOUND');
  });

  it('issues concurrently without gaps or duplicates; the same draft issued twice at once is issued once', async () => {
    const drafts = [];
    for (let i = 0; i < 4; i += 1) drafts.push(await oneDraft());
    const results = await Promise.all(drafts.map((draft) => erp.issue(draft.id, { issueDate: '2026-11-26' })));
    assert.deepEqual(results.map((result) => dataOf(result).issueInvoice.number).sort(), ['INV-000002', 'INV-000003', 'INV-000004', 'INV-000005']);

    const twin = await oneDraft();
    const both = await Promise.all([erp.issue(twin.id), erp.issue(twin.id)]);
    assert.deepEqual(both.map((result) => (result.errors ? codeOf(result) : result.data.issueInvoice.number)).sort(), ['INV-000006', 'INVALID_TRANSITION']);
  });

  it('refuses an issue date before the period end, and a legal entity without a tax rate (TAX_RATE_NOT_FOUND) without consuming a number', async () => {
    const draft = await oneDraft();
    assert.equal(codeOf(await erp.issue(draft.id, { issueDate: '2026-11-21' })), 'BAD_USER_INPUT');

    await erpFixtures(erp.database.db).billingEvent({
      source_id: randomUUID(), contract_id: 'c-uk', customer_id: 'cust-3', legal_entity_id: 'le-uk', amount: '50.00', currency: 'EUR', status: 'UNBILLED', date: '2026-11-05',
    });
    const [uk] = dataOf(await erp.draft({ periodEnd: '2026-11-22', contractId: 'c-uk' })).draftInvoices;
    assert.deepEqual([uk.taxRatePercent, uk.taxTotal.amount], [null, '0.00'], 'drafted untaxed: no rate yet');
    assert.equal(codeOf(await erp.issue(uk.id)), 'TAX_RATE_NOT_FOUND');
    await erp.database.db
      .insertInto('tax_rate')
      .values({ id: 'tax-uk', legal_entity_id: 'le-uk', customer_country: null, name: 'VAT 20%', rate_percent: '20', effective_from: '2026-11-01', effective_to: null })
      .execute();
    const issued = dataOf(await erp.issue(uk.id)).issueInvoice;
    assert.deepEqual([issued.number, issued.taxTotal.amount, issued.total.amount], ['INV-000001', '10.00', '60.00'], "le-uk's own sequence, from 1");
    assert.equal(dataOf(await erp.issue(draft.id)).issueInvoice.number, 'INV-000007', "le-de's sequence went on without a gap");
  });
});

describe('erp rounds tax once per invoice or per line, as the tax rate says', () => {
  let erp: InvoicingHarness;
  before(async () => {
    erp = await startInvoicing();
    for (const id of ['c-ch-1', 'c-ch-2', 'c-ch-3']) await erp.contract({ id, customerId: 'cust-3', legalEntityId: 'le-ch' });
  });
  after(() => erp.close());

  /** Three lines of a third of an hour at a rate with cents: 0.33 h × 145.55 = 48.0315 → 48.03 each. */
  const draftThirds = async (contractId: string, grouping = 'PER_ENTRY') => {
    const make = erpFixtures(erp.database.db);
    for (let i = 0; i < 3; i += 1) {
      await make.billingEvent({
        source_id: randomUUID(), contract_id: contractId, customer_id: 'cust-3', legal_entity_id: 'le-ch', hours: '0.33', rate: '145.55', amount: '48.03',
        currency: 'EUR', status: 'UNBILLED', date: '2026-11-05',
      });
    }
    return dataOf(await erp.draft({ periodEnd: '2026-11-22', contractId, grouping })).draftInvoices[0];
  };
  const fields = 'id subtotal { amount } taxTotal { amount } total { amount } taxRounding taxRatePercent';

  it('taxes each line (LINE: 3 × 9.13 = 27.39) or the subtotal (INVOICE: 144.09 × 19 % = 27.38), frozen at issue', async () => {
    const created = dataOf(await erp.call(
      `mutation($input: CreateTaxRateInput!) { createTaxRate(input: $input) { id taxRounding } }`,
      { input: { legalEntityId: 'le-ch', name: 'VAT 19% per line', ratePercent: '19', effectiveFrom: '2026-01-01', taxRounding: 'LINE' } },
      finance,
    )).createTaxRate;
    assert.equal(created.taxRounding, 'LINE');
    const perLine = await draftThirds('c-ch-1');
    const issued = dataOf(await erp.call(`mutation($id: ID!) { issueInvoice(id: $id) { ${fields} } }`, { id: perLine.id }, finance)).issueInvoice;
    assert.deepEqual([issued.subtotal.amount, issued.taxTotal.amount, issued.total.amount, issued.taxRounding], ['144.09', '27.39', '171.48', 'LINE']);

    dataOf(await erp.call(`mutation($id: ID!) { updateTaxRate(id: $id, input: { taxRounding: INVOICE }) { id } }`, { id: created.id }, finance));
    const perInvoice = await draftThirds('c-ch-2');
    const second = dataOf(await erp.call(`mutation($id: ID!) { issueInvoice(id: $id) { ${fields} } }`, { id: perInvoice.id }, finance)).issueInvoice;
    assert.deepEqual([second.taxTotal.amount, second.total.amount, second.taxRounding], ['27.38', '171.47', 'INVOICE']);
    const again = dataOf(await erp.call(`query($id: ID!) { invoice(id: $id) { ${fields} } }`, { id: perLine.id }, finance)).invoice;
    assert.deepEqual([again.taxTotal.amount, again.taxRounding], ['27.39', 'LINE'], 'an issued invoice keeps its rule');

    // Grouped, the customer reads one line of 0.99 h × 145.55 = 144.09: LINE rounds that printed line's tax, 27.38.
    dataOf(await erp.call(`mutation($id: ID!) { updateTaxRate(id: $id, input: { taxRounding: LINE }) { id } }`, { id: created.id }, finance));
    const grouped = await draftThirds('c-ch-3', 'BY_PROJECT');
    const third = dataOf(await erp.call(`mutation($id: ID!) { issueInvoice(id: $id) { ${fields} } }`, { id: grouped.id }, finance)).issueInvoice;
    assert.deepEqual([third.subtotal.amount, third.taxTotal.amount, third.taxRounding], ['144.09', '27.38', 'LINE']);

    // Credited in two notes, the per-line invoice gives back exactly the 27.39 it charged.
    const lines = dataOf(await erp.call(`query($id: ID!) { invoice(id: $id) { lines { id } } }`, { id: perLine.id }, finance)).invoice.lines;
    const credit = async (ids: string[]) => {
      const note = dataOf(await erp.call(
        `mutation($invoiceId: ID!, $lines: [CreditNoteLineInput!]!) { draftCreditNote(invoiceId: $invoiceId, lines: $lines) { id } }`,
        { invoiceId: perLine.id, lines: ids.map((invoiceLineId) => ({ invoiceLineId, reason: 'training hours' })) },
        finance,
      )).draftCreditNote;
      return dataOf(await erp.call(`mutation($id: ID!) { issueCreditNote(id: $id) { taxTotal { amount } } }`, { id: note.id }, finance)).issueCreditNote.taxTotal.amount;
    };
    const first = await credit([lines[0].id]);
    const rest = await credit([lines[1].id, lines[2].id]);
    assert.deepEqual([first, rest], ['-9.13', '-18.26'], 'credit notes read negative');
  });
});

describe('erp voids invoices and records payments', () => {
  let erp: InvoicingHarness;
  before(async () => {
    erp = await startInvoicing();
  });
  after(() => erp.close());

  const draftOf = async (...hours: string[]) => {
    const ids = [];
    for (const h of hours) ids.push(await approve(erp, { date: '2026-11-20', hours: h }));
    const [invoice] = dataOf(await erp.draft({ periodEnd: '2026-11-22', contractId: C.eur })).draftInvoices;
    return { invoice, ids };
  };

  it('voiding a draft releases its lines: the sources are UNBILLED and drafted again on a new line', async () => {
    const { invoice, ids } = await draftOf('1.00');
    const voided = dataOf(await erp.void(invoice.id, 'wrong customer')).voidInvoice;
    assert.deepEqual([voided.status, voided.voidReason, voided.number], ['VOID', 'wrong customer', null]);
    assert.equal(await erp.billingStatus(ids[0]), 'UNBILLED');
    const [again] = dataOf(await erp.draft({ periodEnd: '2026-11-22', contractId: C.eur })).draftInvoices;
    assert.deepEqual(again.lines.map((line: any) => line.sourceId), ids);
    const lines = await erp.database.db.selectFrom('invoice_line').select(['invoice_id', 'released_at']).where('source_id', '=', ids[0]).orderBy('created_at').execute();
    assert.deepEqual(lines.map((line) => [line.invoice_id, line.released_at !== null]), [[invoice.id, true], [again.id, false]]);
    assert.deepEqual((await outboxOf(erp, invoice.id)).map((row) => row.type), [erpTopics.invoiceDrafted, erpTopics.invoiceVoided]);
    assert.equal(codeOf(await erp.void(invoice.id)), 'INVALID_TRANSITION', 'a VOID invoice stays void');
  });

  it('voiding an unpaid issued invoice keeps its number used and frees its sources; one taken back meanwhile is REVERSED', async () => {
    const { invoice, ids } = await draftOf('2.00', '3.00');
    const issued = dataOf(await erp.issue(invoice.id)).issueInvoice;
    // The second entry's approval is cancelled while it is on the issued invoice: its event stays BILLED.
    await erp.publish(entryApprovalCancelled({ ...entryApproved().data, timeEntryId: ids[1] }));
    assert.equal((await erp.billingEventsOf(ids[1]))[0].status, 'BILLED');

    const voided = dataOf(await erp.void(invoice.id, 'issued to the wrong contact')).voidInvoice;
    assert.deepEqual([voided.status, voided.number], ['VOID', issued.number]);
    assert.equal(await erp.billingStatus(ids[0]), 'UNBILLED');
    assert.equal((await erp.billingEventsOf(ids[1]))[0].status, 'REVERSED');
    const [voidedEvent] = (await outboxOf(erp, invoice.id)).filter((row) => row.type === erpTopics.invoiceVoided);
    assert.equal(voidedEvent.data.reversedBillingEventIds.length, 1);
    const [next] = dataOf(await erp.draft({ periodEnd: '2026-11-22', contractId: C.eur })).draftInvoices;
    assert.deepEqual(next.lines.map((line: any) => line.sourceId), [ids[0]], 'the freed source is drafted again, the reversed one not');
  });

  it('a void racing the reversals of its entries never deadlocks: both take the events, then the invoice (PostgreSQL)', { skip: !usingPostgres }, async () => {
    for (const issue of [false, true, false, true]) {
      const { invoice, ids } = await draftOf('1.00', '2.00', '3.00');
      if (issue) dataOf(await erp.issue(invoice.id));
      const [voided] = await Promise.all([
        erp.void(invoice.id, 'raced'),
        ...ids.map((id) => erp.publish(entryApprovalCancelled({ ...entryApproved().data, timeEntryId: id }))),
      ]);
      const code = codeOf(voided);
      assert.ok(code === undefined || code === 'CONFLICT', `void answered ${code}: ${JSON.stringify(voided.errors)}`);
      const after = await erp.invoice(invoice.id);
      assert.equal(after.status, code ? (issue ? 'ISSUED' : 'DRAFT') : 'VOID');
      for (const id of ids) {
        const [event] = await erp.billingEventsOf(id);
        // Taken back: REVERSED, unless it still sits on the issued invoice (BILLED, a credit note proposed).
        assert.ok(event.status === 'REVERSED' || (code && issue && event.status === 'BILLED'), `${id}: ${event.status}`);
      }
    }
  });

  it('payments: partial, then the rest (PAID); a retry records once; over, other currency, draft and paid are refused', async () => {
    const { invoice } = await draftOf('7.50');
    assert.equal(codeOf(await erp.pay({ invoiceId: invoice.id, amount: { amount: '1.00', currency: 'EUR' }, receivedOn: '2026-11-26' })), 'INVALID_TRANSITION');
    const issued = dataOf(await erp.issue(invoice.id)).issueInvoice;
    assert.equal(issued.total.amount, '1071.00');
    const pay = (amount: string, key?: string, currency = 'EUR') =>
      erp.pay({ invoiceId: invoice.id, amount: { amount, currency }, receivedOn: '2026-12-01', reference: 'bank 42' }, finance, key);

    const part = dataOf(await pay('500.00', 'pay-1')).recordPayment;
    assert.deepEqual(part.invoice, { status: 'PARTIALLY_PAID', amountPaid: { amount: '500.00' }, balance: { amount: '571.00' } });
    assert.equal(dataOf(await pay('500.00', 'pay-1')).recordPayment.id, part.id, 'the retry returns the first payment');
    assert.equal((await erp.invoice(invoice.id)).amountPaid.amount, '500.00', 'and records nothing more');
    assert.equal(codeOf(await pay('500.00', 'pay-1', 'USD')), 'IDEMPOTENCY_KEY_REUSED');

    assert.equal(codeOf(await pay('571.01')), 'OVERPAYMENT');
    assert.equal(codeOf(await pay('100.00', undefined, 'USD')), 'CURRENCY_MISMATCH');
    assert.equal(codeOf(await pay('-5.00')), 'BAD_USER_INPUT');
    assert.equal(codeOf(await pay('1.001')), 'BAD_USER_INPUT');
    assert.equal(codeOf(await erp.void(invoice.id)), 'INVALID_TRANSITION', 'money received: a credit note corrects it, not a void');

    const rest = dataOf(await pay('571.00', 'pay-2')).recordPayment;
    assert.deepEqual(rest.invoice, { status: 'PAID', amountPaid: { amount: '1071.00' }, balance: { amount: '0.00' } });
    assert.equal(codeOf(await pay('0.01')), 'INVALID_TRANSITION');
    const paid = (await outboxOf(erp, invoice.id)).filter((row) => row.type === erpTopics.invoicePaid);
    assert.deepEqual(paid.map((row) => [row.data.status, row.data.balance.amount]), [['PARTIALLY_PAID', '571.00'], ['PAID', '0.00']]);

    const ar = dataOf(await erp.call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { arBalance { amount currency } } } }`, { r: [{ __typename: 'Customer', id: 'cust-1' }] }, finance));
    assert.deepEqual(ar._entities[0].arBalance, [{ amount: '0.00', currency: 'EUR' }], 'nothing open: zero in the currency it is billed in');
  });
});
