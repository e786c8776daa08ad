import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../lib/errors.ts';
import { planPosting, type ApprovedWork, type SetupPostingFacts } from '../../../subgraphs/erp/domain/posting.ts';
import {
  checkRecurringTerms,
  closingMonth,
  coversMonth,
  monthOfDate,
  overageToBill,
  overrunAwaitsFee,
  planRecurringUsage,
  reapplyDrawdowns,
  retainerBalance,
  splitDrawdown,
  splitDrawdownHours,
} from '../../../subgraphs/erp/domain/recurring-billing.ts';

const rejects = (run: () => unknown, field: RegExp) =>
  assert.throws(run, (error: unknown) => error instanceof DomainError && error.code === 'BAD_USER_INPUT' && field.test(error.message));

const eur = (amount: string) => ({ amount, currency: 'EUR' });

describe('managed-services overage', () => {
  const month = (approvedHours: string, overageHoursBilled = '0', includedHours = '40.00', rate = eur('95.00')) =>
    overageToBill({ approvedHours, includedHours, overageHoursBilled, overageRate: rate });

  it('bills nothing up to the included hours, the excess × the overage rate above them', () => {
    assert.equal(month('0'), null);
    assert.equal(month('39.99'), null);
    assert.equal(month('40.00'), null);
    assert.deepEqual(month('40.01'), { hours: '0.01', amount: eur('0.95') });
    assert.deepEqual(month('52.75'), { hours: '12.75', amount: eur('1211.25') });
  });

  it('rounds half-up once, to the currency minor unit', () => {
    // 2.33 h × 33.33 = 77.6589 → 77.66; 0.05 h × 10.10 = 0.505 → 0.51 (a half goes up)
    assert.deepEqual(month('42.33', '0', '40', eur('33.33')), { hours: '2.33', amount: eur('77.66') });
    assert.deepEqual(month('0.05', '0', '0', eur('10.10')), { hours: '0.05', amount: eur('0.51') });
    // JPY has no minor unit: 1.25 h × 1001 = 1251.25 → 1251; KWD three: 1.5 h × 10.125 = 15.1875 → 15.188
    assert.deepEqual(month('1.25', '0', '0', { amount: '1001', currency: 'JPY' }), { hours: '1.25', amount: { amount: '1251', currency: 'JPY' } });
    assert.deepEqual(month('1.50', '0', '0', { amount: '10.125', currency: 'KWD' }), { hours: '1.50', amount: { amount: '15.188', currency: 'KWD' } });
  });

  it('bills only hours not billed yet on a re-run, never an hour twice', () => {
    assert.equal(month('45.00', '5.00'), null); // the first run billed the 5 h above 40
    assert.deepEqual(month('47.50', '5.00'), { hours: '2.50', amount: eur('237.50') }); // 2.5 h approved late
    // Hours taken back after being billed: nothing more is due (and re-approved, they are not billed again).
    assert.equal(month('43.00', '5.00'), null);
  });
});

describe('retainer drawdown', () => {
  it('draws what the balance covers, overruns the rest, exactly', () => {
    assert.deepEqual(splitDrawdown('900.00', '2000.00', 'EUR'), { drawn: '900.00', overrun: '0.00' });
    assert.deepEqual(splitDrawdown('900.00', '900.00', 'EUR'), { drawn: '900.00', overrun: '0.00' });
    assert.deepEqual(splitDrawdown('900.00', '333.33', 'EUR'), { drawn: '333.33', overrun: '566.67' });
    assert.deepEqual(splitDrawdown('900.00', '0.00', 'EUR'), { drawn: '0.00', overrun: '900.00' });
    // A balance already below zero (a fee reversed under it) covers nothing, and is not made worse.
    assert.deepEqual(splitDrawdown('10.00', '-5.00', 'EUR'), { drawn: '0.00', overrun: '10.00' });
  });

  it('keeps a running balance: fees billed in − drawn; overrun beside it, its hours apart', () => {
    assert.deepEqual(retainerBalance('EUR', { feesBilled: '4000', drawn: '3566.5', drawnHours: '29.7', overrun: '120', overrunHours: '1' }), {
      feesBilled: eur('4000.00'), drawn: eur('3566.50'), drawnHours: '29.70', overrun: eur('120.00'), overrunHours: '1.00', remaining: eur('433.50'),
    });
  });

  it('splits a drawdown’s hours like its value, rounded once, adding up to the hours', () => {
    assert.deepEqual(splitDrawdownHours('7.33', '904.89', '904.89'), { drawnHours: '7.33', overrunHours: '0.00' });
    assert.deepEqual(splitDrawdownHours('7.33', '0.00', '904.89'), { drawnHours: '0.00', overrunHours: '7.33' });
    // 3 h × 333.33 / 1000.00 = 0.99999 → 1.00 drawn, 2.00 beyond.
    assert.deepEqual(splitDrawdownHours('3.00', '333.33', '1000.00'), { drawnHours: '1.00', overrunHours: '2.00' });
    // 1 h × 0.005 / 1 = half a hundredth: half-up.
    assert.deepEqual(splitDrawdownHours('1.00', '0.005', '1.00'), { drawnHours: '0.01', overrunHours: '0.99' });
    // An entry worth nothing overruns nothing: all its hours are drawn.
    assert.deepEqual(splitDrawdownHours('2.00', '0.00', '0.00'), { drawnHours: '2.00', overrunHours: '0.00' });
  });

  it('holds an overrun while its month’s fee is not billed and the contract covers the month', () => {
    const contract = { startDate: '2026-04-06', endDate: null };
    assert.equal(overrunAwaitsFee(contract, monthOfDate('2026-12-07'), false), true);
    assert.equal(overrunAwaitsFee(contract, monthOfDate('2026-12-07'), true), false, 'the fee is billed: the overrun is final');
    assert.equal(overrunAwaitsFee({ startDate: '2026-04-06', endDate: '2026-11-30' }, monthOfDate('2026-12-07'), false), false, 'no fee will come');
  });

  it('re-applies provisional overruns against the fee in approval order, as if the fee had come first', () => {
    const held = [
      { id: 'u-1', hours: '1.00', amount: '100.00', drawn: '0.00', overrun: '100.00' },
      { id: 'u-2', hours: '0.75', amount: '75.00', drawn: '25.00', overrun: '50.00' },
      { id: 'u-3', hours: '0.50', amount: '50.00', drawn: '0.00', overrun: '50.00' },
    ];
    assert.deepEqual(reapplyDrawdowns(held, '175.00', 'EUR'), {
      drawdowns: [
        { ...held[0], drawn: '100.00', overrun: '0.00', drawnHours: '1.00', overrunHours: '0.00' },
        { ...held[1], drawn: '75.00', overrun: '0.00', drawnHours: '0.75', overrunHours: '0.00' },
        { ...held[2], drawn: '25.00', overrun: '25.00', drawnHours: '0.25', overrunHours: '0.25' },
      ],
      remaining: '0.00',
    });
  });
});

describe('recurring terms', () => {
  const ms = { billingMethod: 'MANAGED_SERVICES' as const, currency: 'EUR' };
  const retainer = { billingMethod: 'RETAINER' as const, currency: 'EUR' };

  it('takes a managed-services fee, included hours and overage rate', () => {
    assert.deepEqual(checkRecurringTerms({ fee: eur('5000.00'), includedHours: '40', overageRate: eur('95.00') }, ms), {
      fee: eur('5000.00'), includedHours: '40', overageRate: eur('95.00'), overrunPolicy: null,
    });
    rejects(() => checkRecurringTerms({ fee: eur('5000.00'), overageRate: eur('95.00') }, ms), /included hours/);
    rejects(() => checkRecurringTerms({ fee: eur('5000.00'), includedHours: '40' }, ms), /overage rate/);
    rejects(() => checkRecurringTerms({ fee: eur('5000.00'), includedHours: '40.125', overageRate: eur('95') }, ms), /decimal places/);
    rejects(() => checkRecurringTerms({ fee: eur('0'), includedHours: '40', overageRate: eur('95') }, ms), /greater than zero/);
    rejects(() => checkRecurringTerms({ fee: { amount: '1', currency: 'USD' }, includedHours: '40', overageRate: eur('95') }, ms), /bills in EUR/);
    rejects(() => checkRecurringTerms({ fee: eur('1'), includedHours: '40', overageRate: eur('95'), overrunPolicy: 'BILL' }, ms), /overrun policy/);
  });

  it('takes a retainer fee and overrun policy, nothing else; no terms for other methods', () => {
    assert.deepEqual(checkRecurringTerms({ fee: eur('2000.00'), overrunPolicy: 'HOLD' }, retainer), { fee: eur('2000.00'), includedHours: null, overageRate: null, overrunPolicy: 'HOLD' });
    rejects(() => checkRecurringTerms({ fee: eur('2000.00') }, retainer), /overrun policy/);
    rejects(() => checkRecurringTerms({ fee: eur('2000.00'), overrunPolicy: 'BILL', includedHours: '10' }, retainer), /includes no hours/);
    rejects(() => checkRecurringTerms({ fee: eur('2000.00') }, { billingMethod: 'TIME_AND_MATERIALS', currency: 'EUR' }), /MANAGED_SERVICES or RETAINER/);
  });
});

describe('billing periods', () => {
  it('closes a calendar month by its last day, and knows the next', () => {
    assert.deepEqual(closingMonth('2026-11-30'), {
      month: { period: '2026-11', start: '2026-11-01', end: '2026-11-30' }, next: { period: '2026-12', start: '2026-12-01', end: '2026-12-31' },
    });
    assert.deepEqual(closingMonth('2028-02-29').month.end, '2028-02-29');
    assert.deepEqual(closingMonth('2026-12-31').next, { period: '2027-01', start: '2027-01-01', end: '2027-01-31' });
    rejects(() => closingMonth('2026-11-29'), /last day/);
    rejects(() => closingMonth('2027-02-29'), /periodEnd/);
  });

  it('bills a month the contract touches', () => {
    const { month } = closingMonth('2026-11-30');
    assert.equal(coversMonth({ startDate: '2026-11-30', endDate: null }, month), true);
    assert.equal(coversMonth({ startDate: '2026-12-01', endDate: null }, month), false);
    assert.equal(coversMonth({ startDate: '2026-01-01', endDate: '2026-11-01' }, month), true);
    assert.equal(coversMonth({ startDate: '2026-01-01', endDate: '2026-10-31' }, month), false);
  });
});

describe('approved time on a recurring contract', () => {
  const setup = (over: Partial<SetupPostingFacts> = {}): SetupPostingFacts => ({
    contractId: 'c-1', customerId: 'cust-1', legalEntityId: 'le-1', currency: 'EUR', billingMethod: 'MANAGED_SERVICES', expenseMarkupPercent: '0', ...over,
  });
  const work = (over: Partial<ApprovedWork> = {}): ApprovedWork => ({
    sourceType: 'TIME_ENTRY', sourceId: 'te-1', workerId: 'w-1', projectId: 'p-1', taskId: null, roleId: 'r-1', date: '2026-11-20', hours: '7.33',
    billable: true, billRate: eur('123.45'), ...over,
  });
  const project = { id: 'p-1', contractId: 'c-1', customerId: 'cust-1', legalEntityId: 'le-1', currency: 'EUR' };

  it('records managed-services hours (no rate needed) and a retainer drawdown at the frozen rate, instead of a billing event', () => {
    assert.deepEqual(planRecurringUsage(work({ billRate: null }), setup(), 'p-1'), {
      billingMethod: 'MANAGED_SERVICES', sourceType: 'TIME_ENTRY', sourceId: 'te-1', contractId: 'c-1', projectId: 'p-1', customerId: 'cust-1',
      legalEntityId: 'le-1', workerId: 'w-1', date: '2026-11-20', hours: '7.33', rate: null, amount: null, currency: 'EUR',
    });
    const drawdown = planRecurringUsage(work(), setup({ billingMethod: 'RETAINER' }), 'p-1');
    assert.deepEqual([drawdown?.rate, drawdown?.amount], ['123.45', '904.89']); // 904.8885
    const plan = planPosting(work(), { project, costRate: eur('60.00'), setup: setup({ billingMethod: 'RETAINER' }) });
    assert.deepEqual([plan.billing, plan.blocked, plan.usage?.amount, plan.cost?.amount], [null, [], '904.89', '439.80']);
  });

  it('leaves a retainer entry without a usable rate to the held billing event; other methods alone', () => {
    assert.equal(planRecurringUsage(work({ billRate: null }), setup({ billingMethod: 'RETAINER' }), 'p-1'), null);
    assert.equal(planRecurringUsage(work({ billRate: { amount: '100', currency: 'USD' } }), setup({ billingMethod: 'RETAINER' }), 'p-1'), null);
    const held = planPosting(work({ billRate: null }), { project, costRate: eur('60.00'), setup: setup({ billingMethod: 'RETAINER' }) });
    assert.deepEqual([held.usage, held.billing?.heldReason], [undefined, 'NO_RATE']);
    assert.equal(planRecurringUsage(work(), setup({ billingMethod: 'TIME_AND_MATERIALS' }), 'p-1'), null);
    assert.equal(planPosting(work({ billable: false }), { project, costRate: eur('60.00'), setup: setup() }).usage, undefined);
  });
});
