import { badInput } from '../../../lib/errors.ts';

/**
 * ISO-8601 week arithmetic on calendar dates (YYYY-MM-DD strings). A calendar date has no time zone, so everything
 * is computed on UTC midnights. Weeks run Monday to Sunday; week 1 of a year is the week holding its first Thursday,
 * so the last days of December can belong to week 1 of the next year and the first days of January to week 52 or 53
 * of the previous one.
 */
const dayMs = 86_400_000;

function toUtcMs(date: string): number {
  const [year, month, day] = date.split('-').map(Number);
  const instant = new Date(0);
  instant.setUTCFullYear(year, month - 1, day); // unlike Date.UTC, keeps years below 100 as they are
  return instant.getTime();
}

const fromUtcMs = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export const addDays = (date: string, days: number): string => fromUtcMs(toUtcMs(date) + days * dayMs);

/** 1 = Monday … 7 = Sunday. */
export const isoWeekday = (date: string): number => ((new Date(toUtcMs(date)).getUTCDay() + 6) % 7) + 1;

/** Monday of the date's ISO week. */
export const weekStartOf = (date: string): string => addDays(date, 1 - isoWeekday(date));

/** Sunday of the date's ISO week. */
export const weekEndOf = (date: string): string => addDays(weekStartOf(date), 6);

/** The ISO week-numbering year and week of a date: those of the Thursday in its week. */
export function isoWeekOf(date: string): { year: number; week: number } {
  const thursday = addDays(weekStartOf(date), 3);
  const year = Number(thursday.slice(0, 4));
  const dayOfYear = Math.round((toUtcMs(thursday) - toUtcMs(`${thursday.slice(0, 4)}-01-01`)) / dayMs);
  return { year, week: Math.floor(dayOfYear / 7) + 1 };
}

/** "2026-W47". */
export function isoWeekLabel(date: string): string {
  const { year, week } = isoWeekOf(date);
  return `${String(year).padStart(4, '0')}-W${String(week).padStart(2, '0')}`;
}

/** 52 or 53: December 28th always lies in the year's last week. */
export const weeksInIsoYear = (year: number): number => isoWeekOf(`${String(year).padStart(4, '0')}-12-28`).week;

const labelPattern = /^(\d{4})-W(\d{2})$/;

/** The Monday and Sunday of an ISO week label; BAD_USER_INPUT for anything else, including week 53 of a 52-week year. */
export function parseIsoWeek(label: string, field = 'isoWeek'): { isoWeek: string; weekStart: string; weekEnd: string } {
  const match = labelPattern.exec(label);
  if (!match) throw badInput(field, `"${label}" is not an ISO week (YYYY-Www, e.g. 2026-W47)`);
  const year = Number(match[1]);
  const week = Number(match[2]);
  if (year < 1 || week < 1 || week > weeksInIsoYear(year)) {
    throw badInput(field, `${match[1]} has no week ${match[2]}`);
  }
  const weekStart = addDays(weekStartOf(`${match[1]}-01-04`), (week - 1) * 7);
  return { isoWeek: label, weekStart, weekEnd: addDays(weekStart, 6) };
}
