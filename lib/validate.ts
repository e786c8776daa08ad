import { badInput } from './errors.ts';
import { isIsoDate } from './graphql/scalars.ts';

/** A required text field: trimmed, not empty, bounded. */
export function checkText(field: string, value: string, maxLength = 200): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw badInput(field, 'must not be empty');
  if (trimmed.length > maxLength) throw badInput(field, `at most ${maxLength} characters`);
  return trimmed;
}

/** An optional text field: empty becomes null. */
export const optionalText = (field: string, value: string | null | undefined, maxLength = 200): string | null =>
  value == null || value.trim() === '' ? null : checkText(field, value, maxLength);

export function checkDate(field: string, value: string): string {
  if (!isIsoDate(value)) throw badInput(field, `"${value}" is not a date (YYYY-MM-DD)`);
  return value;
}

/** `to` (when given) is on or after `from`. */
export function checkDateRange(fromField: string, from: string, toField: string, to: string | null | undefined): void {
  if (to != null && to < from) throw badInput(toField, `must be on or after ${fromField} (${from})`);
}

export function checkInteger(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw badInput(field, `must be an integer from ${min} to ${max}`);
  return value;
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function checkEmail(field: string, value: string | null | undefined): string | null {
  if (value == null || value === '') return null;
  if (!emailPattern.test(value)) throw badInput(field, `"${value}" is not an email address`);
  return value;
}
