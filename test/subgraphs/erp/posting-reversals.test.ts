import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { erpTopics } from '../../../subgraphs/erp/index.ts';
import { erpFixtures, finance } from './fixtures.ts';
import {
  C,
  P,
  entryApprovalCancelled,
  entryApproved,
  entryCorrected,
  entryRejected,
  expenseApprovalCancelled,
  expenseApproved,
  expenseRejected,
  startPosting,
  type PostingHarness,
} from './posting-fixture.ts';

/** Taking an approval back reverses what it posted (DESIGN §4.5); nothing is deleted but a draft invoice's line. */
describe('erp reverses postings when an approval is taken back', () => {
  let erp: PostingHarness;
  before(async () => {
    erp = await startPosting();
  });
  after(() => erp.close());

  const timeBilling = async (id: string, status: 'APPROVED' | 'SUBMITTED' | 'REJECTED' = 'APPROVED') => {
    const result = await erp.call(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on TimeEntry { billing { status invoice { id } } } } }`,
      { r: [{ __typename: 'TimeEntry', id, billable: true, status }] },
      finance,
    );
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data._entities[0].billing;
  };

  /** The source's postings are the original (reversed) and its reversal (negated, pointing at it). */
  const assertCostReversed = async (sourceId: string) => {
    const [original, reversal, ...rest] = await erp.costPostingsOf(sourceId);
    assert.equal(rest.length, 0);
    assert.notEqual(original.reversed_at, null);
    assert.equal(original.reversal_of, null);
    assert.equal(reversal.reversal_of, original.id);
    assert.equal(reversal.reversed_at, null);
    assert.deepEqual(
      [reversal.hours, reversal.amount, reversal.currency, reversal.project_id, reversal.legal_entity_id, reversal.worker_id, reversal.date],
      [original.hours === null ? null : `-${original.hours}`, `-${original.amount}`, original.currency, original.project_id, original.legal_entity_id, original.worker_id, original.date],
    );
  };

  it('reverses an UNBILLED entry on a cancelled approval, once, and a re-approval posts afresh', async () => {
    const approved = entryApproved({ projectId: P.alpha });
    const entry = approved.data;
    await erp.publish(approved);
    const [billing] = await erp.billingEventsOf(entry.timeEntryId);

    const cancelled = entryApprovalCancelled(entry);
    await erp.publish(cancelled);
    await erp.publish(cancelled);
    await assertCostReversed(entry.timeEntryId);
    const [reversed] = await erp.billingEventsOf(entry.timeEntryId);
    assert.equal(reversed.status, 'REVERSED');
    assert.notEqual(reversed.reversed_at, null);
    const outbox = await erp.outboxCausedBy(cancelled.id);
    assert.deepEqual(outbox.map((row) => row.type), [erpTopics.billingEventReversed]);
    assert.equal(outbox[0].correlation_id, cancelled.correlationId);
    assert.deepEqual(outbox[0].data, {
      billingEventId: billing.id, sourceType: 'TIME_ENTRY', sourceId: entry.timeEntryId, contractId: C.eur, projectId: P.alpha,
      amount: { amount: '900.00', currency: 'EUR' }, cause: 'APPROVAL_CANCELLED', removedFromInvoiceId: null,
    });
    // Cancelled, the entry is SUBMITTED again: it waits for its next approval.
    assert.deepEqual(await timeBilling(entry.timeEntryId, 'SUBMITTED'), { status: 'AWAITING_APPROVAL', invoice: null });

    const reapproved = entryApproved({ ...entry, version: entry.version + 2, hours: '6.00' });
    await erp.publish(reapproved);
    const postings = await erp.costPostingsOf(entry.timeEntryId);
    assert.deepEqual(postings.map((p) => [p.amount, p.reversal_of !== null, p.reversed_at !== null]), [
      ['487.50', false, true],
      ['-487.50', true, false],
      ['390.00', false, false],
    ]);
    const events = await erp.billingEventsOf(entry.timeEntryId);
    assert.deepEqual(events.map((e) => [e.status, e.amount]), [['REVERSED', '900.00'], ['UNBILLED', '720.00']]);
    assert.equal((await timeBilling(entry.timeEntryId)).status, 'UNBILLED');
  });

  it('reverses on a rejection of an approved entry, and ignores a rejection of one never approved', async () => {
    const approved = entryApproved();
    await erp.publish(approved);
    const rejected = entryRejected(approved.data, true);
    await erp.publish(rejected);
    await assertCostReversed(approved.data.timeEntryId);
    assert.equal((await erp.billingEventsOf(approved.data.timeEntryId))[0].status, 'REVERSED');
    assert.equal((await erp.outboxCausedBy(rejected.id))[0].data.cause, 'REJECTED');
    assert.deepEqual(await timeBilling(approved.data.timeEntryId, 'REJECTED'), { status: 'REVERSED', invoice: null });

    const neverApproved = entryRejected(entryApproved().data, false);
    await erp.publish(neverApproved);
    assert.deepEqual(await erp.outboxCausedBy(neverApproved.id), []);
  });

  it('reverses the corrected entry, and posts the correction when it is approved', async () => {
    const approved = entryApproved();
    await erp.publish(approved);
    const correctionId = randomUUID();
    const corrected = entryCorrected(approved.data, correctionId);
    await erp.publish(corrected);
    await assertCostReversed(approved.data.timeEntryId);
    assert.equal((await erp.outboxCausedBy(corrected.id))[0].data.cause, 'CORRECTED');

    await erp.publish(entryApproved({ timeEntryId: correctionId, version: 1, hours: '6.00', correctionOf: approved.data.timeEntryId }));
    assert.deepEqual((await erp.costPostingsOf(correctionId)).map((p) => p.amount), ['390.00']);
    assert.deepEqual((await erp.billingEventsOf(correctionId)).map((e) => [e.status, e.amount]), [['UNBILLED', '720.00']]);
  });

  it('reverses a HELD event too', async () => {
    const approved = entryApproved({ projectId: P.noSetup });
    await erp.publish(approved);
    await erp.publish(entryApprovalCancelled(approved.data));
    const [event] = await erp.billingEventsOf(approved.data.timeEntryId);
    assert.deepEqual([event.status, event.held_reason], ['REVERSED', null]);
  });

  it('takes an event on a DRAFT invoice off it, recomputing the invoice totals', async () => {
    const approved = entryApproved();
    await erp.publish(approved);
    const [billing] = await erp.billingEventsOf(approved.data.timeEntryId);
    const fixtures = erpFixtures(erp.database.db);
    const invoiceId = await fixtures.invoice({
      customer_id: 'cust-1', contract_id: C.eur, currency: 'EUR', status: 'DRAFT', tax_rate_percent: '19', subtotal: '1000.00', tax_total: '190.00',
    });
    const other = await fixtures.line({ invoice_id: invoiceId, position: 1, amount: '100.00', currency: 'EUR' });
    await fixtures.line({
      invoice_id: invoiceId, position: 2, amount: billing.amount, currency: 'EUR', source_type: 'TIME_ENTRY', source_id: approved.data.timeEntryId,
      billing_event_id: billing.id, project_id: P.alpha, quantity: '7.50', unit_price: '120.00',
    });
    await erp.database.db.updateTable('billing_event').set({ status: 'BILLED' }).where('id', '=', billing.id).execute();
    assert.deepEqual(await timeBilling(approved.data.timeEntryId), { status: 'ON_DRAFT', invoice: { id: invoiceId } });

    const cancelled = entryApprovalCancelled(approved.data);
    await erp.publish(cancelled);
    const invoice = await erp.database.db.selectFrom('invoice').selectAll().where('id', '=', invoiceId).executeTakeFirstOrThrow();
    assert.deepEqual([invoice.status, invoice.subtotal, invoice.tax_total, invoice.total], ['DRAFT', '100.00', '19.00', '119.00']);
    const lines = await erp.database.db.selectFrom('invoice_line').select('id').where('invoice_id', '=', invoiceId).execute();
    assert.deepEqual(lines.map((line) => line.id), [other]);
    assert.equal((await erp.billingEventsOf(approved.data.timeEntryId))[0].status, 'REVERSED');
    await assertCostReversed(approved.data.timeEntryId);
    assert.equal((await erp.outboxCausedBy(cancelled.id))[0].data.removedFromInvoiceId, invoiceId);
    assert.deepEqual(await timeBilling(approved.data.timeEntryId, 'SUBMITTED'), { status: 'AWAITING_APPROVAL', invoice: null });
  });

  it('leaves an event on an ISSUED invoice as it is and proposes a credit note for finance', async () => {
    const approved = entryApproved();
    await erp.publish(approved);
    const [billing] = await erp.billingEventsOf(approved.data.timeEntryId);
    const fixtures = erpFixtures(erp.database.db);
    const invoiceId = await fixtures.invoice({ customer_id: 'cust-1', contract_id: C.eur, currency: 'EUR', status: 'ISSUED', subtotal: '900.00' });
    await fixtures.line({
      invoice_id: invoiceId, position: 1, amount: billing.amount, currency: 'EUR', source_type: 'TIME_ENTRY', source_id: approved.data.timeEntryId,
      billing_event_id: billing.id, project_id: P.alpha,
    });
    await erp.database.db.updateTable('billing_event').set({ status: 'BILLED' }).where('id', '=', billing.id).execute();

    const rejected = entryRejected(approved.data, true);
    await erp.publish(rejected);
    await assertCostReversed(approved.data.timeEntryId);
    assert.deepEqual((await erp.billingEventsOf(approved.data.timeEntryId)).map((e) => e.status), ['BILLED']);
    const invoice = await erp.database.db.selectFrom('invoice').selectAll().where('id', '=', invoiceId).executeTakeFirstOrThrow();
    assert.equal(invoice.total, '900.00');
    const outbox = await erp.outboxCausedBy(rejected.id);
    assert.deepEqual(outbox.map((row) => [row.type, row.data.code, row.subject_typename]), [
      [erpTopics.creditNoteDrafted, undefined, 'CreditNote'],
      [erpTopics.billingBlocked, 'INVOICED_SOURCE_REVERSED', 'TimeEntry'],
    ]);
    assert.deepEqual(outbox[1].data.source, { type: 'TIME_ENTRY', id: approved.data.timeEntryId, projectId: P.alpha });
    // The proposal: a DRAFT credit note crediting the whole line (signed as a credit), pointing at it and at the source.
    assert.deepEqual(
      [outbox[0].data.origin, outbox[0].data.invoiceId, outbox[0].data.lines.map((line: any) => [line.sourceId, line.amount.amount])],
      ['REVERSAL', invoiceId, [[approved.data.timeEntryId, `-${billing.amount}`]]],
    );
    const proposed = await erp.database.db.selectFrom('credit_note').selectAll().where('invoice_id', '=', invoiceId).execute();
    assert.deepEqual(proposed.map((note) => [note.status, note.subtotal, note.number]), [['DRAFT', '900.00', null]]);
    assert.deepEqual(await timeBilling(approved.data.timeEntryId), { status: 'INVOICED', invoice: { id: invoiceId } });

    // Approved again: its cost is posted afresh; it stays billed once, by the issued invoice's line.
    await erp.publish(entryApproved({ ...approved.data, version: approved.data.version + 2 }));
    assert.deepEqual((await erp.costPostingsOf(approved.data.timeEntryId)).map((p) => p.amount), ['487.50', '-487.50', '487.50']);
    assert.deepEqual((await erp.billingEventsOf(approved.data.timeEntryId)).map((e) => e.status), ['BILLED']);
  });

  it('reverses an expense on a cancelled approval or a rejection of an approved one', async () => {
    const cancelledOne = expenseApproved();
    const rejectedOne = expenseApproved({ amount: '12.40' });
    await erp.publish(cancelledOne);
    await erp.publish(rejectedOne);
    const cancel = expenseApprovalCancelled(cancelledOne.data);
    await erp.publish(cancel);
    await erp.publish(expenseRejected(rejectedOne.data, true));
    for (const expense of [cancelledOne, rejectedOne]) {
      await assertCostReversed(expense.data.expenseId);
      assert.deepEqual((await erp.billingEventsOf(expense.data.expenseId)).map((e) => e.status), ['REVERSED']);
    }
    assert.deepEqual((await erp.outboxCausedBy(cancel.id)).map((row) => [row.type, row.data.sourceType, row.data.cause]), [
      [erpTopics.billingEventReversed, 'EXPENSE', 'APPROVAL_CANCELLED'],
    ]);
    // Approved again: posted afresh.
    await erp.publish(expenseApproved({ ...cancelledOne.data, version: cancelledOne.data.version + 2 }));
    assert.deepEqual((await erp.billingEventsOf(cancelledOne.data.expenseId)).map((e) => e.status), ['REVERSED', 'UNBILLED']);
  });

  it('nets reversals out of the project financials', async () => {
    const result = await erp.call(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Project { financials { costToDate { amount } unbilledAmount { amount } unbilledHours } } } }`,
      { r: [{ __typename: 'Project', id: P.noSetup, budgetHours: null }] },
      finance,
    );
    // The one entry posted on this project was reversed.
    assert.deepEqual(result.data._entities[0].financials, { costToDate: [{ amount: '0.00' }], unbilledAmount: [], unbilledHours: '0.00' });
  });
});
