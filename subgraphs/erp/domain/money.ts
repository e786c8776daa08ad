import { fromScaled, minorUnits, roundDecimal, toScaled } from '../../../lib/decimal.ts';

export interface Money {
  amount: string;
  currency: string;
}

/** Lives in lib/decimal.ts (time validates expense amounts with it too); re-exported for erp's callers. */
export { minorUnits } from '../../../lib/decimal.ts';

const fractionDigits = (value: string) => value.split('.')[1]?.length ?? 0;

/** The exact product of two decimals (no rounding): as many fraction digits as both factors together. */
export function multiplyDecimals(a: string, b: string): string {
  const scaleA = fractionDigits(a.trim());
  const scaleB = fractionDigits(b.trim());
  return fromScaled(toScaled(a, scaleA) * toScaled(b, scaleB), scaleA + scaleB);
}

/**
 * The amount of a line: quantity (hours, units) × unit price (rate), rounded half-up (a half goes away from zero)
 * to the currency's minor unit, once, on the product. Totals are sums of these rounded amounts, never re-rounded.
 */
export const lineAmount = (quantity: string, unitPrice: string, currency: string): string =>
  roundDecimal(multiplyDecimals(quantity, unitPrice), minorUnits(currency));

export const negate = (amount: string): string => {
  const scale = fractionDigits(amount.trim());
  return fromScaled(-toScaled(amount, scale), scale);
};

/** Exact sum of decimals, printed with as many fraction digits as the most precise term (at least `minScale`). */
export function sumDecimals(values: readonly string[], minScale = 0): string {
  const scale = values.reduce((widest, value) => Math.max(widest, fractionDigits(value.trim())), minScale);
  return fromScaled(
    values.reduce((total, value) => total + toScaled(value, scale), 0n),
    scale,
  );
}

/**
 * Sums amounts per currency: one Money per currency that occurs, ordered by currency code. Unlike currencies are
 * never added together; converting them is a business decision (rate, date) this function does not make.
 */
export function sumByCurrency(amounts: readonly Money[]): Money[] {
  const byCurrency = new Map<string, string[]>();
  for (const { amount, currency } of amounts) {
    const list = byCurrency.get(currency) ?? [];
    list.push(amount);
    byCurrency.set(currency, list);
  }
  return [...byCurrency.keys()]
    .sort()
    .map((currency) => ({ currency, amount: sumDecimals(byCurrency.get(currency)!, minorUnits(currency)) }));
}

/** `part` as a percentage of `whole` (lib/decimal.ts: rounded half-up to 2 places; null when `whole` is zero). */
export { percentOf } from '../../../lib/decimal.ts';

/** A stored amount and its currency column as the GraphQL Money type; null amount → null. */
export const money = (amount: string, currency: string): Money => ({ amount, currency });
export const optionalMoney = (amount: string | null, currency: string): Money | null => (amount === null ? null : { amount, currency });
