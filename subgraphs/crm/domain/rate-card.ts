import { DomainError } from '../../../lib/errors.ts';

export interface EffectiveRate {
  roleId: string;
  effectiveFrom: string;
  effectiveTo: string | null;
}

const overlaps = (a: EffectiveRate, b: EffectiveRate) =>
  a.roleId === b.roleId &&
  (a.effectiveTo === null || a.effectiveTo >= b.effectiveFrom) &&
  (b.effectiveTo === null || b.effectiveTo >= a.effectiveFrom);

/**
 * A role has at most one bill rate on any date, so rate resolution never has to choose. Refuses a rate whose period
 * overlaps another of the same role (on the card, or in the same input).
 */
export function assertNoOverlap(existing: readonly EffectiveRate[], added: readonly EffectiveRate[]): void {
  const all = [...existing];
  for (const rate of added) {
    if (rate.effectiveTo !== null && rate.effectiveTo < rate.effectiveFrom) {
      throw new DomainError('BAD_USER_INPUT', `rate for role ${rate.roleId}: effectiveTo is before effectiveFrom`, { field: 'effectiveTo' });
    }
    const clash = all.find((other) => overlaps(other, rate));
    if (clash) {
      throw new DomainError(
        'CONFLICT',
        `rate for role ${rate.roleId} from ${rate.effectiveFrom} overlaps the rate from ${clash.effectiveFrom}`,
        { roleId: rate.roleId },
      );
    }
    all.push(rate);
  }
}

/** The rate card's rate for a role on a date: the one whose [effectiveFrom, effectiveTo] contains it, if any. */
export function rateOn<R extends EffectiveRate>(rates: readonly R[], roleId: string, date: string): R | null {
  return (
    rates.find((rate) => rate.roleId === roleId && rate.effectiveFrom <= date && (rate.effectiveTo === null || rate.effectiveTo >= date)) ??
    null
  );
}
