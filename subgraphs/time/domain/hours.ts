import { checkDecimal } from '../../../lib/decimal.ts';
import { badInput } from '../../../lib/errors.ts';

/** Most hours one entry can hold: a whole day. (The per-day total across entries is checked at capture.) */
export const MAX_ENTRY_HOURS = '24';

/**
 * Hours of one time entry: a decimal string with at most two places (no silent rounding of what the worker typed),
 * more than 0 and at most 24. Returns the value as given; the numeric(12, 2) column stores it exactly.
 */
export const checkHours = (field: string, value: string): string =>
  checkDecimal(field, value, { scale: 2, min: 'positive', max: MAX_ENTRY_HOURS });

const clockPattern = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes since midnight of an "HH:MM" time of day (00:00-23:59). */
export function clockMinutes(field: string, value: string): number {
  const match = clockPattern.exec(value);
  if (!match) throw badInput(field, `"${value}" is not a time of day (HH:MM, 00:00-23:59)`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/**
 * Optional start and end of an entry: both or neither, start before end on the same day, and the hours booked no
 * more than the time between them (a break may make them fewer).
 */
export function checkClockSpan(startTime: string | null | undefined, endTime: string | null | undefined, hours: string): void {
  if (startTime == null && endTime == null) return;
  if (startTime == null || endTime == null) throw badInput(startTime == null ? 'startTime' : 'endTime', 'give both startTime and endTime, or neither');
  const start = clockMinutes('startTime', startTime);
  const end = clockMinutes('endTime', endTime);
  if (end <= start) throw badInput('endTime', `must be after startTime (${startTime})`);
  // Compared in hundredths of a minute, so no float ever touches the hours.
  const [whole, fraction = ''] = checkHours('hours', hours).split('.');
  const bookedCentiMinutes = (Number(whole) * 100 + Number(fraction.padEnd(2, '0'))) * 60;
  if (bookedCentiMinutes > (end - start) * 100) throw badInput('hours', `${hours} h do not fit between ${startTime} and ${endTime}`);
}
