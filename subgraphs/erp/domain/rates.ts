import { checkDate, checkDateRange } from '../../../lib/validate.ts';

/** An effective-dated rate as the plan and the rate card carry it. */
export interface DatedRate {
  effectiveFrom: string;
  effectiveTo: string | null;
}

/** Whether the rate applies on the date (its period includes both ends; an open end runs forever). */
export const effectiveOn = (rate: DatedRate, date: string) => rate.effectiveFrom <= date && (rate.effectiveTo === null || rate.effectiveTo >= date);

/** A new rate's period (tax and FX rates alike): two dates, the end (when given) on or after the start. */
export function checkedPeriod(input: { effectiveFrom: string; effectiveTo?: string | null }): DatedRate {
  const period = { effectiveFrom: checkDate('effectiveFrom', input.effectiveFrom), effectiveTo: input.effectiveTo == null ? null : checkDate('effectiveTo', input.effectiveTo) };
  checkDateRange('effectiveFrom', period.effectiveFrom, 'effectiveTo', period.effectiveTo);
  return period;
}

/** The dates an update gives, checked before the rate is read. */
export function checkPeriodDates(input: { effectiveFrom?: string | null; effectiveTo?: string | null }): void {
  if (input.effectiveFrom != null) checkDate('effectiveFrom', input.effectiveFrom);
  if (input.effectiveTo != null) checkDate('effectiveTo', input.effectiveTo);
}

/**
 * A stored rate's period after an update: a start given replaces it; an explicit null end makes the rate open-ended,
 * an absent one keeps the end date. The end stays on or after the start.
 */
export function updatedPeriod(current: { effective_from: string; effective_to: string | null }, input: { effectiveFrom?: string | null; effectiveTo?: string | null }): DatedRate {
  const period = { effectiveFrom: input.effectiveFrom ?? current.effective_from, effectiveTo: input.effectiveTo !== undefined ? input.effectiveTo : current.effective_to };
  checkDateRange('effectiveFrom', period.effectiveFrom, 'effectiveTo', period.effectiveTo);
  return period;
}

/** Whether two periods share a day: tax rates of one scope and FX rates of one pair may not. */
export const periodsOverlap = (a: DatedRate, b: DatedRate) =>
  (a.effectiveTo === null || a.effectiveTo >= b.effectiveFrom) && (b.effectiveTo === null || b.effectiveTo >= a.effectiveFrom);

/**
 * The bill rate of a billable time entry (DESIGN §2), first match wins:
 * 1/ the assignment's bill-rate override;
 * 2/ the contract rate card's rate for the entry's role, effective on the entry's date;
 * else null: RATE_NOT_FOUND (the entry cannot be billed; erp holds it).
 */
export function billRateFor(entry: {
  roleId: string;
  date: string;
  billRateOverride: string | null | undefined;
  rateCard: ReadonlyArray<DatedRate & { roleId: string; billRate: string }>;
}): string | null {
  if (entry.billRateOverride != null) return entry.billRateOverride;
  return entry.rateCard.find((rate) => rate.roleId === entry.roleId && effectiveOn(rate, entry.date))?.billRate ?? null;
}

/** The worker's cost rate effective on a date (hcm's effective-dated rates never overlap), or null. */
export function costRateOn<R extends DatedRate>(costRates: readonly R[], date: string): R | null {
  return costRates.find((rate) => effectiveOn(rate, date)) ?? null;
}
