import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { billRateFor, costRateOn } from '../../../subgraphs/erp/domain/rates.ts';

const rateCard = [
  { roleId: 'consultant', billRate: '120.00', effectiveFrom: '2026-01-01', effectiveTo: '2026-06-30' },
  { roleId: 'consultant', billRate: '130.00', effectiveFrom: '2026-07-01', effectiveTo: null },
  { roleId: 'architect', billRate: '180.00', effectiveFrom: '2026-03-01', effectiveTo: null },
];

describe('bill rate: assignment override, then the rate card for the role on the date, else none', () => {
  const cases: Array<[name: string, roleId: string, date: string, override: string | null, expected: string | null]> = [
    ['override wins', 'consultant', '2026-02-01', '99.00', '99.00'],
    ['override even without a card rate', 'tester', '2026-02-01', '80.00', '80.00'],
    ['card rate on the date', 'consultant', '2026-02-01', null, '120.00'],
    ['last day of a period', 'consultant', '2026-06-30', null, '120.00'],
    ['next period', 'consultant', '2026-07-01', null, '130.00'],
    ['before the role is priced', 'architect', '2026-02-28', null, null],
    ['role not on the card', 'tester', '2026-02-01', null, null],
  ];
  for (const [name, roleId, date, override, expected] of cases) {
    it(name, () => assert.equal(billRateFor({ roleId, date, billRateOverride: override, rateCard }), expected));
  }
});

describe('cost rate effective on a date', () => {
  const costRates = [
    { amount: '60.00', currency: 'EUR', effectiveFrom: '2025-01-01', effectiveTo: '2025-12-31' },
    { amount: '65.00', currency: 'EUR', effectiveFrom: '2026-01-01', effectiveTo: null },
  ];
  const cases: Array<[string, string | null]> = [['2024-12-31', null], ['2025-06-01', '60.00'], ['2026-01-01', '65.00'], ['2030-01-01', '65.00']];
  for (const [date, expected] of cases) it(`${date} → ${expected}`, () => assert.equal(costRateOn(costRates, date)?.amount ?? null, expected));
});
