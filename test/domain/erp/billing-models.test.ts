import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../lib/errors.ts';
import {
  billsTimeByTheHour,
  capUsage,
  checkMarkupPercent,
  checkSchedule,
  exceedsCap,
  feeOf,
  feeRemaining,
  planMilestoneBilling,
  withMarkup,
  type CompletedMilestone,
  type ScheduleTerms,
} from '../../../subgraphs/erp/domain/billing-models.ts';
import { planPosting, type PostingFacts, type SetupPostingFacts } from '../../../subgraphs/erp/domain/posting.ts';

const setup = (over: Partial<SetupPostingFacts> = {}): SetupPostingFacts => ({
  contractId: 'c-1', customerId: 'cust-setup', legalEntityId: 'le-setup', currency: 'EUR', billingMethod: 'FIXED_FEE', expenseMarkupPercent: '0', ...over,
});
const project = { id: 'p-1', contractId: 'c-1', customerId: 'cust-psa', legalEntityId: 'le-psa', currency: 'EUR' };

const rejects = (run: () => unknown, code: string, pattern: RegExp) =>
  assert.throws(run, (error: unknown) => error instanceof DomainError && error.code === code && pattern.test(error.message));

describe('expense markup', () => {
  it('bills cost × (1 + markup / 100), rounded half-up once to the minor unit', () => {
    assert.deepEqual(withMarkup({ amount: '84.30', currency: 'EUR' }, '0'), { amount: '84.30', currency: 'EUR' });
    assert.deepEqual(withMarkup({ amount: '84.30', currency: 'EUR' }, '12.5'), { amount: '94.84', currency: 'EUR' }); // 94.8375
    assert.deepEqual(withMarkup({ amount: '10.05', currency: 'EUR' }, '15'), { amount: '11.56', currency: 'EUR' }); // 11.5575
    assert.deepEqual(withMarkup({ amount: '10.00', currency: 'EUR' }, '0.0333'), { amount: '10.00', currency: 'EUR' }); // 10.00333
    assert.deepEqual(withMarkup({ amount: '1001', currency: 'JPY' }, '7.5'), { amount: '1076', currency: 'JPY' }); // 1076.075
  });

  it('accepts 0 to 1000 % with up to 4 decimals', () => {
    assert.equal(checkMarkupPercent('12.3456'), '12.3456');
    rejects(() => checkMarkupPercent('-1'), 'BAD_USER_INPUT', /negative/);
    rejects(() => checkMarkupPercent('1000.01'), 'BAD_USER_INPUT', /at most 1000/);
    rejects(() => checkMarkupPercent('1.23456'), 'BAD_USER_INPUT', /4 decimal/);
  });

  it('applies to a billable expense when posting, not to its cost', () => {
    const facts: PostingFacts = { project, costRate: null, setup: setup({ billingMethod: 'TIME_AND_MATERIALS', expenseMarkupPercent: '10' }) };
    const plan = planPosting(
      { sourceType: 'EXPENSE', sourceId: 'ex-1', workerId: 'w-1', projectId: 'p-1', date: '2026-11-20', amount: { amount: '84.30', currency: 'EUR' }, category: 'TRAVEL', billable: true },
      facts,
    );
    assert.equal(plan.cost?.amount, '84.30');
    assert.deepEqual([plan.billing?.amount, plan.billing?.currency, plan.billing?.heldReason], ['92.73', 'EUR', null]);
  });
});

describe('fixed-fee time', () => {
  const work = { sourceType: 'TIME_ENTRY', sourceId: 'te-1', workerId: 'w-1', projectId: 'p-1', taskId: null, roleId: 'r-dev', date: '2026-11-20', hours: '8.00', billable: true, billRate: { amount: '100.00', currency: 'EUR' } } as const;

  it('posts cost but no billing event, and blocks nothing', () => {
    assert.equal(billsTimeByTheHour('FIXED_FEE'), false);
    const plan = planPosting(work, { project, costRate: { amount: '50.00', currency: 'EUR' }, setup: setup() });
    assert.equal(plan.cost?.amount, '400.00');
    assert.equal(plan.billing, null);
    assert.deepEqual(plan.blocked, []);
  });

  it('still bills hours under T&M; managed services and retainers record them as usage (recurring-billing.test.ts)', () => {
    for (const method of ['TIME_AND_MATERIALS', 'MANAGED_SERVICES', 'RETAINER'] as const) assert.equal(billsTimeByTheHour(method), true);
    assert.equal(planPosting(work, { project, costRate: null, setup: setup({ billingMethod: 'TIME_AND_MATERIALS' }) }).billing?.amount, '800.00');
    for (const method of ['MANAGED_SERVICES', 'RETAINER'] as const) {
      const plan = planPosting(work, { project, costRate: null, setup: setup({ billingMethod: method }) });
      assert.deepEqual([plan.billing, plan.usage?.billingMethod, plan.usage?.hours], [null, method, work.hours]);
    }
  });
});

describe('not-to-exceed cap', () => {
  it('counts billed and unbilled against the cap, shows held apart', () => {
    assert.deepEqual(capUsage('1000', 'EUR', { billed: '400', unbilled: '350.5', held: '120' }), {
      cap: { amount: '1000.00', currency: 'EUR' },
      billed: { amount: '400.00', currency: 'EUR' },
      unbilled: { amount: '350.50', currency: 'EUR' },
      held: { amount: '120.00', currency: 'EUR' },
      remaining: { amount: '249.50', currency: 'EUR' },
    });
    assert.equal(capUsage('100', 'EUR', { billed: '150', unbilled: '0', held: '0' }).remaining.amount, '-50.00');
  });

  it('holds an event that passes the cap, even by a cent; one that lands exactly on it fits', () => {
    const usage = capUsage('1000.00', 'EUR', { billed: '600.00', unbilled: '300.00', held: '5000.00' });
    assert.equal(exceedsCap(usage, '100.00'), false);
    assert.equal(exceedsCap(usage, '100.01'), true);
    assert.equal(exceedsCap(usage, '99.99'), false);
    assert.equal(exceedsCap(capUsage('100', 'EUR', { billed: '150', unbilled: '0', held: '0' }), '0.01'), true);
  });
});

describe('fixed fee as a cap', () => {
  it('caps milestones, schedule lines and percent-complete runs of a FIXED_FEE contract with an amount, nothing else', () => {
    const fixedFee = { billingMethod: 'FIXED_FEE' as const, contractAmount: '30000.00' };
    for (const source of ['MILESTONE', 'SCHEDULE', 'PERCENT_COMPLETE'] as const) assert.equal(feeOf(fixedFee, source), '30000.00', source);
    assert.equal(feeOf(fixedFee, 'EXPENSE'), null, 'expenses pass through the fee');
    assert.equal(feeOf({ billingMethod: 'FIXED_FEE', contractAmount: null }, 'MILESTONE'), null, 'no amount, no fee');
    assert.equal(feeOf({ billingMethod: 'TIME_AND_MATERIALS', contractAmount: '30000.00' }, 'MILESTONE'), null, 'a T&M milestone bills on top of the hours');
  });

  it('leaves fee − what its sources asked for; negative once an amendment lowered the fee below it', () => {
    assert.equal(feeRemaining('30000', '20000', 'EUR'), '10000.00');
    assert.equal(feeRemaining('30000.00', '36000.00', 'EUR'), '-6000.00');
    assert.equal(feeRemaining('1000', '0', 'JPY'), '1000');
  });
});

describe('billing schedule', () => {
  const terms = (over: Partial<ScheduleTerms> = {}): ScheduleTerms => ({ billingMethod: 'FIXED_FEE', currency: 'EUR', contractAmount: '10000.00', released: [], ...over });
  const line = (date: string, amount: string, currency = 'EUR') => ({ date, amount: { amount, currency }, description: `due ${date}` });

  it('orders lines by date and accepts a schedule up to the contract amount, released lines included', () => {
    const checked = checkSchedule([line('2026-03-01', '4000.50'), line('2026-01-01', '3000'), line('2026-02-01', '999.50')], terms({ released: ['2000.00'] }));
    assert.deepEqual(checked.map((l) => [l.date, l.amount.amount]), [['2026-01-01', '3000'], ['2026-02-01', '999.50'], ['2026-03-01', '4000.50']]);
    assert.deepEqual(checkSchedule([], terms()), []);
    assert.equal(checkSchedule([line('2026-01-01', '99999')], terms({ contractAmount: null })).length, 1);
  });

  it('refuses more than the contract amount, another currency, bad amounts and dates, and non-fixed-fee contracts', () => {
    rejects(() => checkSchedule([line('2026-01-01', '9000.00')], terms({ released: ['1000.01'] })), 'BAD_USER_INPUT', /10000\.01 EUR.*more than the contract's 10000\.00/);
    rejects(() => checkSchedule([line('2026-01-01', '10.00', 'USD')], terms()), 'BAD_USER_INPUT', /lines\[0\]\.amount\.currency.*bills in EUR/);
    rejects(() => checkSchedule([line('2026-01-01', '0')], terms()), 'BAD_USER_INPUT', /greater than zero/);
    rejects(() => checkSchedule([line('2026-01-01', '1.005')], terms()), 'BAD_USER_INPUT', /2 decimal/);
    rejects(() => checkSchedule([line('2026-02-30', '1.00')], terms()), 'BAD_USER_INPUT', /lines\[0\]\.date/);
    rejects(() => checkSchedule([line('2026-01-01', '1.00')], terms({ billingMethod: 'TIME_AND_MATERIALS' })), 'BAD_USER_INPUT', /only a FIXED_FEE/);
  });
});

describe('milestone billing', () => {
  const milestone = (over: Partial<CompletedMilestone> = {}): CompletedMilestone => ({
    milestoneId: 'm-1', projectId: 'p-1', contractId: 'c-1', name: 'Go-live', amount: { amount: '5000.00', currency: 'EUR' }, completedOn: '2026-11-24', ...over,
  });

  it('bills its amount on the contract, customer and legal entity of the setup', () => {
    assert.deepEqual(planMilestoneBilling(milestone(), setup(), null), {
      billing: {
        sourceType: 'MILESTONE', sourceId: 'm-1', contractId: 'c-1', projectId: 'p-1', customerId: 'cust-setup', legalEntityId: 'le-setup',
        workerId: null, roleId: null, taskId: null, date: '2026-11-24', description: 'Milestone: Go-live', hours: null, rate: null,
        amount: '5000.00', currency: 'EUR', heldReason: null,
      },
      blocked: [],
    });
  });

  it('bills under a T&M contract too, and nothing for a zero amount', () => {
    assert.equal(planMilestoneBilling(milestone(), setup({ billingMethod: 'TIME_AND_MATERIALS' }), null).billing?.amount, '5000.00');
    assert.deepEqual(planMilestoneBilling(milestone({ amount: { amount: '0.00', currency: 'EUR' } }), setup(), null), { billing: null, blocked: [] });
  });

  it('holds or blocks what it cannot bill as it stands', () => {
    const mismatch = planMilestoneBilling(milestone({ amount: { amount: '10.00', currency: 'USD' } }), setup(), null);
    assert.deepEqual([mismatch.billing?.heldReason, mismatch.blocked.map((b) => b.code)], ['CURRENCY_MISMATCH', ['CURRENCY_MISMATCH']]);
    const noSetup = planMilestoneBilling(milestone(), null, project);
    assert.deepEqual([noSetup.billing?.heldReason, noSetup.billing?.customerId, noSetup.billing?.legalEntityId], ['NO_BILLING_SETUP', 'cust-psa', 'le-psa']);
    assert.deepEqual(planMilestoneBilling(milestone(), null, null).blocked.map((b) => b.code), ['NO_BILLING_SETUP']);
    const noContract = planMilestoneBilling(milestone({ contractId: null }), null, { ...project, contractId: null });
    assert.deepEqual([noContract.billing, noContract.blocked.map((b) => b.code)], [null, ['NO_CONTRACT']]);
    assert.equal(planMilestoneBilling(milestone({ contractId: null }), setup(), project).billing?.contractId, 'c-1');
  });
});
