/** An effective-dated rate as the plan and the rate card carry it. */
export interface DatedRate {
  effectiveFrom: string;
  effectiveTo: string | null;
}

/** Whether the rate applies on the date (its period includes both ends; an open end runs forever). */
export const effectiveOn = (rate: DatedRate, date: string) => rate.effectiveFrom <= date && (rate.effectiveTo === null || rate.effectiveTo >= date);

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
