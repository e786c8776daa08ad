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

export interface CardRate extends EffectiveRate {
  /** The bill rate as a decimal string at the card's scale ("120.00"). */
  billRate: string;
}

/**
 * What setting a card's rates to `wanted` changes (an upsert gives a card's whole set of rates): a stored rate equal to
 * a wanted one (same role, bill rate and period) stays as it is, with its id; the others go and the missing ones come.
 * Nothing removed and nothing added: the card is unchanged.
 */
export function rateChanges<R extends CardRate & { id: string }>(stored: readonly R[], wanted: readonly CardRate[]) {
  const keyOf = (rate: CardRate) => JSON.stringify([rate.roleId, rate.billRate, rate.effectiveFrom, rate.effectiveTo]);
  const wantedKeys = new Set(wanted.map(keyOf));
  const storedKeys = new Set(stored.map(keyOf));
  return {
    removed: stored.filter((rate) => !wantedKeys.has(keyOf(rate))),
    added: wanted.filter((rate) => !storedKeys.has(keyOf(rate))),
  };
}
