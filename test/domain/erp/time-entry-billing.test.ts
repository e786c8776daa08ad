import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { timeEntryBilling, type EntryBillingFact, type TimeEntryBillingStatus, type TimeEntryFacts } from '../../../subgraphs/erp/domain/time-entry-billing.ts';

const fact = (overrides: Partial<EntryBillingFact>): EntryBillingFact => ({
  billingEventId: 'be-1',
  eventStatus: 'UNBILLED',
  invoiceLineId: null,
  invoiceId: null,
  invoiceStatus: null,
  lineReleased: false,
  credited: false,
  ...overrides,
});
const onInvoice = (invoiceStatus: EntryBillingFact['invoiceStatus'], more: Partial<EntryBillingFact> = {}) =>
  fact({ eventStatus: 'BILLED', invoiceLineId: 'line-1', invoiceId: 'inv-1', invoiceStatus, ...more });

describe('where a time entry stands in billing', () => {
  const cases: Array<[name: string, facts: EntryBillingFact[], status: TimeEntryBillingStatus, eventId: string | null, invoiceId: string | null]> = [
    ['no billing event', [], 'NOT_POSTED', null, null],
    ['an unbilled event', [fact({})], 'UNBILLED', 'be-1', null],
    ['a held event counts as unbilled', [fact({ eventStatus: 'HELD' })], 'UNBILLED', 'be-1', null],
    ['imported history the previous system invoiced', [fact({ eventStatus: 'INVOICED_EXTERNALLY' })], 'INVOICED_EXTERNALLY', 'be-1', null],
    ['on a draft invoice', [onInvoice('DRAFT')], 'ON_DRAFT', 'be-1', 'inv-1'],
    ['on an issued invoice', [onInvoice('ISSUED')], 'INVOICED', 'be-1', 'inv-1'],
    ['on a paid invoice', [onInvoice('PAID')], 'INVOICED', 'be-1', 'inv-1'],
    ['credited in part: the line still bills the rest', [onInvoice('ISSUED', { credited: true })], 'PARTIALLY_CREDITED', 'be-1', 'inv-1'],
    ['credited in part on a paid invoice', [onInvoice('PAID', { credited: true })], 'PARTIALLY_CREDITED', 'be-1', 'inv-1'],
    ['credited and released', [onInvoice('PAID', { credited: true, lineReleased: true })], 'CREDITED', 'be-1', 'inv-1'],
    ['credited in full, waiting to be billed again', [onInvoice('ISSUED', { eventStatus: 'HELD', heldReason: 'CREDITED', credited: true, lineReleased: true })], 'CREDITED', 'be-1', 'inv-1'],
    ['credited in full, then billed again when asked', [onInvoice('ISSUED', { eventStatus: 'UNBILLED', credited: true, lineReleased: true })], 'UNBILLED', 'be-1', null],
    ['its invoice was voided: waits again', [onInvoice('VOID', { eventStatus: 'UNBILLED', lineReleased: true })], 'UNBILLED', 'be-1', null],
    [
      'voided, then billed on a new draft',
      [onInvoice('VOID', { lineReleased: true }), onInvoice('DRAFT', { invoiceLineId: 'line-2', invoiceId: 'inv-2' })],
      'ON_DRAFT',
      'be-1',
      'inv-2',
    ],
    ['reversed before billing', [fact({ eventStatus: 'REVERSED' })], 'REVERSED', 'be-1', null],
    [
      'reversed after crediting',
      [onInvoice('ISSUED', { eventStatus: 'REVERSED', credited: true, lineReleased: true })],
      'CREDITED',
      'be-1',
      'inv-1',
    ],
    [
      'reversed, then a new live event',
      [fact({ billingEventId: 'be-old', eventStatus: 'REVERSED' }), fact({ billingEventId: 'be-new' })],
      'UNBILLED',
      'be-new',
      null,
    ],
  ];
  const approvedBillable = { billable: true, status: 'APPROVED' } as const;
  for (const [name, facts, status, eventId, invoiceId] of cases) {
    it(`${name} → ${status}`, () => assert.deepEqual(timeEntryBilling(approvedBillable, facts), { status, billingEventId: eventId, invoiceId }));
  }

  const withoutEvents: Array<[TimeEntryFacts, TimeEntryBillingStatus]> = [
    [{ billable: false, status: 'APPROVED' }, 'NOT_BILLABLE'],
    [{ billable: false, status: 'DRAFT' }, 'NOT_BILLABLE'],
    [{ billable: true, status: 'DRAFT' }, 'AWAITING_APPROVAL'],
    [{ billable: true, status: 'SUBMITTED' }, 'AWAITING_APPROVAL'],
    [{ billable: true, status: 'REJECTED' }, 'AWAITING_APPROVAL'],
    [{ billable: true, status: 'APPROVED' }, 'NOT_POSTED'],
  ];
  // Only reversed events: the entry's own state says whether it waits for a new approval.
  const reversedOnly: Array<[TimeEntryFacts, TimeEntryBillingStatus]> = [
    [{ billable: true, status: 'SUBMITTED' }, 'AWAITING_APPROVAL'],
    [{ billable: true, status: 'DRAFT' }, 'AWAITING_APPROVAL'],
    [{ billable: true, status: 'REJECTED' }, 'REVERSED'],
    [{ billable: true, status: 'APPROVED' }, 'REVERSED'],
  ];
  // A live unbilled event of an entry time no longer approves: erp's reversal is still on its way.
  const reversalPending: Array<[TimeEntryFacts, TimeEntryBillingStatus]> = [
    [{ billable: true, status: 'SUBMITTED' }, 'AWAITING_APPROVAL'],
    [{ billable: true, status: 'REJECTED' }, 'REVERSED'],
  ];
  for (const [entry, status] of reversalPending) {
    it(`a live unbilled event, entry ${entry.status} → ${status}`, () =>
      assert.deepEqual(timeEntryBilling(entry, [fact({})]), { status, billingEventId: 'be-1', invoiceId: null }));
  }
  it('an entry on an invoice stays invoiced whatever time says (time refuses to un-approve it)', () =>
    assert.equal(timeEntryBilling({ billable: true, status: 'SUBMITTED' }, [onInvoice('ISSUED')]).status, 'INVOICED'));
  for (const [entry, status] of reversedOnly) {
    it(`only reversed events, ${entry.status} → ${status}`, () =>
      assert.deepEqual(timeEntryBilling(entry, [fact({ eventStatus: 'REVERSED' })]), { status, billingEventId: 'be-1', invoiceId: null }));
  }

  for (const [entry, status] of withoutEvents) {
    it(`no billing event, ${entry.billable ? 'billable' : 'not billable'} and ${entry.status} → ${status}`, () =>
      assert.equal(timeEntryBilling(entry, []).status, status));
  }
});
