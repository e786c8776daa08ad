import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { documentNumber, dueDate, invoiceBalance, invoiceTotals } from '../../../subgraphs/erp/domain/invoice.ts';

describe('invoice totals: sum of lines, tax rounded half-up once', () => {
  const cases: Array<[lines: string[], rate: string, currency: string, expected: ReturnType<typeof invoiceTotals>]> = [
    [['900.00', '124.99'], '19', 'EUR', { subtotal: '1024.99', taxTotal: '194.75', total: '1219.74' }], // 194.7481
    [['100.00'], '0', 'EUR', { subtotal: '100.00', taxTotal: '0.00', total: '100.00' }],
    [['0.10'], '25', 'EUR', { subtotal: '0.10', taxTotal: '0.03', total: '0.13' }], // 0.025 → up
    [['37503', '500'], '10', 'JPY', { subtotal: '38003', taxTotal: '3800', total: '41803' }], // 3800.3 → 3800
    [['1000.00'], '8.875', 'USD', { subtotal: '1000.00', taxTotal: '88.75', total: '1088.75' }],
  ];
  for (const [lines, rate, currency, expected] of cases) {
    it(`${lines.join(' + ')} at ${rate}% ${currency}`, () => assert.deepEqual(invoiceTotals(lines, rate, currency), expected));
  }
});

describe('balance, due date and numbers', () => {
  it('balance = total − paid − credited', () => {
    assert.equal(invoiceBalance('1219.74', '600.00', '100.00'), '519.74');
    assert.equal(invoiceBalance('100.00', '100.00', '0'), '0.00');
  });
  const dues: Array<[string, number, string]> = [['2026-01-31', 30, '2026-03-02'], ['2024-02-15', 14, '2024-02-29'], ['2026-12-20', 0, '2026-12-20']];
  for (const [issue, days, expected] of dues) it(`${issue} + ${days} days = ${expected}`, () => assert.equal(dueDate(issue, days), expected));
  it('numbers are zero-padded per kind', () => {
    assert.equal(documentNumber('INVOICE', 42), 'INV-000042');
    assert.equal(documentNumber('CREDIT_NOTE', 1), 'CN-000001');
  });
});
