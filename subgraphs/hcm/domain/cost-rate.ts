import { badInput, DomainError } from '../../../lib/errors.ts';

export interface EffectivePeriod {
  effectiveFrom: string;
  /** Last day the rate applies; open-ended when null. */
  effectiveTo: string | null;
}

const overlaps = (a: EffectivePeriod, b: EffectivePeriod) =>
  (a.effectiveTo === null || a.effectiveTo >= b.effectiveFrom) && (b.effectiveTo === null || b.effectiveTo >= a.effectiveFrom);

/**
 * A worker has at most one cost rate on any date, so costing an hour never has to choose. Refuses a period that ends
 * before it starts (BAD_USER_INPUT) or that shares a day with an existing rate (CONFLICT); an open-ended rate must be
 * closed (given an effectiveTo) before a later one can be added.
 */
export function assertNoOverlap(existing: readonly EffectivePeriod[], added: EffectivePeriod): void {
  if (added.effectiveTo !== null && added.effectiveTo < added.effectiveFrom) {
    throw badInput('effectiveTo', `must be on or after effectiveFrom (${added.effectiveFrom})`);
  }
  const clash = existing.find((other) => overlaps(other, added));
  if (clash) {
    throw new DomainError(
      'CONFLICT',
      `cost rate from ${added.effectiveFrom} overlaps the rate from ${clash.effectiveFrom}${clash.effectiveTo ? ` to ${clash.effectiveTo}` : ' (open-ended)'}`,
      { field: 'effectiveFrom', clashingFrom: clash.effectiveFrom },
    );
  }
}

/** The rate whose [effectiveFrom, effectiveTo] contains `date`, or null (no cost rate: the hour cannot be costed). */
export function costRateOn<R extends EffectivePeriod>(rates: readonly R[], date: string): R | null {
  return rates.find((rate) => rate.effectiveFrom <= date && (rate.effectiveTo === null || rate.effectiveTo >= date)) ?? null;
}
