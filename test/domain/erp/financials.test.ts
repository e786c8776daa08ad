import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { projectFinancials, type FinancialFact } from '../../../subgraphs/erp/domain/financials.ts';

const f = (kind: FinancialFact['kind'], currency: string, amount: string, hours = '0'): FinancialFact => ({ kind, currency, amount, hours });

describe('project financials per currency', () => {
  it('with no records: empty lists, zero hours, 0% of a budget, null without one', () => {
    assert.deepEqual(projectFinancials([], '100'), {
      costToDate: [], billed: [], unbilledAmount: [], unbilledHours: '0.00', onDraftAmount: [], margin: [], functionalRevenue: [], functionalMargin: [],
      unconvertedRevenue: [], budgetBurnPercent: '0.00',
    });
    assert.equal(projectFinancials([], null).budgetBurnPercent, null);
    assert.equal(projectFinancials([], '0').budgetBurnPercent, null);
  });

  const cases: Array<{ name: string; facts: FinancialFact[]; budget: string | null; expected: Partial<ReturnType<typeof projectFinancials>> }> = [
    {
      name: 'one currency: margin = billed + on draft + unbilled − cost, credits reduce billed',
      facts: [
        f('COST', 'EUR', '4000.00', '60.00'), f('BILLED', 'EUR', '5000.00', '40.00'), f('CREDITED', 'EUR', '500.00'), f('UNBILLED', 'EUR', '2400.00', '20.00'),
        f('BILLED_HOURS', 'EUR', '5000.00', '40.00'), f('ON_DRAFT', 'EUR', '600.00', '6.00'),
      ],
      budget: '120.00',
      expected: {
        costToDate: [{ amount: '4000.00', currency: 'EUR' }],
        billed: [{ amount: '4500.00', currency: 'EUR' }],
        unbilledAmount: [{ amount: '2400.00', currency: 'EUR' }],
        unbilledHours: '20.00',
        onDraftAmount: [{ amount: '600.00', currency: 'EUR' }],
        margin: [{ amount: '3500.00', currency: 'EUR' }],
        budgetBurnPercent: '55.00',
      },
    },
    {
      name: 'USD billing by EUR staff: never added together',
      facts: [f('COST', 'EUR', '1000.00', '10.00'), f('UNBILLED', 'USD', '1500.00', '7.50'), f('UNBILLED', 'USD', '300.00', '1.50'), f('BILLED', 'USD', '200.00')],
      budget: '27.00',
      expected: {
        costToDate: [{ amount: '1000.00', currency: 'EUR' }],
        billed: [{ amount: '200.00', currency: 'USD' }],
        unbilledAmount: [{ amount: '1800.00', currency: 'USD' }],
        unbilledHours: '9.00',
        margin: [{ amount: '-1000.00', currency: 'EUR' }, { amount: '2000.00', currency: 'USD' }],
        budgetBurnPercent: '33.33',
      },
    },
    {
      name: 'USD billing by EUR staff, in the books\' currency: revenue at the captured rates, credits at their events\' rate',
      facts: [
        f('COST', 'EUR', '1000.00', '10.00'),
        f('BILLED', 'USD', '1500.00', '7.50'), f('CREDITED', 'USD', '100.00'), f('UNBILLED', 'USD', '300.00', '1.50'), f('UNBILLED', 'USD', '75.00', '0.75'),
        f('BILLED_FUNCTIONAL', 'EUR', '1380.00'), f('UNBILLED_FUNCTIONAL', 'EUR', '277.50'),
        // 100.00 USD credited of events converted at 0.9234567: −92.34567 → −92.35 EUR, once for the rate.
        { ...f('CREDITED_FUNCTIONAL', 'EUR', '-100.00'), fxRate: '0.9234567' },
        // 75.00 USD held for FX_RATE_MISSING: not converted.
        f('UNCONVERTED', 'USD', '75.00'),
      ],
      budget: null,
      expected: {
        margin: [{ amount: '-1000.00', currency: 'EUR' }, { amount: '1775.00', currency: 'USD' }],
        functionalRevenue: [{ amount: '1565.15', currency: 'EUR' }],
        functionalMargin: [{ amount: '565.15', currency: 'EUR' }],
        unconvertedRevenue: [{ amount: '75.00', currency: 'USD' }],
      },
    },
    {
      name: 'unconverted revenue that nets to nothing is not listed',
      facts: [f('UNCONVERTED', 'USD', '200.00'), f('UNCONVERTED', 'USD', '-200.00')],
      budget: null,
      expected: { unconvertedRevenue: [] },
    },
    {
      name: 'over budget',
      facts: [f('UNBILLED', 'GBP', '100.00', '12.50'), f('BILLED_HOURS', 'GBP', '0.00', '0.50')],
      budget: '10',
      expected: { unbilledHours: '12.50', budgetBurnPercent: '130.00' },
    },
  ];
  for (const { name, facts, budget, expected } of cases) {
    it(name, () => {
      const result = projectFinancials(facts, budget);
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(result[key as keyof typeof result], value, key);
    });
  }
});
