import { checkCurrency, checkDecimal, compareDecimals, divideDecimals, fromScaled, toScaled } from '../../../lib/decimal.ts';
import { badInput } from '../../../lib/errors.ts';
import { checkDate } from '../../../lib/validate.ts';
import type { BillingMethod, RetainerOverrunPolicy } from '../tables.ts';
import { lineAmount, minorUnits, multiplyDecimals, sumDecimals, type Money } from './money.ts';
import type { ApprovedWork, SetupPostingFacts } from './posting.ts';

/**
 * The recurring billing methods (DESIGN §2), per calendar month:
 * MANAGED_SERVICES a fee per month with included hours; the month's approved billable hours above them bill as
 *   overage at the contract's overage rate (in arrears, when the month is closed);
 * RETAINER a fee per month billed in advance into a running balance; approved billable hours draw it down at their
 *   frozen bill rate; what a drawdown takes beyond the balance (the overrun) bills as OVERAGE, or is held for review.
 */

export type RecurringMethod = Extract<BillingMethod, 'MANAGED_SERVICES' | 'RETAINER'>;

export const isRecurringMethod = (method: BillingMethod): method is RecurringMethod => method === 'MANAGED_SERVICES' || method === 'RETAINER';

export interface RecurringTerms {
  fee: Money;
  /** MANAGED_SERVICES only. */
  includedHours: string | null;
  overageRate: Money | null;
  /** RETAINER only. */
  overrunPolicy: RetainerOverrunPolicy | null;
}

export interface RecurringTermsInput {
  fee: Money;
  includedHours?: string | null;
  overageRate?: Money | null;
  overrunPolicy?: RetainerOverrunPolicy | null;
}

function checkMoney(field: string, value: Money, currency: string, min: 'zero' | 'positive'): Money {
  checkCurrency(`${field}.currency`, value.currency);
  if (value.currency !== currency) throw badInput(`${field}.currency`, `the contract bills in ${currency}, not ${value.currency}`);
  return { amount: checkDecimal(`${field}.amount`, value.amount, { scale: minorUnits(currency), min }), currency };
}

/**
 * A recurring contract's terms as finance sets them, in the contract's currency: MANAGED_SERVICES needs a positive
 * fee, its included hours (0 or more, 2 decimals) and an overage rate (0 or more); RETAINER a positive fee and an
 * overrun policy, and nothing else (its hours are valued at their own bill rates). Any other method has none.
 */
export function checkRecurringTerms(input: RecurringTermsInput, setup: { billingMethod: BillingMethod; currency: string }): RecurringTerms {
  if (!isRecurringMethod(setup.billingMethod)) {
    throw badInput('contractId', `only a MANAGED_SERVICES or RETAINER contract has recurring terms; this one is ${setup.billingMethod}`);
  }
  const fee = checkMoney('input.fee', input.fee, setup.currency, 'positive');
  if (setup.billingMethod === 'MANAGED_SERVICES') {
    if (input.includedHours == null) throw badInput('input.includedHours', 'a managed-services contract needs its included hours per month');
    if (!input.overageRate) throw badInput('input.overageRate', 'a managed-services contract needs its overage rate');
    if (input.overrunPolicy != null) throw badInput('input.overrunPolicy', 'only a retainer has an overrun policy');
    return {
      fee,
      includedHours: checkDecimal('input.includedHours', input.includedHours, { scale: 2, min: 'zero', max: '9999.99' }),
      overageRate: checkMoney('input.overageRate', input.overageRate, setup.currency, 'zero'),
      overrunPolicy: null,
    };
  }
  if (!input.overrunPolicy) throw badInput('input.overrunPolicy', 'a retainer needs an overrun policy (BILL or HOLD)');
  if (input.includedHours != null) throw badInput('input.includedHours', 'a retainer includes no hours: they draw its balance down');
  if (input.overageRate) throw badInput('input.overageRate', 'a retainer bills its overrun at the hours’ own bill rates');
  return { fee, includedHours: null, overageRate: null, overrunPolicy: input.overrunPolicy };
}

/** A calendar month: `period` is YYYY-MM, `start` and `end` its first and last days. */
export interface BillingMonth {
  period: string;
  start: string;
  end: string;
}

const pad = (value: number) => String(value).padStart(2, '0');

function monthOf(year: number, month: number): BillingMonth {
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return { period: `${year}-${pad(month)}`, start: `${year}-${pad(month)}-01`, end: `${year}-${pad(month)}-${pad(last)}` };
}

/**
 * The month a period close closes, and the one after it (a retainer's next fee is billed in advance): `periodEnd`
 * must be the last day of a calendar month (BAD_USER_INPUT otherwise: a period is a whole month).
 */
export function closingMonth(periodEnd: string): { month: BillingMonth; next: BillingMonth } {
  checkDate('periodEnd', periodEnd);
  const [year, month] = periodEnd.split('-').map(Number);
  const closing = monthOf(year, month);
  if (closing.end !== periodEnd) throw badInput('periodEnd', `a period is a calendar month: ${periodEnd} is not the last day of one (${closing.end})`);
  return { month: closing, next: month === 12 ? monthOf(year + 1, 1) : monthOf(year, month + 1) };
}

/** Whether a contract running from `startDate` to `endDate` (open when null) covers any day of the month. */
export const coversMonth = (contract: { startDate: string; endDate: string | null }, month: BillingMonth): boolean =>
  contract.startDate <= month.end && (contract.endDate === null || contract.endDate >= month.start);

/** A managed-services month as erp knows it when closing it. */
export interface ManagedServicesMonth {
  /** The month's approved billable hours that still stand (approvals taken back do not count). */
  approvedHours: string;
  includedHours: string;
  /** Hours the month's earlier runs billed as overage (their live OVERAGE events). */
  overageHoursBilled: string;
  overageRate: Money;
}

/**
 * The overage a managed-services month still has to bill: the hours above the included ones, less those already
 * billed for the month (a re-run after late approvals bills only the additional hours; no hour is billed twice),
 * × the overage rate, rounded half-up once to the currency's minor unit. Null when nothing more is due — also when
 * hours were taken back after being billed (they are not billed again; crediting them is finance's decision).
 */
export function overageToBill(month: ManagedServicesMonth): { hours: string; amount: Money } | null {
  const scaled = (value: string) => toScaled(value, 2);
  const above = scaled(month.approvedHours) - scaled(month.includedHours);
  const due = (above > 0n ? above : 0n) - scaled(month.overageHoursBilled);
  if (due <= 0n) return null;
  const hours = fromScaled(due, 2);
  return { hours, amount: { amount: lineAmount(hours, month.overageRate.amount, month.overageRate.currency), currency: month.overageRate.currency } };
}

/** A retainer's running balance: fees billed in, drawn by hours, overrun beyond it, and what remains. */
export interface RetainerBalance {
  feesBilled: Money;
  drawn: Money;
  /** The hours the balance covered (their share of each drawdown: splitDrawdownHours). */
  drawnHours: string;
  overrun: Money;
  /** The hours beyond the balance: the rest of each drawdown's hours. drawnHours + overrunHours = the hours drawn down. */
  overrunHours: string;
  remaining: Money;
}

/**
 * The retainer's balance runs across periods (unused fee carries over, never expires): remaining = the fees billed
 * (live RETAINER billing events, UNBILLED or BILLED; one held by the cap is not) − what drawdowns took from it. It
 * never goes below zero: what a drawdown needs beyond it is overrun, billed or held separately.
 */
export function retainerBalance(
  currency: string,
  sums: { feesBilled: string; drawn: string; drawnHours: string; overrun: string; overrunHours: string },
): RetainerBalance {
  const scale = minorUnits(currency);
  const money = (amount: string) => ({ amount: sumDecimals([amount], scale), currency });
  return {
    feesBilled: money(sums.feesBilled),
    drawn: money(sums.drawn),
    drawnHours: sumDecimals([sums.drawnHours], 2),
    overrun: money(sums.overrun),
    overrunHours: sumDecimals([sums.overrunHours], 2),
    remaining: money(fromScaled(toScaled(sums.feesBilled, scale) - toScaled(sums.drawn, scale), scale)),
  };
}

/**
 * How one drawdown splits against the remaining balance: the balance covers what it can (never below zero); the rest
 * is the overrun. drawn + overrun = the drawdown's amount, exactly.
 */
export function splitDrawdown(amount: string, remaining: string, currency: string): { drawn: string; overrun: string } {
  const scale = minorUnits(currency);
  const need = toScaled(amount, scale);
  const available = toScaled(remaining, scale) > 0n ? toScaled(remaining, scale) : 0n;
  const drawn = need < available ? need : available;
  return { drawn: fromScaled(drawn, scale), overrun: fromScaled(need - drawn, scale) };
}

/**
 * How a drawdown's hours split like its value: drawn hours = hours × drawn ÷ amount, rounded half-up to 2 places once
 * (an entry worth nothing draws all its hours); overrun hours = the rest, so the two add up to the hours exactly.
 */
export function splitDrawdownHours(hours: string, drawn: string, amount: string): { drawnHours: string; overrunHours: string } {
  const drawnHours = divideDecimals(multiplyDecimals(hours, drawn), amount, 2) ?? sumDecimals([hours], 2);
  return { drawnHours, overrunHours: fromScaled(toScaled(hours, 2) - toScaled(drawnHours, 2), 2) };
}

/**
 * Whether a retainer overrun is provisional: the contract covers the entry's month but that month's fee (billed in
 * advance) is not billed yet — the hours were approved before the period close. Such an overrun is held
 * (AWAITING_RETAINER_FEE) and drawn again from the fee once it is billed (reapplyDrawdowns), so the outcome does not
 * depend on whether the approval or the close came first. With the fee billed, or a month the contract does not
 * cover (no fee will come), the overrun is final.
 */
export const overrunAwaitsFee = (contract: { startDate: string; endDate: string | null }, month: BillingMonth, feeBilled: boolean): boolean =>
  !feeBilled && coversMonth(contract, month);

/** The calendar month of a date (YYYY-MM-DD). */
export function monthOfDate(date: string): BillingMonth {
  const [year, month] = date.split('-').map(Number);
  return monthOf(year, month);
}

/** A drawdown whose overrun waits for its month's fee, as the period close re-applies it. */
export interface ProvisionalDrawdown {
  id: string;
  hours: string;
  amount: string;
  drawn: string;
  overrun: string;
}

/**
 * Re-applies provisional overruns once their month's fee is billed, in the order they were approved (the order they
 * would have drawn in had the fee come first): each draws what the balance now covers of its overrun; what is left
 * is its final overrun. Returns each drawdown's new drawn, overrun and hours split, and the balance left.
 */
export function reapplyDrawdowns(
  drawdowns: readonly ProvisionalDrawdown[],
  remaining: string,
  currency: string,
): { drawdowns: Array<ProvisionalDrawdown & { drawnHours: string; overrunHours: string }>; remaining: string } {
  const scale = minorUnits(currency);
  let left = remaining;
  const result = drawdowns.map((drawdown) => {
    const split = splitDrawdown(drawdown.overrun, left, currency);
    left = fromScaled(toScaled(left, scale) - toScaled(split.drawn, scale), scale);
    const drawn = fromScaled(toScaled(drawdown.drawn, scale) + toScaled(split.drawn, scale), scale);
    return { ...drawdown, drawn, overrun: split.overrun, ...splitDrawdownHours(drawdown.hours, drawn, drawdown.amount) };
  });
  return { drawdowns: result, remaining: left };
}

/** Approved billable time on a recurring contract, recorded instead of a per-entry billing event. */
export interface PlannedUsage {
  billingMethod: RecurringMethod;
  sourceType: 'TIME_ENTRY';
  sourceId: string;
  contractId: string;
  projectId: string;
  customerId: string;
  legalEntityId: string;
  workerId: string;
  date: string;
  hours: string;
  /** RETAINER: the bill rate time froze and hours × it, rounded half-up (the drawdown); null for MANAGED_SERVICES. */
  rate: string | null;
  amount: string | null;
  currency: string;
}

/**
 * What approved billable time on a recurring contract records (planPosting asks): MANAGED_SERVICES its hours (they
 * count against the month's included hours, whatever their rate: the overage rate prices the excess); RETAINER its
 * hours and their value at the frozen bill rate, the drawdown. A retainer entry without a rate, or priced in another
 * currency, cannot draw anything down: null, and it takes the ordinary path (a HELD billing event, NO_RATE or
 * CURRENCY_MISMATCH, for finance). Null for any other method.
 */
export function planRecurringUsage(source: ApprovedWork, setup: SetupPostingFacts, projectId: string): PlannedUsage | null {
  if (!isRecurringMethod(setup.billingMethod)) return null;
  const base = {
    billingMethod: setup.billingMethod, sourceType: 'TIME_ENTRY' as const, sourceId: source.sourceId, contractId: setup.contractId, projectId,
    customerId: setup.customerId, legalEntityId: setup.legalEntityId, workerId: source.workerId, date: source.date, hours: source.hours,
    currency: setup.currency,
  };
  if (setup.billingMethod === 'MANAGED_SERVICES') return { ...base, rate: null, amount: null };
  if (!source.billRate || source.billRate.currency !== setup.currency) return null;
  return { ...base, rate: source.billRate.amount, amount: lineAmount(source.hours, source.billRate.amount, setup.currency) };
}

export const isPositive = (amount: string) => compareDecimals(amount, '0') > 0;
