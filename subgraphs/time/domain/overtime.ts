import { fromScaled, toScaled } from '../../../lib/decimal.ts';
import { addDays, isoWeekday, weekStartOf } from './iso-week.ts';

/**
 * Regular and overtime hours of one worker (the payroll contract; the approval queue's overtime flags use it too).
 *
 * Rules, applied to the worker's approved hours per calendar day, each day under the work calendar in effect that day
 * (hcm's effective-dated calendar: a change of calendar takes effect on its date, not back to the start of the week):
 * 1. A day's regular limit is its calendar's `hoursPerDay`, whatever the day; hours above it are daily overtime.
 * 2. An ISO week's (Monday–Sunday) regular limit is the sum of `hoursPerDay` over its contracted days: working days
 *    (ISO weekday in `workingDays`) that are not public holidays, each by its own calendar (one calendar all week:
 *    `hoursPerDay` × its contracted days). Walking the week's days in date order, the regular hours left after
 *    rule 1 count against it; those beyond it become weekly overtime on the day where the limit is passed and on
 *    every later day. An hour is overtime once: weekly overtime only ever takes hours rule 1 left regular. So work on
 *    a weekend or a holiday is regular only while the week is short of its contracted hours (a part-timer's extra day
 *    is regular; a full week plus a Saturday makes the Saturday overtime).
 * 3. The week is always the whole ISO week, whatever period is reported: a pay period that cuts a week reports its
 *    own days of the week's split, so two adjacent periods add up to the whole week.
 *
 * Hours are exact decimals with two places (lib/decimal.ts), summed as scaled integers; never floats.
 */
export interface OvertimeCalendar {
  /** Hours of a working day, e.g. "8.00". */
  hoursPerDay: string;
  /** ISO weekdays worked: 1 = Monday … 7 = Sunday. */
  workingDays: readonly number[];
  /** Public holidays (YYYY-MM-DD); only those in the weeks computed matter. */
  holidays: ReadonlySet<string>;
}

/** A calendar and the days it is in effect for the worker (`to` null: open-ended). */
export interface DatedOvertimeCalendar extends OvertimeCalendar {
  from: string;
  to: string | null;
}

/** The calendar in effect on each date. */
export type CalendarOfDay = (date: string) => OvertimeCalendar;

/**
 * The calendar of each day from a worker's dated calendars (oldest first, as hcm's history lists them): a day before
 * the first keeps the first (the one they were hired with), a day after the last keeps the last.
 */
export function calendarOfDay(calendars: readonly DatedOvertimeCalendar[]): CalendarOfDay {
  if (calendars.length === 0) throw new Error('a worker has at least one calendar');
  return (date) => calendars.find((calendar) => calendar.from <= date && (calendar.to === null || date <= calendar.to)) ?? (date < calendars[0].from ? calendars[0] : calendars[calendars.length - 1]);
}

/** A worker's calendars as hcm lists them (holidays as dates) → the calendar of each day. */
export const overtimeCalendars = (facts: { calendars: ReadonlyArray<Omit<DatedOvertimeCalendar, 'holidays'> & { holidays: readonly string[] }> }): CalendarOfDay =>
  calendarOfDay(facts.calendars.map((calendar) => ({ ...calendar, holidays: new Set(calendar.holidays) })));

const byDay = (calendar: OvertimeCalendar | CalendarOfDay): CalendarOfDay => (typeof calendar === 'function' ? calendar : () => calendar);

/** A worker's total approved hours on one date. */
export interface DayHours {
  date: string;
  hours: string;
}

/** One day's hours split: regular + dailyOvertime + weeklyOvertime = hours; overtime = the two overtimes. */
export interface DaySplit {
  date: string;
  hours: string;
  regular: string;
  dailyOvertime: string;
  weeklyOvertime: string;
  overtime: string;
}

export interface HoursTotals {
  regular: string;
  overtime: string;
  total: string;
}

/** Limits of one week, in hundredths of an hour: each day's (by date) and the week's. */
export interface WeekLimits {
  day: (date: string) => bigint;
  week: bigint;
}

const SCALE = 2;
const scaled = (value: string) => toScaled(value, SCALE);
const text = (value: bigint) => fromScaled(value, SCALE);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

/** Rule 1: hoursPerDay, whatever the day. */
export function regularLimitOfDay(calendar: OvertimeCalendar): string {
  return calendar.hoursPerDay;
}

/** A day the calendar expects work on: a working weekday that is not a public holiday. */
const isContractedDay = (calendar: OvertimeCalendar, date: string) => calendar.workingDays.includes(isoWeekday(date)) && !calendar.holidays.has(date);

/** Rule 2: hoursPerDay × the working, non-holiday days of the ISO week starting on `weekStart` (a Monday). */
export function regularLimitOfWeek(calendar: OvertimeCalendar | CalendarOfDay, weekStart: string): string {
  return text(limitsOfWeek(calendar, weekStart).week);
}

export function limitsOfWeek(calendar: OvertimeCalendar | CalendarOfDay, weekStart: string): WeekLimits {
  const on = byDay(calendar);
  let week = 0n;
  for (let offset = 0; offset < 7; offset++) {
    const date = addDays(weekStart, offset);
    if (isContractedDay(on(date), date)) week += scaled(on(date).hoursPerDay);
  }
  return { day: (date) => scaled(on(date).hoursPerDay), week };
}

/**
 * Rules 1 and 2 on one week's days under explicit limits: the engine `splitWorkerWeek` runs with the calendar's.
 * Days are taken in date order; each date at most once.
 */
export function splitWeekWithinLimits(limits: WeekLimits, days: readonly DayHours[]): DaySplit[] {
  const ordered = [...days].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  let regularSoFar = 0n;
  return ordered.map((day, index) => {
    if (index > 0 && ordered[index - 1].date === day.date) throw new Error(`hours of ${day.date} given twice`);
    const hours = scaled(day.hours);
    if (hours < 0n) throw new Error(`negative hours on ${day.date}: ${day.hours}`);
    const withinDay = min(hours, limits.day(day.date));
    const leftInWeek = limits.week > regularSoFar ? limits.week - regularSoFar : 0n;
    const regular = min(withinDay, leftInWeek);
    regularSoFar += regular;
    const dailyOvertime = hours - withinDay;
    const weeklyOvertime = withinDay - regular;
    return {
      date: day.date,
      hours: text(hours),
      regular: text(regular),
      dailyOvertime: text(dailyOvertime),
      weeklyOvertime: text(weeklyOvertime),
      overtime: text(dailyOvertime + weeklyOvertime),
    };
  });
}

/** One worker-week: `days` must all lie in one ISO week (days without hours may be left out). */
export function splitWorkerWeek(calendar: OvertimeCalendar | CalendarOfDay, days: readonly DayHours[]): DaySplit[] {
  if (days.length === 0) return [];
  const weekStart = weekStartOf(days[0].date);
  const stray = days.find((day) => weekStartOf(day.date) !== weekStart);
  if (stray) throw new Error(`${stray.date} is not in the ISO week starting ${weekStart}`);
  return splitWeekWithinLimits(limitsOfWeek(calendar, weekStart), days);
}

/** Any number of weeks: each ISO week is split on its own (pass whole weeks: see rule 3). Sorted by date. */
export function splitWorkerDays(calendar: OvertimeCalendar | CalendarOfDay, days: readonly DayHours[]): DaySplit[] {
  const weeks = new Map<string, DayHours[]>();
  for (const day of days) {
    const weekStart = weekStartOf(day.date);
    weeks.set(weekStart, [...(weeks.get(weekStart) ?? []), day]);
  }
  return [...weeks.keys()].sort().flatMap((weekStart) => splitWorkerWeek(calendar, weeks.get(weekStart)!));
}

/** Totals of the split days dated within [from, to]. */
export function totalsWithin(splits: readonly DaySplit[], from: string, to: string): HoursTotals {
  let regular = 0n;
  let overtime = 0n;
  for (const split of splits) {
    if (split.date < from || split.date > to) continue;
    regular += scaled(split.regular);
    overtime += scaled(split.overtime);
  }
  return { regular: text(regular), overtime: text(overtime), total: text(regular + overtime) };
}
