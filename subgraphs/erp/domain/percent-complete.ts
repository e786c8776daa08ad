import { compareDecimals, divideDecimals, fromScaled, toScaled } from '../../../lib/decimal.ts';
import { minorUnits, multiplyDecimals } from './money.ts';

/** What percent-complete billing knows of a contract on a date. */
export interface PercentCompleteFacts {
  /** The fixed fee (the contract's amount). */
  fee: string;
  currency: string;
  /**
   * Approved hours to date on the contract's projects (dated up to asOf): those costed (live cost postings of time
   * entries) and those erp could not cost (no cost rate), alike — progress is hours, not cost.
   */
  hoursToDate: string;
  /** The projects' budget hours, summed (positive). */
  budgetHours: string;
  /** What earlier runs billed (live PERCENT_COMPLETE events, HELD included: a held event still counts as asked). */
  billed: string;
}

export interface PercentCompleteBill {
  /** hours to date ÷ budget hours, capped at 100, as a percentage rounded half-up to 2 places (for people). */
  percentComplete: string;
  /** fee × min(hours ÷ budget, 1), rounded half-up once to the currency's minor unit. */
  earned: string;
  /** earned − billed, never negative: what this run bills (zero: nothing). */
  due: string;
}

/**
 * Percent-complete billing of a FIXED_FEE contract (DESIGN §2): earned = fee × min(hours to date ÷ budget hours, 1),
 * computed exactly (fee × hours ÷ budget, one division) and rounded half-up once to the currency's minor unit; the run
 * bills earned − already billed, never a negative amount (hours taken back after they were billed are not credited
 * by it: finance credits by a credit note). Capped at 100 %: the fee is never passed.
 */
export function percentCompleteBill(facts: PercentCompleteFacts): PercentCompleteBill {
  const scale = minorUnits(facts.currency);
  const capped = compareDecimals(facts.hoursToDate, facts.budgetHours) >= 0;
  const earned = capped ? fromScaled(toScaled(facts.fee, scale), scale) : divideDecimals(multiplyDecimals(facts.fee, facts.hoursToDate), facts.budgetHours, scale)!;
  const difference = toScaled(earned, scale) - toScaled(facts.billed, scale);
  const percentComplete = capped ? '100.00' : divideDecimals(multiplyDecimals(facts.hoursToDate, '100'), facts.budgetHours, 2)!;
  return { percentComplete, earned, due: fromScaled(difference > 0n ? difference : 0n, scale) };
}
