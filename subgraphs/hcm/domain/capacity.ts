import { badInput } from '../../../lib/errors.ts';
import { fromScaled, toScaled } from '../../../lib/decimal.ts';

export interface CapacityInput {
  from: string;
  to: string;
  /** The worker's calendar. */
  hoursPerDay: string;
  workingDays: readonly number[];
  /** Public holiday dates of the calendar (any range; those outside [from, to] are ignored). */
  holidays: readonly string[];
  /** APPROVED leave of the worker (cancelled leave gives its hours back). */
  leaves: ReadonlyArray<{ startDate: string; endDate: string; hoursPerDay: string }>;
  hireDate: string;
  terminationDate: string | null;
}

/** Longest range one capacity question may span: ten years of days. */
export const MAX_CAPACITY_DAYS = 3660;

const dayMs = 86_400_000;
const toDay = (date: string) => Math.floor(Date.parse(`${date}T00:00:00Z`) / dayMs);
const fromDay = (day: number) => new Date(day * dayMs).toISOString().slice(0, 10);
/** ISO weekday of a day number: 1 = Monday … 7 = Sunday (day 0, 1970-01-01, was a Thursday). */
const isoWeekday = (day: number) => ((((day + 3) % 7) + 7) % 7) + 1;

export function assertCapacityRange(from: string, to: string): void {
  if (to < from) throw badInput('to', `must be on or after from (${from})`);
  if (toDay(to) - toDay(from) + 1 > MAX_CAPACITY_DAYS) throw badInput('to', `a capacity range spans at most ${MAX_CAPACITY_DAYS} days`);
}

/**
 * A worker's available hours over [from, to], to 2 decimals. Each day counts when it is
 *   1/ within employment: on or after the hire date and on or before the termination date (the last day worked),
 *   2/ one of the calendar's working days, and
 *   3/ not a public holiday of the calendar;
 * it then counts the calendar's hours per day less the hours of approved leave that day, never below zero (leave on
 * a weekend or holiday takes nothing, since the day already counts zero).
 */
export function capacityHours(input: CapacityInput): string {
  assertCapacityRange(input.from, input.to);
  const first = Math.max(toDay(input.from), toDay(input.hireDate));
  const last = Math.min(toDay(input.to), input.terminationDate === null ? Infinity : toDay(input.terminationDate));
  const fullDay = toScaled(input.hoursPerDay, 2);
  const working = new Set(input.workingDays);
  const holidays = new Set(input.holidays);
  const leaves = input.leaves.map((leave) => ({ start: toDay(leave.startDate), end: toDay(leave.endDate), hours: toScaled(leave.hoursPerDay, 2) }));
  let total = 0n;
  for (let day = first; day <= last; day += 1) {
    if (!working.has(isoWeekday(day)) || holidays.has(fromDay(day))) continue;
    let hours = fullDay;
    for (const leave of leaves) if (leave.start <= day && day <= leave.end) hours -= leave.hours;
    if (hours > 0n) total += hours;
  }
  return fromScaled(total, 2);
}
