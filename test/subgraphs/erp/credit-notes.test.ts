import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Identity } from '../../../lib/auth/identity.ts';
import { erpTopics } from '../../../subgraphs/erp/index.ts';
import { dataOf, type GraphQLResponse } from '../../support/subgraph-harness.ts';
import { erpFixtures, finance, manager, worker } from './fixtures.ts';
import { startInvoicing, type InvoicingHarness } from './invoicing-fixture.ts';
import { C, entryApproved, entryRejected } from './posting-fixture.ts';

/**
 * Credit notes (DESIGN §1, §4.5): proposed when an invoiced source is taken back, drafted by hand (in full or in
 * part), issued with gapless numbers, voided while drafts; a line credited in full lets its source be billed again,
 * only when finance asks, never for a partial credit nor a source taken back. Contract C.eur bills cust-1 (DE, 19 %).
 */

const codeOf = (result: GraphQLResponse) => result.errors?.[0]?.extensions?.code;

const noteFields = `id number status reason issueDate subtotal { amount currency } taxTotal { amount } total { amount } taxRatePercent voidReason
  invoice { id status balance { amount } }
  lines { sourceType sourceId reason amount { amount } invoiceLine { id } }`;

const lineFields = `id sourceId amount { amount } credited { amount } released billingEvent { id status heldReason }`;

describe('erp credit notes', () => {
  let erp: InvoicingHarness;
  before(async () => {
    erp = await startInvoicing();
    await erp.contract({ id: 'c-two', customerId: 'cust-2' });
  });
  after(() => erp.close());

  const draftCredit = (invoiceId: string, lines: unknown[], identity: Identity = finance, key?: string) =>
    erp.call(`mutation($id: ID!, $lines: [CreditNoteLineInput!]!, $key: String) { draftCreditNote(invoiceId: $id, lines: $lines, idempotencyKey: $key) { ${noteFields} } }`, { id: invoiceId, lines, key }, identity);
  const issueCredit = (id: string, input?: Record<string, unknown>, identity: Identity = finance, key?: string) =>
    erp.call(`mutation($id: ID!, $input: IssueCreditNoteInput, $key: String) { issueCreditNote(id: $id, input: $input, idempotencyKey: $key) { ${noteFields} } }`, { id, input, key }, identity);
  const voidCredit = (id: string, reason = 'not needed', identity: Identity = finance, key?: string) =>
    erp.call(`mutation($id: ID!, $reason: String!, $key: String) { voidCreditNote(id: $id, reason: $reason, idempotencyKey: $key) { ${noteFields} } }`, { id, reason, key }, identity);
  const rebill = (input: Record<string, unknown>, identity: Identity = finance, key?: string) =>
    erp.call(`mutation($input: RebillSourcesInput!, $key: String) { rebillSources(input: $input, idempotencyKey: $key) { id status heldReason sourceId } }`, { input, key }, identity);
  const invoiceOf = async (id: string) =>
    dataOf(await erp.call(`query($id: ID!) { invoice(id: $id) { status total { amount } balance { amount } creditNotes { ${noteFields} } lines { ${lineFields} } } }`, { id }, finance)).invoice;
  const billing = async (timeEntryId: string, status = 'APPROVED') => {
    const result = await erp.call(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on TimeEntry { billing { status } } } }`,
      { r: [{ __typename: 'TimeEntry', id: timeEntryId, billable: true, status }] },
      finance,
    );
    return dataOf(result)._entities[0].billing.status;
  };
  const outboxOf = async (subjectId: string): Promise<Array<{ type: string; data: any }>> =>
    erp.database.db.selectFrom('outbox').selectAll().where('subject_id', '=', subjectId).orderBy('seq').execute();

  /** Approves entries of C.eur (7.50 h at 120.00 = 900.00 unless told), drafts and issues them on one invoice. */
  async function issuedInvoice(...hours: string[]) {
    const approvals = hours.map((h) => entryApproved({ date: '2026-11-20', hours: h }));
    for (const approval of approvals) await erp.publish(approval);
    const [draft] = dataOf(await erp.draft({ periodEnd: '2026-11-22', contractId: C.eur })).draftInvoices;
    dataOf(await erp.issue(draft.id, { issueDate: '2026-11-25' }));
    const invoice = await invoiceOf(draft.id);
    const lineOf = (timeEntryId: string) => invoice.lines.find((line: any) => line.sourceId === timeEntryId);
    return { id: draft.id as string, invoice, approvals, lineOf };
  }

  it('the reversal of an invoiced source proposes a full credit; issued, it credits the line and the source is never billed again', async () => {
    const { id, invoice, approvals, lineOf } = await issuedInvoice('7.50', '1.00');
    assert.deepEqual([invoice.total.amount, invoice.balance.amount], ['1213.80', '1213.80'], '1020.00 + 19 %');
    const [taken, kept] = approvals.map((approval) => approval.data);

    const rejected = entryRejected(taken, true);
    await erp.publish(rejected);
    await erp.publish(rejected);
    const [proposed] = (await invoiceOf(id)).creditNotes;
    assert.deepEqual(
      [proposed.status, proposed.number, proposed.subtotal.amount, proposed.taxTotal.amount, proposed.total.amount, proposed.invoice.balance.amount],
      ['DRAFT', null, '-900.00', '-171.00', '-1071.00', '1213.80'],
      'a draft, signed as a credit: the balance waits for its issue',
    );
    assert.deepEqual(proposed.lines, [
      { sourceType: 'TIME_ENTRY', sourceId: taken.timeEntryId, reason: `TIME_ENTRY ${taken.timeEntryId} taken back (REJECTED)`, amount: { amount: '-900.00' }, invoiceLine: { id: lineOf(taken.timeEntryId).id } },
    ]);
    assert.deepEqual((await erp.outboxCausedBy(rejected.id)).map((row) => row.type), [erpTopics.creditNoteDrafted, erpTopics.billingBlocked]);

    // Another entry of the invoice taken back extends the same draft.
    await erp.publish(entryRejected(kept, true));
    const [extended] = (await invoiceOf(id)).creditNotes;
    assert.deepEqual([extended.id, extended.lines.length, extended.subtotal.amount], [proposed.id, 2, '-1020.00']);
    // Finance decides only the first is credited: a fresh note for it, this one voided.
    dataOf(await voidCredit(proposed.id, 'credit one at a time'));
    const single = dataOf(await draftCredit(id, [{ invoiceLineId: lineOf(taken.timeEntryId).id, reason: 'rejected after invoicing' }])).draftCreditNote;

    const issued = dataOf(await issueCredit(single.id, { issueDate: '2026-11-26' })).issueCreditNote;
    assert.deepEqual(
      [issued.status, issued.number, issued.issueDate, issued.taxRatePercent, issued.total.amount, issued.invoice.balance.amount, issued.invoice.status],
      ['ISSUED', 'CN-000001', '2026-11-26', '19.00', '-1071.00', '142.80', 'ISSUED'],
    );
    const after = await invoiceOf(id);
    const creditedLine = after.lines.find((line: any) => line.sourceId === taken.timeEntryId);
    assert.deepEqual([creditedLine.credited.amount, creditedLine.released, creditedLine.billingEvent.status], ['900.00', true, 'REVERSED']);
    assert.equal(await billing(taken.timeEntryId, 'REJECTED'), 'CREDITED');
    const announced = await outboxOf(single.id);
    assert.deepEqual(announced.map((row) => row.type), [erpTopics.creditNoteDrafted, erpTopics.creditNoteIssued]);
    assert.deepEqual(
      [announced[1].data.releasedInvoiceLineIds, announced[1].data.reversedBillingEventIds, announced[1].data.invoiceBalance],
      [[creditedLine.id], [creditedLine.billingEvent.id], { amount: '142.80', currency: 'EUR' }],
    );
    assert.deepEqual(
      [announced[0].data.subtotal.amount, announced[0].data.lines[0].amount.amount, announced[1].data.subtotal.amount, announced[1].data.taxTotal.amount, announced[1].data.total.amount],
      ['-900.00', '-900.00', '-900.00', '-171.00', '-1071.00'],
      'the events sign a credit as the graph does',
    );
    const reversed = await outboxOf(creditedLine.billingEvent.id);
    assert.equal(reversed.at(-1)!.data.cause, 'INVOICE_CREDITED');

    assert.equal(codeOf(await rebill({ sourceIds: [taken.timeEntryId] })), 'SOURCE_REVERSED', 'taken back: never billed again');
    assert.equal(codeOf(await issueCredit(single.id)), 'INVALID_TRANSITION');
    assert.equal(codeOf(await voidCredit(single.id)), 'INVALID_TRANSITION', 'an issued credit note is a document');
    assert.equal(codeOf(await issueCredit(proposed.id)), 'INVALID_TRANSITION', 'a voided draft stays void');
  });

  let partial: { id: string; lineId: string; timeEntryId: string };

  it('credits part of a line by hand, idempotently; refuses more than the line and another currency; a voided draft frees its part', async () => {
    const { id, approvals, lineOf } = await issuedInvoice('7.50');
    const timeEntryId = approvals[0].data.timeEntryId;
    const lineId = lineOf(timeEntryId).id;
    const part = [{ invoiceLineId: lineId, amount: { amount: '300.00', currency: 'EUR' }, reason: 'two and a half hours not agreed' }];
    const drafted = dataOf(await draftCredit(id, part, finance, 'credit-part-1')).draftCreditNote;
    assert.deepEqual([drafted.status, drafted.subtotal.amount, drafted.taxTotal.amount, drafted.total.amount], ['DRAFT', '-300.00', '-57.00', '-357.00']);
    assert.equal(dataOf(await draftCredit(id, part, finance, 'credit-part-1')).draftCreditNote.id, drafted.id, 'a retry replays');
    assert.equal((await invoiceOf(id)).creditNotes.length, 1, 'and drafts nothing more');
    assert.equal(codeOf(await draftCredit(id, [{ ...part[0], amount: { amount: '301.00', currency: 'EUR' } }], finance, 'credit-part-1')), 'IDEMPOTENCY_KEY_REUSED');

    assert.equal(codeOf(await draftCredit(id, [{ invoiceLineId: lineId, amount: { amount: '600.01', currency: 'EUR' }, reason: 'too much' }])), 'OVER_CREDIT', 'the draft counts');
    assert.equal(codeOf(await draftCredit(id, [{ invoiceLineId: lineId, amount: { amount: '10.00', currency: 'USD' }, reason: 'x' }])), 'CURRENCY_MISMATCH');
    assert.equal(codeOf(await draftCredit(id, [{ invoiceLineId: lineId, amount: { amount: '-1.00', currency: 'EUR' }, reason: 'x' }])), 'BAD_USER_INPUT');
    assert.equal(codeOf(await draftCredit(randomUUID(), part)), 'NOT_FOUND');

    const spare = dataOf(await draftCredit(id, [{ invoiceLineId: lineId, amount: { amount: '600.00', currency: 'EUR' }, reason: 'maybe' }])).draftCreditNote;
    const voided = dataOf(await voidCredit(spare.id, 'customer accepted the rest', finance, 'void-spare')).voidCreditNote;
    assert.deepEqual([voided.status, voided.voidReason], ['VOID', 'customer accepted the rest']);
    assert.equal(dataOf(await voidCredit(spare.id, 'customer accepted the rest', finance, 'void-spare')).voidCreditNote.status, 'VOID', 'a retry replays');

    const issued = dataOf(await issueCredit(drafted.id, undefined, finance, 'issue-part')).issueCreditNote;
    assert.deepEqual([issued.number, issued.total.amount, issued.invoice.balance.amount], ['CN-000002', '-357.00', '714.00'], '1071.00 − 357.00');
    assert.equal(dataOf(await issueCredit(drafted.id, undefined, finance, 'issue-part')).issueCreditNote.number, 'CN-000002', 'a retry replays, numbering nothing');
    const line = (await invoiceOf(id)).lines[0];
    assert.deepEqual([line.credited.amount, line.released, line.billingEvent.status], ['300.00', false, 'BILLED'], 'credited in part: the line keeps its source');
    assert.equal(await billing(timeEntryId), 'PARTIALLY_CREDITED');
    partial = { id, lineId, timeEntryId };
  });

  it('never re-bills a partially credited line, nor one not credited', async () => {
    assert.equal(codeOf(await rebill({ invoiceLineIds: [partial.lineId] })), 'PARTIALLY_CREDITED');
    assert.equal(codeOf(await rebill({ sourceIds: [partial.timeEntryId] })), 'PARTIALLY_CREDITED');
    assert.equal((await invoiceOf(partial.id)).lines[0].billingEvent.status, 'BILLED');
    const fresh = await issuedInvoice('1.00');
    assert.equal(codeOf(await rebill({ invoiceLineIds: [fresh.invoice.lines[0].id] })), 'NOT_CREDITED');
    // All or nothing: a refusable line in the request changes nothing for the others.
    assert.equal(codeOf(await rebill({ invoiceLineIds: [fresh.invoice.lines[0].id, partial.lineId] })), 'NOT_CREDITED');
    assert.equal(codeOf(await rebill({})), 'BAD_USER_INPUT');
    assert.equal(codeOf(await rebill({ invoiceLineIds: [randomUUID()] })), 'NOT_FOUND');
  });

  it('a line credited in full is billed again only when asked, once, on a new line of the next draft', async () => {
    const { id, approvals, lineOf } = await issuedInvoice('2.00');
    const timeEntryId = approvals[0].data.timeEntryId;
    const lineId = lineOf(timeEntryId).id;
    const note = dataOf(await draftCredit(id, [{ invoiceLineId: lineId, reason: 'billed to the wrong contract' }])).draftCreditNote;
    assert.equal(note.subtotal.amount, '-240.00', 'the full line by default');
    const issued = dataOf(await issueCredit(note.id)).issueCreditNote;
    assert.deepEqual([issued.invoice.balance.amount, issued.invoice.status], ['0.00', 'ISSUED']);
    const credited = (await invoiceOf(id)).lines[0];
    assert.deepEqual([credited.released, credited.billingEvent.status, credited.billingEvent.heldReason], [true, 'HELD', 'CREDITED']);
    assert.equal(await billing(timeEntryId), 'CREDITED');
    assert.deepEqual(dataOf(await erp.draft({ periodEnd: '2026-11-30', contractId: C.eur })).draftInvoices, [], 'not billed again unasked');

    const rebilled = dataOf(await rebill({ sourceIds: [timeEntryId] }, finance, 'rebill-1')).rebillSources;
    assert.deepEqual(rebilled, [{ id: credited.billingEvent.id, status: 'UNBILLED', heldReason: null, sourceId: timeEntryId }]);
    assert.deepEqual(dataOf(await rebill({ sourceIds: [timeEntryId] }, finance, 'rebill-1')).rebillSources.map((e: any) => e.id), [credited.billingEvent.id], 'a retry replays');
    assert.equal(codeOf(await rebill({ invoiceLineIds: [lineId] })), 'INVALID_TRANSITION', 'billed again already');
    assert.equal(await billing(timeEntryId), 'UNBILLED');
    const announced = await outboxOf(credited.billingEvent.id);
    assert.deepEqual(announced.filter((row) => row.type === erpTopics.billingEventRebilled).map((row) => [row.data.creditedInvoiceLineId, row.data.status]), [[lineId, 'UNBILLED']]);

    const [next] = dataOf(await erp.draft({ periodEnd: '2026-11-30', contractId: C.eur })).draftInvoices;
    assert.deepEqual(next.lines.map((line: any) => [line.sourceId, line.amount.amount]), [[timeEntryId, '240.00']]);
    assert.equal(await billing(timeEntryId), 'ON_DRAFT');
    assert.equal(codeOf(await rebill({ sourceIds: [timeEntryId] })), 'NOT_CREDITED', "the source's latest line is the new one");
  });

  it('a credit on a paid invoice leaves a refund due: a negative balance, in the customer receivables too', async () => {
    const make = erpFixtures(erp.database.db);
    const sources = [randomUUID(), randomUUID()];
    for (const [index, amount] of ['500.00', '250.00'].entries()) {
      await make.billingEvent({ source_id: sources[index], contract_id: 'c-two', customer_id: 'cust-2', amount, currency: 'EUR', status: 'UNBILLED', date: '2026-11-05' });
    }
    const [draft] = dataOf(await erp.draft({ periodEnd: '2026-11-22', contractId: 'c-two' })).draftInvoices;
    dataOf(await erp.issue(draft.id));
    dataOf(await erp.pay({ invoiceId: draft.id, amount: { amount: '750.00', currency: 'EUR' }, receivedOn: '2026-12-01' }));
    const lines = (await invoiceOf(draft.id)).lines;
    const note = dataOf(await draftCredit(draft.id, [{ invoiceLineId: lines.find((l: any) => l.sourceId === sources[1]).id, reason: 'service credit' }])).draftCreditNote;
    const issued = dataOf(await issueCredit(note.id)).issueCreditNote;
    assert.deepEqual([issued.total.amount, issued.taxTotal.amount, issued.invoice.status, issued.invoice.balance.amount], ['-250.00', '0.00', 'PAID', '-250.00']);
    const ar = dataOf(await erp.call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { arBalance { amount currency } } } }`, { r: [{ __typename: 'Customer', id: 'cust-2' }] }, finance));
    assert.deepEqual(ar._entities[0].arBalance, [{ amount: '-250.00', currency: 'EUR' }]);
    assert.equal(codeOf(await erp.pay({ invoiceId: draft.id, amount: { amount: '1.00', currency: 'EUR' }, receivedOn: '2026-12-02' })), 'INVALID_TRANSITION');
  });

  it('never credits a line beyond its amount, even when asked at once', async () => {
    const { id, invoice } = await issuedInvoice('5.00');
    const lineId = invoice.lines[0].id;
    const results = await Promise.all(
      [1, 2, 3].map((n) => draftCredit(id, [{ invoiceLineId: lineId, amount: { amount: '250.00', currency: 'EUR' }, reason: `concurrent ${n}` }])),
    );
    assert.deepEqual(results.map((result) => (result.errors ? codeOf(result) : 'DRAFTED')).sort(), ['DRAFTED', 'DRAFTED', 'OVER_CREDIT'], '600.00: two of 250.00 fit');
  });

  it('numbers issued credit notes gaplessly per legal entity, also when issued at once', async () => {
    const drafts = [];
    for (let i = 0; i < 3; i += 1) {
      const { id, invoice } = await issuedInvoice('1.00');
      drafts.push(dataOf(await draftCredit(id, [{ invoiceLineId: invoice.lines[0].id, amount: { amount: '10.00', currency: 'EUR' }, reason: 'goodwill' }])).draftCreditNote);
    }
    const results = await Promise.all([...drafts.map((draft) => issueCredit(draft.id)), issueCredit(drafts[0].id)]);
    const numbers = results.map((result) => (result.errors ? codeOf(result) : result.data.issueCreditNote.number)).sort();
    assert.deepEqual(numbers, ['CN-000005', 'CN-000006', 'CN-000007', 'INVALID_TRANSITION'], 'after CN-000001…4; the twin issue numbers nothing');
  });

  it('voiding an invoice withdraws its proposed credit note', async () => {
    const { id, approvals } = await issuedInvoice('3.00');
    await erp.publish(entryRejected(approvals[0].data, true));
    const [proposed] = (await invoiceOf(id)).creditNotes;
    assert.equal(proposed.status, 'DRAFT');
    dataOf(await erp.void(id, 'issued by mistake'));
    const [withdrawn] = (await invoiceOf(id)).creditNotes;
    assert.deepEqual([withdrawn.status, withdrawn.voidReason], ['VOID', 'invoice voided: issued by mistake']);
    assert.equal(codeOf(await draftCredit(id, [{ invoiceLineId: (await invoiceOf(id)).lines[0].id, reason: 'x' }])), 'INVALID_TRANSITION', 'a void invoice is not credited');
  });

  it('only FINANCE and ADMIN draft, issue, void credit notes and re-bill; others do not read them', async () => {
    const { id, invoice } = await issuedInvoice('1.00');
    const lineId = invoice.lines[0].id;
    const note = dataOf(await draftCredit(id, [{ invoiceLineId: lineId, amount: { amount: '1.00', currency: 'EUR' }, reason: 'x' }])).draftCreditNote;
    for (const who of [manager, worker]) {
      assert.equal(codeOf(await draftCredit(id, [{ invoiceLineId: lineId, reason: 'x' }], who)), 'FORBIDDEN');
      assert.equal(codeOf(await issueCredit(note.id, undefined, who)), 'FORBIDDEN');
      assert.equal(codeOf(await voidCredit(note.id, 'no', who)), 'FORBIDDEN');
      assert.equal(codeOf(await rebill({ invoiceLineIds: [lineId] }, who)), 'FORBIDDEN');
      assert.equal(codeOf(await erp.call(`query($id: ID!) { creditNote(id: $id) { id } }`, { id: note.id }, who)), 'FORBIDDEN');
    }
    const admin: Identity = { workerId: 'admin-1', roles: ['ADMIN'] };
    assert.equal(dataOf(await issueCredit(note.id, undefined, admin)).issueCreditNote.status, 'ISSUED');
  });
});
