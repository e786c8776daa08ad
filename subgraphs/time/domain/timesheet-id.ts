import { badInput } from '../../../lib/errors.ts';
import { isoWeekLabel, parseIsoWeek } from './iso-week.ts';

/**
 * A timesheet is identified by its worker and ISO week, "<workerId>:<isoWeek>" ("w-17:2026-W47"), so it needs no row
 * of its own: anyone holding a worker id and a date can name it, and its status and totals come from the entries.
 */
export const timesheetId = (workerId: string, weekStart: string): string => `${workerId}:${isoWeekLabel(weekStart)}`;

export interface TimesheetKey {
  workerId: string;
  weekStart: string;
  weekEnd: string;
  isoWeek: string;
}

export function parseTimesheetId(id: string, field = 'id'): TimesheetKey {
  const separator = id.lastIndexOf(':');
  if (separator <= 0) throw badInput(field, `"${id}" is not a timesheet id (<workerId>:<isoWeek>)`);
  const workerId = id.slice(0, separator);
  return { workerId, ...parseIsoWeek(id.slice(separator + 1), field) };
}
