import { DomainError } from '../../../lib/errors.ts';
import { effectiveOn, periodsOverlap } from './rates.ts';

export interface EffectiveTaxRate {
  id?: string;
  legalEntityId: string;
  /** Null: the legal entity's default, for customers in countries without a rate of their own. */
  customerCountry: string | null;
  effectiveFrom: string;
  effectiveTo: string | null;
}

const sameScope = (a: EffectiveTaxRate, b: EffectiveTaxRate) =>
  a.legalEntityId === b.legalEntityId && a.customerCountry === b.customerCountry;

const overlaps = (a: EffectiveTaxRate, b: EffectiveTaxRate) => sameScope(a, b) && periodsOverlap(a, b);

/**
 * A legal entity has at most one rate per customer country (and one default) on any date, so tax resolution never
 * has to choose. Refuses a rate whose period overlaps another of the same scope (the rate itself, when updated, is
 * excluded by id).
 */
export function assertNoTaxRateOverlap(existing: readonly EffectiveTaxRate[], candidate: EffectiveTaxRate): void {
  if (candidate.effectiveTo !== null && candidate.effectiveTo < candidate.effectiveFrom) {
    throw new DomainError('BAD_USER_INPUT', 'effectiveTo: must be on or after effectiveFrom', { field: 'effectiveTo' });
  }
  const clash = existing.find((other) => other.id !== candidate.id && overlaps(other, candidate));
  if (clash) {
    const scope = candidate.customerCountry ?? 'the default';
    throw new DomainError(
      'CONFLICT',
      `a tax rate of ${candidate.legalEntityId} for ${scope} already applies from ${clash.effectiveFrom}${clash.effectiveTo ? ` to ${clash.effectiveTo}` : ''}`,
      { conflictingTaxRateId: clash.id ?? null },
    );
  }
}

/**
 * The tax rate of an invoice, first match wins: 1/ the legal entity's rate for the customer's country effective on
 * the date, 2/ the legal entity's default rate effective on the date; else none (the invoice cannot be issued).
 */
export function taxRateFor<R extends EffectiveTaxRate>(
  rates: readonly R[],
  legalEntityId: string,
  customerCountry: string | null,
  date: string,
): R | null {
  const candidates = rates.filter((rate) => rate.legalEntityId === legalEntityId && effectiveOn(rate, date));
  return (
    (customerCountry ? candidates.find((rate) => rate.customerCountry === customerCountry) : undefined) ??
    candidates.find((rate) => rate.customerCountry === null) ??
    null
  );
}
