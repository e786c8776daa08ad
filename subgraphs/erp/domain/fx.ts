import { checkCurrency, checkDecimal } from '../../../lib/decimal.ts';
import { DomainError } from '../../../lib/errors.ts';
import { lineAmount, type Money } from './money.ts';
import { effectiveOn, periodsOverlap, type DatedRate } from './rates.ts';

/** An exchange rate: 1 `fromCurrency` = `rate` `toCurrency` on each day from `effectiveFrom` to `effectiveTo`. */
export interface EffectiveFxRate extends DatedRate {
  id?: string;
  fromCurrency: string;
  toCurrency: string;
}

/** Rates carry up to 10 decimals (1 IDR = 0.0000566 EUR needs them). */
export const fxRateScale = 10;

export const checkFxRate = (value: string) => checkDecimal('rate', value, { scale: fxRateScale, min: 'positive' });

/** The pair of a new rate: two ISO-4217 codes, not the same. */
export function checkFxPair(fromCurrency: string, toCurrency: string): { fromCurrency: string; toCurrency: string } {
  checkCurrency('fromCurrency', fromCurrency);
  checkCurrency('toCurrency', toCurrency);
  if (fromCurrency === toCurrency) {
    throw new DomainError('BAD_USER_INPUT', `toCurrency: a rate converts between two currencies, not ${fromCurrency} to itself`, { field: 'toCurrency' });
  }
  return { fromCurrency, toCurrency };
}

const samePair = (a: EffectiveFxRate, b: EffectiveFxRate) => a.fromCurrency === b.fromCurrency && a.toCurrency === b.toCurrency;

/**
 * A pair has at most one rate on any date, so conversion never has to choose. Refuses a rate whose period overlaps
 * another of the same pair (the rate itself, when updated, is excluded by id).
 */
export function assertNoFxRateOverlap(existing: readonly EffectiveFxRate[], candidate: EffectiveFxRate): void {
  const clash = existing.find((other) => other.id !== candidate.id && samePair(other, candidate) && periodsOverlap(other, candidate));
  if (clash) {
    throw new DomainError(
      'CONFLICT',
      `a ${candidate.fromCurrency} → ${candidate.toCurrency} rate already applies from ${clash.effectiveFrom}${clash.effectiveTo ? ` to ${clash.effectiveTo}` : ''}`,
      { conflictingFxRateId: clash.id ?? null },
    );
  }
}

/**
 * The rate that converts `from` into `to` on the date, or null. Only the quoted direction counts: erp never inverts
 * a rate (1 ÷ a rounded rate is not the published rate of the other direction, and would move amounts by cents).
 */
export function fxRateOn<R extends EffectiveFxRate & { rate: string }>(rates: readonly R[], from: string, to: string, date: string): R | null {
  return rates.find((rate) => rate.fromCurrency === from && rate.toCurrency === to && effectiveOn(rate, date)) ?? null;
}

/** What a billing event is worth in its legal entity's (functional) currency, as written on it. */
export interface FunctionalValue {
  fxRate: string | null;
  functionalCurrency: string | null;
  functionalAmount: string | null;
}

/**
 * The functional value of an amount: the same amount (rate 1) in the legal entity's own currency; else amount × the
 * rate, rounded half-up to the functional currency's minor unit, once (the rule of every line amount). Unknown: the
 * legal entity's currency is not known to erp (`functionalCurrency` null), or no rate applies (`rate` null): then
 * nothing is converted, and the caller decides whether that holds the event.
 */
export function functionalValue(amount: Money, functionalCurrency: string | null, rate: string | null): FunctionalValue {
  if (functionalCurrency === null) return { fxRate: null, functionalCurrency: null, functionalAmount: null };
  if (functionalCurrency === amount.currency) return { fxRate: '1', functionalCurrency, functionalAmount: amount.amount };
  if (rate === null) return { fxRate: null, functionalCurrency, functionalAmount: null };
  return { fxRate: rate, functionalCurrency, functionalAmount: lineAmount(amount.amount, rate, functionalCurrency) };
}
