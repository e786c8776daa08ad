import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../lib/errors.ts';
import {
  assertCreditableInvoice,
  assertCreditNoteTransition,
  assertRebillable,
  creditNoteTotals,
  fullyCredited,
  planCreditLines,
  remainingCredit,
  type CreditableLine,
  type RebillFact,
} from '../../../subgraphs/erp/domain/credit-notes.ts';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
  return 'no error';
};

const line = (over: Partial<CreditableLine> = {}): CreditableLine => ({
  id: 'l-1', invoiceId: 'inv-1', amount: '900.00', currency: 'EUR', released: false, committed: '0', ...over,
});
const invoice = { id: 'inv-1', currency: 'EUR' };
const linesOf = (...lines: CreditableLine[]) => new Map(lines.map((l) => [l.id, l]));

describe('what a credit note may credit', () => {
  it('credits all that is left of a line by default, or the part asked', () => {
    assert.deepEqual(planCreditLines(invoice, linesOf(line()), [{ invoiceLineId: 'l-1', reason: 'wrong rate' }]), [
      { invoiceLineId: 'l-1', amount: '900.00', reason: 'wrong rate' },
    ]);
    assert.deepEqual(
      planCreditLines(invoice, linesOf(line({ committed: '300.00' })), [{ invoiceLineId: 'l-1', reason: 'rest' }]).map((l) => l.amount),
      ['600.00'],
    );
    assert.deepEqual(
      planCreditLines(invoice, linesOf(line()), [{ invoiceLineId: 'l-1', amount: { amount: '120.5', currency: 'EUR' }, reason: 'one hour' }]).map((l) => l.amount),
      ['120.50'],
    );
  });

  it('never credits a line beyond its amount, its draft and issued credits and the request\'s other lines counted', () => {
    assert.equal(codeOf(() => planCreditLines(invoice, linesOf(line({ committed: '800.00' })), [{ invoiceLineId: 'l-1', amount: { amount: '100.01', currency: 'EUR' }, reason: 'x' }])), 'OVER_CREDIT');
    assert.equal(codeOf(() => planCreditLines(invoice, linesOf(line({ committed: '900.00' })), [{ invoiceLineId: 'l-1', reason: 'x' }])), 'OVER_CREDIT');
    assert.equal(codeOf(() => planCreditLines(invoice, linesOf(line({ released: true })), [{ invoiceLineId: 'l-1', reason: 'x' }])), 'OVER_CREDIT');
    const twice = [
      { invoiceLineId: 'l-1', amount: { amount: '500.00', currency: 'EUR' }, reason: 'a' },
      { invoiceLineId: 'l-1', amount: { amount: '400.01', currency: 'EUR' }, reason: 'b' },
    ];
    assert.equal(codeOf(() => planCreditLines(invoice, linesOf(line()), twice)), 'OVER_CREDIT');
    assert.equal(planCreditLines(invoice, linesOf(line()), [twice[0], { ...twice[1], amount: { amount: '400.00', currency: 'EUR' } }]).length, 2);
  });

  it('refuses another currency, a line of another invoice and an empty request', () => {
    assert.equal(codeOf(() => planCreditLines(invoice, linesOf(line()), [{ invoiceLineId: 'l-1', amount: { amount: '1.00', currency: 'USD' }, reason: 'x' }])), 'CURRENCY_MISMATCH');
    assert.equal(codeOf(() => planCreditLines(invoice, linesOf(line({ invoiceId: 'inv-2' })), [{ invoiceLineId: 'l-1', reason: 'x' }])), 'BAD_USER_INPUT');
    assert.equal(codeOf(() => planCreditLines(invoice, linesOf(line()), [{ invoiceLineId: 'l-9', reason: 'x' }])), 'BAD_USER_INPUT');
    assert.equal(codeOf(() => planCreditLines(invoice, linesOf(line()), [])), 'BAD_USER_INPUT');
    assert.equal(codeOf(() => planCreditLines(invoice, linesOf(line()), [{ invoiceLineId: 'l-1', reason: '  ' }])), 'BAD_USER_INPUT');
  });

  it('what is left, and when a line is credited in full', () => {
    assert.equal(remainingCredit(line({ committed: '0.01' })), '899.99');
    assert.equal(remainingCredit(line({ released: true })), '0');
    assert.equal(fullyCredited('900.00', '900.00'), true);
    assert.equal(fullyCredited('900.00', '899.99'), false);
  });
});

describe("a credit note's totals", () => {
  it('taxes the subtotal at the invoice rate, rounded half-up once', () => {
    const none = { subtotal: '0', taxTotal: '0' };
    assert.deepEqual(creditNoteTotals(['116.38', '67.03'], '19', 'EUR', none, { subtotal: '500.00', taxTotal: '95.00' }), { subtotal: '183.41', taxTotal: '34.85', total: '218.26' });
    assert.deepEqual(creditNoteTotals(['100'], '0', 'JPY', none, { subtotal: '100', taxTotal: '0' }), { subtotal: '100', taxTotal: '0', total: '100' });
  });

  it('credits exactly the invoice tax when an invoice is credited in several notes (cumulative rounding)', () => {
    // The invoice: three lines of 0.05 at 10 %: subtotal 0.15, tax 0.02 (0.015 rounded half-up), total 0.17.
    const invoice = { subtotal: '0.15', taxTotal: '0.02' };
    const first = creditNoteTotals(['0.05'], '10', 'EUR', { subtotal: '0', taxTotal: '0' }, invoice);
    const second = creditNoteTotals(['0.05'], '10', 'EUR', { subtotal: '0.05', taxTotal: first.taxTotal }, invoice);
    const third = creditNoteTotals(['0.05'], '10', 'EUR', { subtotal: '0.10', taxTotal: '0.01' }, invoice);
    assert.deepEqual([first.taxTotal, second.taxTotal, third.taxTotal], ['0.01', '0.00', '0.01']);
    assert.deepEqual([first.total, second.total, third.total], ['0.06', '0.05', '0.06'], '0.17 in all, as invoiced');
  });

  it('gives back exactly the tax of an invoice rounded per line, never more', () => {
    // Three lines of 0.05 at 10 %, tax per line: 0.01 each, 0.03 in all (the subtotal's would be 0.02).
    const invoice = { subtotal: '0.15', taxTotal: '0.03' };
    const first = creditNoteTotals(['0.05', '0.05'], '10', 'EUR', { subtotal: '0', taxTotal: '0' }, invoice);
    const rest = creditNoteTotals(['0.05'], '10', 'EUR', { subtotal: '0.10', taxTotal: first.taxTotal }, invoice);
    assert.deepEqual([first.taxTotal, rest.taxTotal], ['0.01', '0.02'], 'the whole subtotal credited: all 0.03 of tax');
    // A per-line invoice whose lines' taxes sum to less than the subtotal's: a partial credit never passes it.
    const low = { subtotal: '0.12', taxTotal: '0.00' }; // four lines of 0.03 at 10 %: 0.003 → 0.00 each
    assert.equal(creditNoteTotals(['0.03', '0.03', '0.03'], '10', 'EUR', { subtotal: '0', taxTotal: '0' }, low).taxTotal, '0.00');
  });
});

describe('credit note transitions and re-billing', () => {
  it('only a draft is issued, voided or extended; only an issued invoice is credited', () => {
    assert.doesNotThrow(() => assertCreditNoteTransition('DRAFT', 'issue'));
    assert.equal(codeOf(() => assertCreditNoteTransition('ISSUED', 'void')), 'INVALID_TRANSITION');
    assert.equal(codeOf(() => assertCreditNoteTransition('VOID', 'issue')), 'INVALID_TRANSITION');
    for (const status of ['ISSUED', 'PARTIALLY_PAID', 'PAID'] as const) assert.doesNotThrow(() => assertCreditableInvoice(status));
    for (const status of ['DRAFT', 'VOID'] as const) assert.equal(codeOf(() => assertCreditableInvoice(status)), 'INVALID_TRANSITION');
  });

  const fact = (over: Partial<RebillFact> = {}): RebillFact => ({
    invoiceLineId: 'l-1', lineAmount: '900.00', issuedCredits: '900.00', eventStatus: 'HELD', heldReason: 'CREDITED', ...over,
  });

  it('re-bills only a line credited in full whose source was not taken back, once', () => {
    assert.doesNotThrow(() => assertRebillable(fact()));
    assert.equal(codeOf(() => assertRebillable(fact({ issuedCredits: '450.00', eventStatus: 'BILLED', heldReason: null }))), 'PARTIALLY_CREDITED');
    assert.equal(codeOf(() => assertRebillable(fact({ issuedCredits: '0', eventStatus: 'BILLED', heldReason: null }))), 'NOT_CREDITED');
    assert.equal(codeOf(() => assertRebillable(fact({ eventStatus: 'REVERSED', heldReason: null }))), 'SOURCE_REVERSED');
    assert.equal(codeOf(() => assertRebillable(fact({ eventStatus: null }))), 'NOT_CREDITED');
    assert.equal(codeOf(() => assertRebillable(fact({ eventStatus: 'UNBILLED', heldReason: null }))), 'INVALID_TRANSITION');
    assert.equal(codeOf(() => assertRebillable(fact({ heldReason: 'CAP_REACHED' }))), 'INVALID_TRANSITION');
  });
});
