import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planPosting, reversalOf, type ApprovedExpense, type ApprovedWork, type PostingFacts } from '../../../subgraphs/erp/domain/posting.ts';

const work = (over: Partial<ApprovedWork> = {}): ApprovedWork => ({
  sourceType: 'TIME_ENTRY', sourceId: 'te-1', workerId: 'w-1', projectId: 'p-1', taskId: 't-1', roleId: 'r-dev', date: '2026-11-20',
  hours: '7.50', billable: true, billRate: { amount: '120.00', currency: 'EUR' }, ...over,
});
const expense = (over: Partial<ApprovedExpense> = {}): ApprovedExpense => ({
  sourceType: 'EXPENSE', sourceId: 'ex-1', workerId: 'w-1', projectId: 'p-1', date: '2026-11-20', amount: { amount: '84.30', currency: 'EUR' },
  category: 'TRAVEL', billable: true, ...over,
});
const facts = (over: Partial<PostingFacts> = {}): PostingFacts => ({
  project: { id: 'p-1', contractId: 'c-1', customerId: 'cust-1', legalEntityId: 'le-de', currency: 'EUR' },
  costRate: { amount: '65.00', currency: 'EUR' },
  setup: { contractId: 'c-1', customerId: 'cust-setup', legalEntityId: 'le-setup', currency: 'EUR', billingMethod: 'TIME_AND_MATERIALS', expenseMarkupPercent: '0' },
  ...over,
});

describe('posting an approved time entry', () => {
  it('costs hours × cost rate in the rate currency on the project legal entity, and bills hours × the frozen bill rate on the setup', () => {
    const approval = { approvedBy: 'w-manager', approvedAt: '2026-11-21T09:00:00.000Z' };
    const billRateRule = { kind: 'RATE_CARD', rateCardId: 'rc-1', rateId: 'rate-1', roleId: 'r-dev', effectiveFrom: '2026-01-01', effectiveTo: null } as const;
    const period = { id: 'cost-rate-1', effectiveFrom: '2026-06-01', effectiveTo: '2026-12-31' };
    const plan = planPosting(work({ approval, billRateRule }), facts({ costRate: { amount: '5000', currency: 'JPY', period } }));
    assert.deepEqual(plan.blocked, []);
    assert.deepEqual(plan.cost, {
      sourceType: 'TIME_ENTRY', sourceId: 'te-1', workerId: 'w-1', projectId: 'p-1', legalEntityId: 'le-de', date: '2026-11-20',
      hours: '7.50', costRate: '5000', amount: '37500', currency: 'JPY', basis: { approval, costRate: period },
    });
    assert.deepEqual(plan.billing, {
      sourceType: 'TIME_ENTRY', sourceId: 'te-1', contractId: 'c-1', projectId: 'p-1', customerId: 'cust-setup', legalEntityId: 'le-setup',
      workerId: 'w-1', roleId: 'r-dev', taskId: 't-1', date: '2026-11-20', description: 'Time 2026-11-20: 7.50 h', hours: '7.50',
      rate: '120.00', amount: '900.00', currency: 'EUR', heldReason: null, basis: { approval, rateRule: billRateRule },
    });
  });

  // Thirds of an hour (0.33, 0.67, 1.33, 2.67 h) times rates with cents: amounts rounded half-up, once, on the product.
  const rounding: Array<[hours: string, rate: string, amount: string]> = [
    ['0.33', '100.05', '33.02'], // 33.0165
    ['0.67', '95.55', '64.02'], // 64.0185
    ['1.33', '87.50', '116.38'], // 116.375: exactly half → up
    ['2.67', '112.50', '300.38'], // 300.375: exactly half → up
    ['0.67', '0.01', '0.01'], // 0.0067
    ['0.33', '0.01', '0.00'], // 0.0033
  ];
  for (const [hours, rate, amount] of rounding) {
    it(`bills ${hours} h × ${rate} = ${amount} and costs it the same way`, () => {
      const plan = planPosting(work({ hours, billRate: { amount: rate, currency: 'EUR' } }), facts({ costRate: { amount: rate, currency: 'EUR' } }));
      assert.equal(plan.billing?.amount, amount);
      assert.equal(plan.cost?.amount, amount);
    });
  }

  it('records imported history the previous system invoiced as INVOICED_EXTERNALLY: cost as usual, never held, never usage', () => {
    const invoiced = work({ invoicedExternally: true });
    const plan = planPosting(invoiced, facts());
    assert.ok(plan.cost);
    assert.deepEqual(plan.blocked, []);
    assert.deepEqual({ ...plan.billing, description: undefined }, {
      sourceType: 'TIME_ENTRY', sourceId: 'te-1', contractId: 'c-1', projectId: 'p-1', customerId: 'cust-setup', legalEntityId: 'le-setup',
      workerId: 'w-1', roleId: 'r-dev', taskId: 't-1', date: '2026-11-20', description: undefined, hours: '7.50',
      rate: '120.00', amount: '900.00', currency: 'EUR', heldReason: null, invoicedExternally: true, basis: { rateRule: null },
    });
    // What would hold an event psgraph bills holds nothing that was billed elsewhere.
    const noRate = planPosting(work({ invoicedExternally: true, billRate: null }), facts());
    assert.deepEqual([noRate.billing?.heldReason, noRate.billing?.amount, noRate.blocked], [null, '0.00', []]);
    const noContract = planPosting(invoiced, facts({ project: { ...facts().project!, contractId: null } }));
    assert.deepEqual([noContract.billing, noContract.blocked, Boolean(noContract.cost)], [null, [], true]);
    const noSetup = planPosting(invoiced, facts({ setup: null }));
    assert.deepEqual([noSetup.billing?.heldReason, noSetup.billing?.legalEntityId, noSetup.blocked], [null, 'le-de', []]);
    // A recurring contract's usage would bill the hours again (overage, drawdown): none is recorded.
    for (const billingMethod of ['MANAGED_SERVICES', 'RETAINER'] as const) {
      const recurring = planPosting(invoiced, facts({ setup: { ...facts().setup!, billingMethod } }));
      assert.equal(recurring.usage, undefined, billingMethod);
      assert.equal(recurring.billing?.invoicedExternally, true, billingMethod);
    }
    // A fixed fee covers the hours whoever invoiced them: cost only, as for any entry.
    const fixed = planPosting(invoiced, facts({ setup: { ...facts().setup!, billingMethod: 'FIXED_FEE' } }));
    assert.deepEqual([fixed.billing, fixed.cost?.coveredByFee], [null, true]);
  });

  it('posts cost only for a non-billable entry', () => {
    const plan = planPosting(work({ billable: false, billRate: null }), facts());
    assert.ok(plan.cost);
    assert.equal(plan.billing, null);
    assert.deepEqual(plan.blocked, []);
  });

  it('holds a billable entry without a frozen rate at zero (NO_RATE) and says so', () => {
    const plan = planPosting(work({ billRate: null }), facts());
    assert.equal(plan.billing?.heldReason, 'NO_RATE');
    assert.equal(plan.billing?.amount, '0.00');
    assert.equal(plan.billing?.rate, null);
    assert.equal(plan.billing?.currency, 'EUR');
    assert.deepEqual(plan.blocked.map((b) => b.code), ['NO_RATE']);
  });

  it('bills nothing (NO_CONTRACT) for billable time on a project without a contract, but posts its cost', () => {
    const plan = planPosting(work(), facts({ project: { id: 'p-1', contractId: null, customerId: 'cust-1', legalEntityId: 'le-de', currency: 'EUR' }, setup: null }));
    assert.ok(plan.cost);
    assert.equal(plan.billing, null);
    assert.deepEqual(plan.blocked.map((b) => b.code), ['NO_CONTRACT']);
  });

  it('holds the event (NO_BILLING_SETUP) with psa’s customer and legal entity when erp has no setup for the contract', () => {
    const plan = planPosting(work(), facts({ setup: null }));
    assert.equal(plan.billing?.heldReason, 'NO_BILLING_SETUP');
    assert.equal(plan.billing?.customerId, 'cust-1');
    assert.equal(plan.billing?.legalEntityId, 'le-de');
    assert.equal(plan.billing?.amount, '900.00');
    assert.deepEqual(plan.blocked.map((b) => b.code), ['NO_BILLING_SETUP']);
  });

  it('holds a price in another currency than the contract’s (CURRENCY_MISMATCH), unconverted', () => {
    const plan = planPosting(work({ billRate: { amount: '130.00', currency: 'USD' } }), facts());
    assert.equal(plan.billing?.heldReason, 'CURRENCY_MISMATCH');
    assert.deepEqual([plan.billing?.amount, plan.billing?.currency], ['975.00', 'USD']);
  });

  it('posts no cost without a cost rate (NO_COST_RATE), still bills', () => {
    const plan = planPosting(work(), facts({ costRate: null }));
    assert.equal(plan.cost, null);
    assert.equal(plan.billing?.heldReason, null);
    assert.deepEqual(plan.blocked.map((b) => b.code), ['NO_COST_RATE']);
  });

  it('posts nothing for an unknown project (NO_PROJECT)', () => {
    const plan = planPosting(work(), facts({ project: null }));
    assert.deepEqual([plan.cost, plan.billing, plan.blocked.map((b) => b.code)], [null, null, ['NO_PROJECT']]);
  });
});

describe('posting an approved expense', () => {
  it('costs and bills the expense amount (at cost: no markup), without hours or rate', () => {
    const plan = planPosting(expense(), facts({ costRate: null }));
    assert.deepEqual(plan.blocked, []);
    assert.deepEqual([plan.cost?.amount, plan.cost?.currency, plan.cost?.hours, plan.cost?.costRate], ['84.30', 'EUR', null, null]);
    assert.deepEqual([plan.billing?.amount, plan.billing?.hours, plan.billing?.rate, plan.billing?.roleId], ['84.30', null, null, null]);
    assert.equal(plan.billing?.description, 'Expense 2026-11-20: travel');
  });

  it('holds an expense in another currency than the contract’s', () => {
    const plan = planPosting(expense({ amount: { amount: '100.00', currency: 'GBP' } }), facts());
    assert.equal(plan.cost?.currency, 'GBP');
    assert.equal(plan.billing?.heldReason, 'CURRENCY_MISMATCH');
  });
});

describe('a reversal negates hours and amount', () => {
  it('keeps every other field', () => {
    assert.deepEqual(reversalOf({ id: 'x', hours: '7.50', amount: '487.50' }), { id: 'x', hours: '-7.50', amount: '-487.50' });
    assert.deepEqual(reversalOf({ hours: null, amount: '84.30' }), { hours: null, amount: '-84.30' });
  });
});
