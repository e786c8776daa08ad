import { compareDecimals, checkCurrency, checkDecimal, fromScaled, toScaled } from '../../../lib/decimal.ts';
import { badInput } from '../../../lib/errors.ts';
import { checkDate, checkText } from '../../../lib/validate.ts';
import type { BillingMethod, BillingSourceType } from '../tables.ts';
import { lineAmount, minorUnits, sumDecimals, type Money } from './money.ts';
import type { Blocked, PlannedBilling, ProjectPostingFacts, SetupPostingFacts } from './posting.ts';

/**
 * The billing methods' rules beyond time and materials (DESIGN §2): fixed-fee milestones and schedules, the
 * not-to-exceed cap, the expense markup.
 */

/**
 * Whether approved billable time on a contract of this method becomes a billing event. FIXED_FEE bills its
 * milestones and schedule, never hours: its time is cost only. (crm has no MILESTONE method: a milestone-billed
 * contract is FIXED_FEE.) MANAGED_SERVICES and RETAINER time is priced by the hour too, but recorded as usage of
 * the contract rather than billed per entry (planRecurringUsage).
 */
export const billsTimeByTheHour = (method: BillingMethod): boolean => method !== 'FIXED_FEE';

/**
 * A billable expense's price: cost × (1 + markup / 100), rounded half-up to the currency's minor unit, once, on the
 * product (the markup percent has at most 4 fraction digits: the factor (100 + p) / 100 is exact at 6).
 */
export function withMarkup(cost: Money, markupPercent: string): Money {
  return { amount: lineAmount(cost.amount, markupFactor(markupPercent), cost.currency), currency: cost.currency };
}

/** 1 + markup / 100, exact. */
export const markupFactor = (markupPercent: string) => fromScaled(toScaled(markupPercent, 4) + 1_000_000n, 6);

export const checkMarkupPercent = (value: string) => checkDecimal('expenseMarkupPercent', value, { scale: 4, min: 'zero', max: '1000' });

/** What a contract's billing events weigh against its cap, in the cap's currency. */
export interface CapSums {
  billed: string;
  unbilled: string;
  held: string;
}

/** A contract's cap and its use. `remaining` = cap − billed − unbilled (negative once a lowered cap is overrun). */
export interface CapUsage {
  cap: Money;
  billed: Money;
  unbilled: Money;
  held: Money;
  remaining: Money;
}

/**
 * The use of a not-to-exceed cap: BILLED and UNBILLED billing events count (they will be or are invoiced); HELD ones
 * do not (they are not invoiced until released, and are checked again then); REVERSED ones never.
 */
export function capUsage(cap: string, currency: string, sums: CapSums): CapUsage {
  const scale = minorUnits(currency);
  const used = sumDecimals([sums.billed, sums.unbilled], scale);
  const remaining = fromScaled(toScaled(cap, scale) - toScaled(used, scale), scale);
  const money = (amount: string) => ({ amount: sumDecimals([amount], scale), currency });
  return { cap: money(cap), billed: money(sums.billed), unbilled: money(sums.unbilled), held: money(sums.held), remaining: money(remaining) };
}

/**
 * Whether a new billing event of `amount` would take the contract past its cap. A partial overrun counts whole: the
 * event is not split (a source is billed once, on one line), so it is held entire and finance decides.
 */
export const exceedsCap = (usage: CapUsage, amount: string): boolean => compareDecimals(amount, usage.remaining.amount) > 0;

/**
 * Which CAP_REACHED events a cap now admits, oldest first (the order given): each that fits in what the cap leaves is
 * released and uses its room; one that does not fit stays HELD and a smaller later one may still fit (as a new event
 * would). Without a cap (`remaining` null) all are released. Returns the released events with what remains after each.
 */
export function planCapRelease<T extends { amount: string }>(held: readonly T[], remaining: string | null, scale: number): Array<{ event: T; remaining: string | null }> {
  if (remaining === null) return held.map((event) => ({ event, remaining: null }));
  let left = toScaled(remaining, scale);
  const released: Array<{ event: T; remaining: string | null }> = [];
  for (const event of held) {
    const amount = toScaled(event.amount, scale);
    if (amount > left) continue;
    left -= amount;
    released.push({ event, remaining: fromScaled(left, scale) });
  }
  return released;
}

/**
 * The sources that bill a fixed fee, whichever fixed-fee method the contract uses: its milestones, its schedule
 * lines, its percent-complete runs. On a FIXED_FEE contract with an amount, that amount (the fee) caps them together.
 */
export const feeSourceTypes = ['MILESTONE', 'SCHEDULE', 'PERCENT_COMPLETE'] as const satisfies readonly BillingSourceType[];

/** The fee a billing event of `sourceType` counts against: the contract's amount on a FIXED_FEE contract; else none. */
export function feeOf(setup: { billingMethod: BillingMethod; contractAmount: string | null }, sourceType: BillingSourceType): string | null {
  if (setup.billingMethod !== 'FIXED_FEE' || setup.contractAmount === null) return null;
  return (feeSourceTypes as readonly BillingSourceType[]).includes(sourceType) ? setup.contractAmount : null;
}

/**
 * What a fixed fee has left: fee − what its sources asked for (live fee events UNBILLED, BILLED, or HELD for any
 * reason but FEE_EXCEEDED and CREDITED: an event held by the cap or for a rate still claims its part of the fee, so
 * releasing it later cannot pass the fee). Negative when an amendment lowered the fee below what was billed.
 */
export function feeRemaining(fee: string, asked: string, currency: string): string {
  const scale = minorUnits(currency);
  return fromScaled(toScaled(fee, scale) - toScaled(asked, scale), scale);
}

export interface ScheduleLineInput {
  date: string;
  amount: Money;
  description: string;
}

export interface ScheduleTerms {
  billingMethod: BillingMethod;
  /** The setup's (the contract's) currency: every line is in it. */
  currency: string;
  /** The contract's amount, when crm set one: the schedule may not bill more. */
  contractAmount: string | null;
  /**
   * Amounts already asked of the fee: lines released (billed; they stay), and what the contract's other fee sources
   * (milestones, percent-complete runs) asked for — the fee caps every fixed-fee method together.
   */
  released: readonly string[];
}

export const maxScheduleLines = 120;

/**
 * A fixed-fee billing schedule as finance sets it: FIXED_FEE only; each line a date, a positive amount in the
 * contract's currency (at most its minor unit's decimals) and a description; released lines plus the new ones may
 * not exceed the contract's amount when it is known. Lines come back ordered by date (ties keep input order).
 */
export function checkSchedule(lines: readonly ScheduleLineInput[], terms: ScheduleTerms): ScheduleLineInput[] {
  if (terms.billingMethod !== 'FIXED_FEE') {
    throw badInput('contractId', `only a FIXED_FEE contract has a billing schedule; this one is ${terms.billingMethod}`);
  }
  if (lines.length > maxScheduleLines) throw badInput('lines', `at most ${maxScheduleLines} lines`);
  const checked = lines.map((line, index) => {
    const field = `lines[${index}]`;
    checkCurrency(`${field}.amount.currency`, line.amount.currency);
    if (line.amount.currency !== terms.currency) {
      throw badInput(`${field}.amount.currency`, `the contract bills in ${terms.currency}, not ${line.amount.currency}`);
    }
    return {
      date: checkDate(`${field}.date`, line.date),
      amount: { amount: checkDecimal(`${field}.amount.amount`, line.amount.amount, { scale: minorUnits(terms.currency), min: 'positive' }), currency: terms.currency },
      description: checkText(`${field}.description`, line.description, 500),
    };
  });
  if (terms.contractAmount !== null) {
    const total = sumDecimals([...terms.released, ...checked.map((line) => line.amount.amount)], minorUnits(terms.currency));
    if (compareDecimals(total, terms.contractAmount) > 0) {
      throw badInput('lines', `the schedule bills ${total} ${terms.currency} (released lines and other fee billing included), more than the contract's ${terms.contractAmount}`);
    }
  }
  return checked.map((line, index) => ({ line, index })).sort((a, b) => a.line.date.localeCompare(b.line.date) || a.index - b.index).map(({ line }) => line);
}

/** `psa.milestone.completed` as erp bills it. */
export interface CompletedMilestone {
  milestoneId: string;
  projectId: string;
  /** The project's contract as psa announced it; null: psa's project (through the gateway) names it, or none. */
  contractId: string | null;
  name: string;
  amount: Money;
  /** The day it was completed (UTC): the billing event's date. */
  completedOn: string;
}

/**
 * What a completed milestone bills: one billing event of source MILESTONE for its amount, on the project's contract,
 * customer and legal entity from erp's billing setup. It bills under any billing method — a milestone with an amount
 * on a T&M contract is a fee agreed on top of the hours — and a milestone of zero bills nothing. As for time:
 * without a contract nothing is billed (NO_CONTRACT); without a setup the event is HELD (NO_BILLING_SETUP, customer
 * and legal entity from psa's project) or, with no legal entity at all, not written; an amount not in the contract's
 * currency is HELD (CURRENCY_MISMATCH). The cap is checked when the event is written.
 */
export function planMilestoneBilling(
  milestone: CompletedMilestone,
  setup: SetupPostingFacts | null,
  project: ProjectPostingFacts | null,
): { billing: PlannedBilling | null; blocked: Blocked[] } {
  if (compareDecimals(milestone.amount.amount, '0') <= 0) return { billing: null, blocked: [] };
  const contractId = milestone.contractId ?? project?.contractId ?? null;
  if (!contractId) {
    return { billing: null, blocked: [{ code: 'NO_CONTRACT', reason: `project ${milestone.projectId} has no contract: milestone ${milestone.milestoneId} cannot be billed` }] };
  }
  const legalEntityId = setup?.legalEntityId ?? project?.legalEntityId ?? null;
  const customerId = setup?.customerId ?? project?.customerId ?? null;
  if (!legalEntityId || !customerId) {
    return {
      billing: null,
      blocked: [{ code: 'NO_BILLING_SETUP', reason: `contract ${contractId} has no billing setup and project ${milestone.projectId} no legal entity: milestone ${milestone.milestoneId} cannot be billed` }],
    };
  }
  let heldReason: PlannedBilling['heldReason'] = null;
  const blocked: Blocked[] = [];
  if (!setup) {
    heldReason = 'NO_BILLING_SETUP';
    blocked.push({ code: heldReason, reason: `contract ${contractId} has no billing setup: milestone ${milestone.milestoneId} is held` });
  } else if (milestone.amount.currency !== setup.currency) {
    heldReason = 'CURRENCY_MISMATCH';
    blocked.push({ code: heldReason, reason: `milestone ${milestone.milestoneId} is priced in ${milestone.amount.currency}, contract ${contractId} bills in ${setup.currency}: it is held` });
  }
  return {
    billing: {
      sourceType: 'MILESTONE', sourceId: milestone.milestoneId, contractId, projectId: milestone.projectId, customerId, legalEntityId,
      workerId: null, roleId: null, taskId: null, date: milestone.completedOn, description: `Milestone: ${milestone.name}`, hours: null,
      rate: null, amount: milestone.amount.amount, currency: milestone.amount.currency, heldReason,
    },
    blocked,
  };
}
