import { sql, type Kysely } from 'kysely';
import type { CalendarPeriod } from '../../lib/calendar-periods.ts';
import { approvedLive, timesheetsQuery, type TimesheetRow } from './repository.ts';
import type { TimeDatabase } from './tables.ts';

/** The KPIs' queries (queries only): every total is a GROUP BY in Postgres, never rows summed in Node. */

export interface HoursByPeriodRow {
  worker_id: string;
  project_id: string | null;
  period_start: string;
  billable_hours: string;
  non_billable_hours: string;
}

/**
 * The first day of the period an entry's date falls in, clipped to `from` as lib/calendar-periods.ts `periodsWithin`
 * clips the first period: the date itself, its ISO week's Monday, its month's first day, or `from` for the whole
 * range. `date::timestamp` keeps the session time zone out of `date_trunc`.
 */
function periodStartOf(period: CalendarPeriod | null, from: string) {
  if (period === 'DAY') return sql<string>`date`;
  if (period === null) return sql<string>`${from}::date`;
  const unit = period === 'WEEK' ? 'week' : 'month';
  return sql<string>`greatest(date_trunc(${unit}, date::timestamp)::date, ${from}::date)`;
}

/**
 * Approved, not reversed, hours in [from, to] per worker and period (and project, when `byProject`), split into
 * billable and non-billable; optionally only some workers or projects. Served by the (worker_id, date) index when
 * workers are named, by (status, date) otherwise.
 */
export function approvedHoursByPeriod(
  db: Kysely<TimeDatabase>,
  question: {
    from: string;
    to: string;
    period: CalendarPeriod | null;
    byProject: boolean;
    workerIds: readonly string[] | null;
    projectIds: readonly string[] | null;
  },
): Promise<HoursByPeriodRow[]> {
  const periodStart = periodStartOf(question.period, question.from);
  let query = approvedLive(db)
    .select([
      'worker_id',
      (question.byProject ? sql<string | null>`project_id` : sql<string | null>`null::text`).as('project_id'),
      sql<string>`${periodStart}`.as('period_start'),
      sql<string>`coalesce(sum(hours) filter (where billable), 0)::numeric(16, 2)`.as('billable_hours'),
      sql<string>`coalesce(sum(hours) filter (where not billable), 0)::numeric(16, 2)`.as('non_billable_hours'),
    ])
    .where('date', '>=', question.from)
    .where('date', '<=', question.to);
  if (question.workerIds) query = query.where(sql<boolean>`worker_id = any(${[...question.workerIds]}::text[])`);
  if (question.projectIds) query = query.where(sql<boolean>`project_id = any(${[...question.projectIds]}::text[])`);
  // By the output column: the period expression's parameters would make a repeated copy of it a different expression.
  const grouping = question.byProject ? sql`worker_id, project_id, period_start` : sql`worker_id, period_start`;
  return query.groupBy(grouping as never).execute() as Promise<HoursByPeriodRow[]>;
}

/** The worker-weeks with entries from `fromWeekStart` to `toWeekEnd`, with their entries counted by status. */
export function weeksWithEntries(
  db: Kysely<TimeDatabase>,
  question: { fromWeekStart: string; toWeekEnd: string; workerIds: readonly string[] | null },
): Promise<TimesheetRow[]> {
  let query = timesheetsQuery(db, question);
  if (question.workerIds) query = query.where(sql<boolean>`worker_id = any(${[...question.workerIds]}::text[])`);
  return query.execute();
}

/** Approved, not reversed, hours per psa assignment, one statement for a page of assignments. */
export function approvedHoursByAssignments(db: Kysely<TimeDatabase>, assignmentIds: readonly string[]) {
  return approvedLive(db)
    .select(['assignment_id', sql<string>`sum(hours)::numeric(16, 2)`.as('hours')])
    .where(sql<boolean>`assignment_id = any(${[...assignmentIds]}::text[])`)
    .groupBy('assignment_id')
    .execute();
}
