import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fromScaled, toScaled } from '../../../lib/decimal.ts';
import { erpTopics } from '../../../subgraphs/erp/index.ts';
import { invoiceTotalMismatches } from '../../../subgraphs/erp/reconciliation-queries.ts';
import { dataOf } from '../../support/subgraph-harness.ts';
import { finance } from './fixtures.ts';
import { startInvoicing, type InvoicingHarness } from './invoicing-fixture.ts';
import { C, entryApproved, entryRejected } from './posting-fixture.ts';

/**
 * Group rounding (domain/invoicing.ts `allocateGroupAmounts`, group-rounding.ts): a grouped invoice prints hours ×
 * rate rounded once, its lines and their billing events share that amount, a line leaving the draft shares it out
 * again, and a void gives the events their own rounding back.
 */
describe('erp rounds a grouped invoice line once and shares it out to its billing events', () => {
  let erp: InvoicingHarness;
  before(async () => {
    erp = await startInvoicing();
  });
  after(() => erp.close());

  const sum = (amounts: readonly string[]) => fromScaled(amounts.reduce((total, amount) => total + toScaled(amount, 2), 0n), 2);
  const groupFields = 'lineGroups { key label hours unitRate { amount } amount { amount } lines { sourceId amount { amount } } }';
  const invoiceOf = async (id: string) =>
    dataOf(await erp.call(`query($id: ID!) { invoice(id: $id) { status subtotal { amount } taxTotal { amount } ${groupFields} } }`, { id }, finance)).invoice;
  /** Each source's billing event amount, and whether its functional amount followed it (same currency: rate 1). */
  const eventsOf = async (sourceIds: readonly string[]) => {
    const rows = await erp.database.db.selectFrom('billing_event').selectAll().where('source_id', 'in', sourceIds).where('status', '<>', 'REVERSED').execute();
    for (const row of rows) if (row.fx_rate !== null) assert.equal(row.functional_amount, row.amount, 'the functional amount follows');
    return new Map(rows.map((row) => [row.source_id, row]));
  };

  let entries: Array<ReturnType<typeof entryApproved>>;
  let invoiceId: string;

  it('drafts seven quarter hours at 93.30 BY_ROLE as one line of 1.75 h × 93.30 = 163.28 (not 7 × 23.33 = 163.31)', async () => {
    entries = Array.from({ length: 7 }, (_, day) =>
      entryApproved({ date: `2026-11-${String(day + 2).padStart(2, '0')}`, hours: '0.25', billRate: { amount: '93.30', currency: 'EUR' } }),
    );
    for (const entry of entries) await erp.publish(entry);
    const sources = entries.map((entry) => entry.data.timeEntryId);
    assert.deepEqual([...(await eventsOf(sources)).values()].map((row) => row.amount), Array(7).fill('23.33'), 'each event its own rounding');

    const [draft] = dataOf(await erp.draft({ periodEnd: '2026-11-30', contractId: C.eur, grouping: 'BY_ROLE' })).draftInvoices;
    invoiceId = draft.id;
    const invoice = await invoiceOf(invoiceId);
    assert.deepEqual(invoice.lineGroups.map((group: any) => [group.key, group.label, group.hours, group.unitRate.amount, group.amount.amount]), [
      ['r-dev', 'role r-dev', '1.75', '93.30', '163.28'],
    ]);
    const lines = invoice.lineGroups[0].lines.map((line: any) => line.amount.amount);
    assert.deepEqual(lines, ['23.33', '23.33', '23.33', '23.33', '23.32', '23.32', '23.32'], 'largest remainder; ties to the earlier line');
    assert.deepEqual([invoice.subtotal.amount, invoice.taxTotal.amount], ['163.28', '31.02']);

    const events = await eventsOf(sources);
    assert.deepEqual(sources.map((source) => events.get(source)!.amount), lines, 'each billing event carries its line');
    const [drafted] = await erp.database.db.selectFrom('outbox').selectAll().where('subject_id', '=', invoiceId).where('type', '=', erpTopics.invoiceDrafted).execute();
    assert.deepEqual(
      (drafted.data as any).reallocated.map((change: any) => [change.amount.amount, change.previousAmount.amount]),
      [['23.32', '23.33'], ['23.32', '23.33'], ['23.32', '23.33']],
      'the draft names the events whose amount changed',
    );
  });

  it('a reversal taking a line off the draft shares the group out again: 1.50 h × 93.30 = 139.95', async () => {
    await erp.publish(entryRejected(entries[0].data, true));
    const invoice = await invoiceOf(invoiceId);
    const [group] = invoice.lineGroups;
    assert.deepEqual([group.hours, group.amount.amount, invoice.subtotal.amount, invoice.taxTotal.amount], ['1.50', '139.95', '139.95', '26.59']);
    const lines = group.lines.map((line: any) => line.amount.amount);
    assert.deepEqual(lines, ['23.33', '23.33', '23.33', '23.32', '23.32', '23.32']);
    const events = await eventsOf(entries.slice(1).map((entry) => entry.data.timeEntryId));
    assert.deepEqual(entries.slice(1).map((entry) => events.get(entry.data.timeEntryId)!.amount), lines);
    assert.equal(sum([...events.values()].map((row) => row.amount)), invoice.subtotal.amount, 'the events and the invoice agree');
  });

  it('a void gives the events their own rounding back', async () => {
    dataOf(await erp.void(invoiceId));
    const events = await eventsOf(entries.slice(1).map((entry) => entry.data.timeEntryId));
    assert.deepEqual([...events.values()].map((row) => [row.status, row.amount]), Array(6).fill(['UNBILLED', '23.33']));
  });

  it('re-billing a line credited in full gives its event its own rounding back; the issued invoice still reconciles', async () => {
    const [draft] = dataOf(await erp.draft({ periodEnd: '2026-11-30', contractId: C.eur, grouping: 'BY_ROLE' })).draftInvoices;
    dataOf(await erp.issue(draft.id, { issueDate: '2026-12-01' }));
    const invoice = await invoiceOf(draft.id);
    const shared = invoice.lineGroups[0].lines.find((line: any) => line.amount.amount === '23.32');
    const lineId = (await erp.database.db.selectFrom('invoice_line').select('id').where('invoice_id', '=', draft.id).where('source_id', '=', shared.sourceId).executeTakeFirstOrThrow()).id;
    const note = dataOf(await erp.call(
      `mutation($id: ID!, $lines: [CreditNoteLineInput!]!) { draftCreditNote(invoiceId: $id, lines: $lines) { id } }`,
      { id: draft.id, lines: [{ invoiceLineId: lineId, reason: 'billed twice' }] },
      finance,
    )).draftCreditNote;
    dataOf(await erp.call(`mutation($id: ID!) { issueCreditNote(id: $id, input: { issueDate: "2026-12-02" }) { id } }`, { id: note.id }, finance));
    assert.equal((await eventsOf([shared.sourceId])).get(shared.sourceId)!.amount, '23.32', 'held CREDITED at what it billed');

    const [rebilled] = dataOf(await erp.call(`mutation($ids: [ID!]!) { rebillSources(input: { sourceIds: $ids }) { status amount { amount } } }`, { ids: [shared.sourceId] }, finance)).rebillSources;
    assert.deepEqual([rebilled.status, rebilled.amount.amount], ['UNBILLED', '23.33']);
    assert.deepEqual((await invoiceTotalMismatches(erp.database.db)).filter((finding) => finding.subjects[0].id === draft.id), [], 'a released line no longer holds its event');
    const [again] = dataOf(await erp.draft({ periodEnd: '2026-11-30', contractId: C.eur, grouping: 'PER_ENTRY' })).draftInvoices;
    assert.deepEqual(again.lines.map((line: any) => [line.sourceId, line.amount.amount]), [[shared.sourceId, '23.33']], 'PER_ENTRY: its own rounding');
  });
});
