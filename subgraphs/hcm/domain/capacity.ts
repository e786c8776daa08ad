import { badInput } from '../../../lib/errors.ts';
import { fromScaled, toScaled } from '../../../lib/decimal.ts';
import { dayNumber, isoWeekdayOfDay, dateOfDay, periodsWithin, type CalendarPeriod, type PeriodRange } from '../../../lib/calendar-periods.ts';

/** A work calendar as capacity counts it. */
export interface CapacityCalendar {
  hoursPerDay: string;
  workingDays: readonly number[];
  /** Public holiday dates of the calendar (any range; those outside [from, to] are ignored). */
  holidays: readonly string[];
}

export interface CapacityInput extends CapacityCalendar {
  from: string;
  to: string;
  /**
   * The worker's calendar is effective-dated: the fields above are the one in effect on `from`, and each change here
   * (in date order) is the calendar in effect from its date on.
   */
  calendarChanges?: ReadonlyArray<CapacityCalendar & { from: string }>;
  /** APPROVED leave of the worker (cancelled leave gives its hours back). */
  leaves: ReadonlyArray<{ startDate: string; endDate: string; hoursPerDay: string }>;
  hireDate: string;
  terminationDate: string | null;
}

/** One period's capacity: the period (clipped to the range asked) and the hours in it. */
export interface PeriodCapacity extends PeriodRange {
  hours: string;
}

/** Longest range one capacity question may span: ten years of days. */
export const MAX_CAPACITY_DAYS = 3660;

export function assertCapacityRange(from: string, to: string): void {
  if (to < from) throw badInput('to', `must be on or after from (${from})`);
  if (dayNumber(to) - dayNumber(from) + 1 > MAX_CAPACITY_DAYS) throw badInput('to', `a capacity range spans at most ${MAX_CAPACITY_DAYS} days`);
}

/**
 * The worker's available hours on each day of [from, to], as hundredths of an hour (index 0 is `from`). A day counts
 * when it is
 *   1/ within employment: on or after the hire date and on or before the termination date (the last day worked),
 *   2/ one of the working days of the calendar in effect that day, and
 *   3/ not a public holiday of that calendar;
 * it then counts the calendar's hours per day less the hours of approved leave that day, never below zero (leave on
 * a weekend or holiday takes nothing, since the day already counts zero).
 */
function dailyCapacity(input: CapacityInput): bigint[] {
  assertCapacityRange(input.from, input.to);
  const from = dayNumber(input.from);
  const first = Math.max(from, dayNumber(input.hireDate));
  const last = Math.min(dayNumber(input.to), input.terminationDate === null ? Infinity : dayNumber(input.terminationDate));
  const calendarOf = (calendar: CapacityCalendar, start: number) => ({
    start,
    fullDay: toScaled(calendar.hoursPerDay, 2),
    working: new Set(calendar.workingDays),
    holidays: new Set(calendar.holidays),
  });
  const calendars = [calendarOf(input, -Infinity), ...(input.calendarChanges ?? []).map((change) => calendarOf(change, dayNumber(change.from)))];
  const leaves = input.leaves.map((leave) => ({ start: dayNumber(leave.startDate), end: dayNumber(leave.endDate), hours: toScaled(leave.hoursPerDay, 2) }));
  const days = new Array<bigint>(dayNumber(input.to) - from + 1).fill(0n);
  let calendar = 0;
  for (let day = first; day <= last; day += 1) {
    while (calendar + 1 < calendars.length && calendars[calendar + 1].start <= day) calendar += 1;
    const { working, holidays, fullDay } = calendars[calendar];
    if (!working.has(isoWeekdayOfDay(day)) || holidays.has(dateOfDay(day))) continue;
    let hours = fullDay;
    for (const leave of leaves) if (leave.start <= day && day <= leave.end) hours -= leave.hours;
    if (hours > 0n) days[day - from] = hours;
  }
  return days;
}

/** A worker's available hours over [from, to], to 2 decimals, by the day rules of `dailyCapacity`. */
export function capacityHours(input: CapacityInput): string {
  return fromScaled(dailyCapacity(input).reduce((sum, hours) => sum + hours, 0n), 2);
}

/**
 * The same hours per day, ISO week or calendar month of [from, to]: one entry per period in order, the first and last
 * clipped to the range, so the periods' hours add up to `capacityHours` of the whole range.
 */
export function capacityByPeriod(input: CapacityInput, period: CalendarPeriod): PeriodCapacity[] {
  const days = dailyCapacity(input);
  const from = dayNumber(input.from);
  return periodsWithin(input.from, input.to, period).map(({ start, end }) => {
    let total = 0n;
    for (let day = dayNumber(start), last = dayNumber(end); day <= last; day += 1) total += days[day - from];
    return { start, end, hours: fromScaled(total, 2) };
  });
}
