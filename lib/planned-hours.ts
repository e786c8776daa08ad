import { dayNumber, isoWeekdayOfDay } from './calendar-periods.ts';
import { toScaled } from './decimal.ts';

/** What psa plans for an assignment (or asks for in a staffing request): hours over a window of dates. */
export interface PlannedWindow {
  plannedHours: string | null;
  startDate: string;
  endDate: string;
}

/** Days of [from, to] (day numbers, inclusive), counting only Monday to Friday when `weekdaysOnly`. */
function daysWithin(from: number, to: number, weekdaysOnly: boolean): number {
  let count = 0;
  for (let day = from; day <= to; day++) if (!weekdaysOnly || isoWeekdayOfDay(day) <= 5) count++;
  return count;
}

/**
 * The one rule for where planned hours fall: a window's hours are spread evenly over its weekdays (Monday to
 * Friday; a window without a weekday over its calendar days). The share of [from, to] is planned × its weekdays
 * inside the window ÷ the window's weekdays, in hundredths of an hour, rounded half-up on its own (so the shares of
 * adjoining ranges may differ from the whole by a hundredth each). The worker's calendar, holidays and leave are
 * hcm's and not consulted: the plan is psa's one figure for the window. Used by psa's booking (availability,
 * capacity against demand, overbooking) and time's forecast (the plan still ahead).
 */
export function plannedHoursWithin(window: PlannedWindow, from: string, to: string): bigint {
  const planned = toScaled(window.plannedHours ?? '0', 2);
  const start = dayNumber(window.startDate);
  const end = dayNumber(window.endDate);
  const first = Math.max(start, dayNumber(from));
  const last = Math.min(end, dayNumber(to));
  if (planned === 0n || first > last) return 0n;
  const weekdaysOnly = daysWithin(start, end, true) > 0;
  const total = BigInt(daysWithin(start, end, weekdaysOnly));
  const inside = BigInt(daysWithin(first, last, weekdaysOnly));
  return (2n * planned * inside + total) / (2n * total);
}

/** The hours many windows book in [from, to]: the sum of their shares (`plannedHoursWithin`), in hundredths. */
export const bookedHoursWithin = (windows: readonly PlannedWindow[], from: string, to: string): bigint =>
  windows.reduce((sum, window) => sum + plannedHoursWithin(window, from, to), 0n);
