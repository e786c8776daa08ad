import { badInput } from './errors.ts';

/**
 * Exact decimal arithmetic on strings, through scaled BigInts. Money, rates and hours never pass through a float.
 * Rounding is half-up (away from zero at .5), the rule DESIGN §2 states for line amounts.
 */
const pattern = /^(-)?(\d+)(?:\.(\d+))?$/;

/** The value times 10^scale as a BigInt, rounded half-up when it has more fraction digits than `scale`. */
export function toScaled(value: string, scale: number): bigint {
  const match = pattern.exec(value.trim());
  if (!match) throw new Error(`not a decimal: ${value}`);
  const [, sign, whole, fraction = ''] = match;
  const kept = (fraction + '0'.repeat(scale)).slice(0, scale);
  let scaled = BigInt(whole + kept);
  const next = fraction.length > scale ? Number(fraction[scale]) : 0;
  if (next >= 5) scaled += 1n;
  return sign ? -scaled : scaled;
}

export function fromScaled(scaled: bigint, scale: number): string {
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative && scaled !== 0n ? `-${text}` : text;
}

/** Rounds half-up to `scale` fraction digits and prints exactly that many. */
export const roundDecimal = (value: string, scale: number) => fromScaled(toScaled(value, scale), scale);

/** A decimal without its fraction's trailing zeros ("0.9200000000" → "0.92", "1.0000" → "1"): how a stored rate reads. */
export const trimDecimal = (value: string) => (value.includes('.') ? value.replace(/\.?0+$/, '') : value);

/**
 * A stored percentage as the schema documents percentages: two places ("19.0000" → "19.00"), more only when the
 * value has them ("8.8750" → "8.875"), so a rate reads as people write it and nothing stored is lost.
 */
export function percentText(value: string): string {
  const trimmed = trimDecimal(String(value));
  const [whole, fraction = ''] = trimmed.split('.');
  return `${whole}.${fraction.padEnd(2, '0')}`;
}

export const compareDecimals = (a: string, b: string) => {
  const scale = 12;
  const difference = toScaled(a, scale) - toScaled(b, scale);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
};

/**
 * `a` ÷ `b` rounded half-up (away from zero) to `scale` places; null when `b` is zero. Exact: both are read at the
 * wider of their own scales, so no digit is lost before the division.
 */
export function divideDecimals(a: string, b: string, scale: number): string | null {
  const digits = Math.max(fractionDigitsOf(a), fractionDigitsOf(b));
  const numerator = toScaled(a, digits) * 10n ** BigInt(scale);
  const denominator = toScaled(b, digits);
  if (denominator === 0n) return null;
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const rounded = (2n * n + d) / (2n * d);
  return fromScaled(negative ? -rounded : rounded, scale);
}

/** `part` as a percentage of `whole`, rounded half-up to 2 places; null when `whole` is zero. */
export const percentOf = (part: string, whole: string): string | null => divideDecimals(toPercentScale(part), whole, 2);

const fractionDigitsOf = (value: string) => value.trim().split('.')[1]?.length ?? 0;
/** `value` × 100, exactly (the decimal point moved two places). */
const toPercentScale = (value: string) => fromScaled(toScaled(value, fractionDigitsOf(value)) * 100n, fractionDigitsOf(value));

export const addDecimals = (a: string, b: string, scale: number) => fromScaled(toScaled(a, scale) + toScaled(b, scale), scale);

/**
 * A user-supplied decimal checked against its column: at most `scale` fraction digits (no silent rounding of input)
 * and, when asked, not negative / greater than zero.
 */
export function checkDecimal(
  field: string,
  value: string,
  options: { scale: number; min?: 'zero' | 'positive'; max?: string },
): string {
  const match = pattern.exec(value);
  if (!match) throw badInput(field, `"${value}" is not a decimal`);
  if ((match[3] ?? '').length > options.scale) throw badInput(field, `at most ${options.scale} decimal places`);
  if (options.min === 'zero' && match[1]) throw badInput(field, 'must not be negative');
  if (options.min === 'positive' && compareDecimals(value, '0') <= 0) throw badInput(field, 'must be greater than zero');
  if (options.max && compareDecimals(value, options.max) > 0) throw badInput(field, `must be at most ${options.max}`);
  return value;
}

const currencyPattern = /^[A-Z]{3}$/;

export function checkCurrency(field: string, value: string): string {
  if (!currencyPattern.test(value)) throw badInput(field, `"${value}" is not an ISO-4217 currency code`);
  return value;
}

/** ISO 4217 currencies whose minor unit is not the usual 2 digits (cents). */
const minorDigits: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
};

/** How many fraction digits the currency's smallest unit has: 2 unless ISO 4217 says otherwise (JPY 0, KWD 3). */
export const minorUnits = (currency: string): number => minorDigits[currency] ?? 2;
