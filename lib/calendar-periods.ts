import { fromScaled, toScaled } from './decimal.ts';
import { badInput } from './errors.ts';

/**
 * Calendar periods for planning and KPI questions: days, ISO weeks (Monday to Sunday) and calendar months. Dates are
 * plain YYYY-MM-DD strings with no time zone, so everything is computed on UTC midnights.
 */
export type CalendarPeriod = 'DAY' | 'WEEK' | 'MONTH';

/** One period of a range: [start, end], both inclusive. */
export interface PeriodRange {
  start: string;
  end: string;
}

/** Most periods one question may be cut into (ten years of days). */
export const MAX_PERIODS = 3660;

const dayMs = 86_400_000;

/** Days since 1970-01-01 of a calendar date. */
export const dayNumber = (date: string): number => Math.floor(Date.parse(`${date}T00:00:00Z`) / dayMs);
export const dateOfDay = (day: number): string => new Date(day * dayMs).toISOString().slice(0, 10);
/** ISO weekday of a day number: 1 = Monday … 7 = Sunday (day 0, 1970-01-01, was a Thursday). */
export const isoWeekdayOfDay = (day: number): number => ((((day + 3) % 7) + 7) % 7) + 1;

/** The last day of the period that holds `day`. */
function periodEndDay(day: number, period: CalendarPeriod): number {
  if (period === 'DAY') return day;
  if (period === 'WEEK') return day + (7 - isoWeekdayOfDay(day));
  const date = new Date(day * dayMs);
  return Math.floor(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0) / dayMs);
}

/**
 * [from, to] cut into whole periods in order; the first and the last are clipped to the range, so a week that starts
 * before `from` begins at `from`. Refuses a range that ends before it starts or that would make more than
 * MAX_PERIODS periods.
 */
export function periodsWithin(from: string, to: string, period: CalendarPeriod): PeriodRange[] {
  if (to < from) throw badInput('to', `must be on or after from (${from})`);
  const last = dayNumber(to);
  const periods: PeriodRange[] = [];
  for (let start = dayNumber(from); start <= last; ) {
    const end = Math.min(periodEndDay(start, period), last);
    periods.push({ start: dateOfDay(start), end: dateOfDay(end) });
    if (periods.length > MAX_PERIODS) throw badInput('to', `a question may span at most ${MAX_PERIODS} periods`);
    start = end + 1;
  }
  return periods;
}

/**
 * The period of `periods` (in order, not overlapping, as `periodsWithin` cuts them) that holds `date`, or undefined:
 * a binary search, as KPI answers look up a period for every day of every worker (a year by day is 365 periods).
 */
export function periodHolding<P extends PeriodRange>(periods: readonly P[], date: string): P | undefined {
  let low = 0;
  let high = periods.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const period = periods[middle];
    if (date < period.start) high = middle - 1;
    else if (date > period.end) low = middle + 1;
    else return period;
  }
  return undefined;
}

/**
 * Hours per period (hcm's `capacity` of a span of a worker's history, whose periods start on the span's first day
 * within the range, which may be mid-period) re-keyed by the start of the question's period holding each, summed.
 */
export function hoursByPeriod(entries: ReadonlyArray<{ start: string; hours: string }>, periods: readonly PeriodRange[]): Map<string, string> {
  const hundredths = new Map<string, bigint>();
  for (const entry of entries) {
    const start = periodHolding(periods, entry.start)?.start ?? entry.start;
    hundredths.set(start, (hundredths.get(start) ?? 0n) + toScaled(entry.hours, 2));
  }
  return new Map([...hundredths].map(([start, hours]) => [start, fromScaled(hours, 2)]));
}
