import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import { paginateByParent, type Connection, type Ordering } from '../../lib/graphql/connection.ts';
import { LoaderFamily, loaderByGroup, loaderById, pagedByParent, type PagedArgs } from '../../lib/graphql/loaders.ts';
import { DomainError } from '../../lib/errors.ts';
import type { AssignmentPlan } from './domain/forecast.ts';
import { addDays } from './domain/iso-week.ts';
import * as kpiRepo from './kpi-repository.ts';
import * as repo from './repository.ts';
import type { EntryStatus, TimeDatabase, TimeEntryRow } from './tables.ts';
import type { WorkContextSource } from './work-context.ts';

/** Stable orders of every time list; the last column is unique (within a parent, for timesheets) so cursors never tie. */
export const orderings = {
  timeEntry: { columns: ['date', 'id'], direction: 'desc' },
  timesheet: { columns: ['week_start', 'worker_id'], direction: 'desc' },
  expense: { columns: ['date', 'id'], direction: 'desc' },
  periodLock: { columns: ['period_start', 'id'], direction: 'desc' },
  approvalDelegation: { columns: ['valid_from', 'id'], direction: 'desc' },
  pendingWeek: { columns: ['week_start', 'worker_id'], direction: 'asc' },
  payrollLine: { columns: ['worker_id'], direction: 'asc' },
} as const satisfies Record<string, Ordering>;

/** Loader key of a worker-week: "<workerId>:<weekStart>" (the Monday, YYYY-MM-DD). */
export const weekKey = (workerId: string, weekStart: string) => `${workerId}:${weekStart}`;

function parseWeekKey(key: string) {
  const separator = key.lastIndexOf(':');
  const weekStart = key.slice(separator + 1);
  return { workerId: key.slice(0, separator), weekStart, weekEnd: addDays(weekStart, 6) };
}

/** A week without entries is still the worker's timesheet: empty, DRAFT, zero hours. */
const emptyTimesheet = ({ workerId, weekStart }: { workerId: string; weekStart: string }): repo.TimesheetRow => ({
  worker_id: workerId,
  week_start: weekStart,
  total_hours: '0.00',
  billable_hours: '0.00',
  draft_count: 0,
  submitted_count: 0,
  approved_count: 0,
  rejected_count: 0,
});

export interface ActualHoursArgs {
  status: readonly EntryStatus[];
  from?: string | null;
  to?: string | null;
}

/**
 * Per-request loaders: every reference and every list under a parent is one statement per batch; psa's plans of a
 * page of projects are one request through the gateway (`workContext.confirmedPlans`).
 */
export function createTimeLoaders(db: Kysely<TimeDatabase>, sources: { workContext?: WorkContextSource } = {}) {
  return {
    timeEntry: loaderById((ids) => repo.timeEntriesByIds(db, ids)),
    expense: loaderById((ids) => repo.expensesByIds(db, ids)),
    approvalRecord: loaderById((ids) => repo.approvalRecordsByIds(db, ids)),
    periodLock: loaderById((ids) => repo.periodLocksByIds(db, ids)),
    approvalDelegation: loaderById((ids) => repo.approvalDelegationsByIds(db, ids)),
    /** Original entry id → the correction that replaced it (at most one: a unique index). */
    correctionsByOriginal: loaderByGroup((ids) => repo.correctionsOf(db, ids), (row) => row.correction_of!),
    /** Original expense id → the correction that replaced it (at most one: a unique index). */
    expenseCorrectionsByOriginal: loaderByGroup((ids) => repo.correctionsOfExpenses(db, ids), (row) => row.correction_of!),
    approvalsByTimeEntry: loaderByGroup((ids) => repo.approvalRecordsByTimeEntries(db, ids), (row) => row.time_entry_id!),
    approvalsByExpense: loaderByGroup((ids) => repo.approvalRecordsByExpenses(db, ids), (row) => row.expense_entry_id!),
    /** Keyed by `weekKey`: the timesheets of every entry on a page in one aggregate statement. */
    timesheet: new DataLoader<string, repo.TimesheetRow>(async (keys) => {
      const rows = await repo.timesheetsByKeys(db, keys.map(parseWeekKey));
      const byKey = new Map(rows.map((row) => [weekKey(row.worker_id, row.week_start), row]));
      return keys.map((key) => byKey.get(key) ?? emptyTimesheet(parseWeekKey(key)));
    }),
    timeEntriesByWorker: pagedByParent<TimeEntryRow, repo.TimeEntryFilter>(db, 'worker_id', orderings.timeEntry, (filter) =>
      repo.timeEntriesQuery(db, filter ?? {}),
    ),
    timeEntriesByProject: pagedByParent<TimeEntryRow, repo.TimeEntryFilter>(db, 'project_id', orderings.timeEntry, (filter) =>
      repo.timeEntriesQuery(db, filter ?? {}),
    ),
    timesheetsByWorker: pagedByParent<repo.TimesheetRow, repo.WeekRange>(db, 'worker_id', orderings.timesheet, (range) =>
      repo.timesheetsQuery(db, range ?? {}),
    ),
    /** Keyed by `weekKey`. A timesheet's parent is a (worker, week) pair, so the pager partitions by a derived key. */
    entriesByTimesheet: new LoaderFamily<string, Connection<TimeEntryRow>>(
      (_key, args: PagedArgs) =>
        new DataLoader(async (keys) => {
          const pages = await paginateByParent<TimeEntryRow>(
            db,
            repo.timesheetEntriesQuery(db, keys.map(parseWeekKey)),
            'timesheet_key',
            keys,
            orderings.timeEntry,
            args,
            { withTotal: args.withTotal },
          );
          return keys.map((key) => pages.get(key)!);
        }),
    ),
    /** Project id → hours, one GROUP BY statement per argument set. */
    actualHoursByProject: new LoaderFamily<string, string>(
      (_key, args: ActualHoursArgs) =>
        new DataLoader(async (projectIds) => {
          if (args.status.length === 0) return projectIds.map(() => '0.00');
          const rows = await repo.actualHoursByProjects(db, projectIds, args);
          const byProject = new Map(rows.map((row) => [row.project_id, row.hours]));
          return projectIds.map((id) => byProject.get(id) ?? '0.00');
        }),
    ),
    /** Assignment id → its approved, not reversed, hours: one GROUP BY per page of assignments. */
    approvedHoursByAssignment: new DataLoader<string, string>(async (assignmentIds) => {
      const rows = await kpiRepo.approvedHoursByAssignments(db, assignmentIds);
      const byAssignment = new Map(rows.map((row) => [row.assignment_id, row.hours]));
      return assignmentIds.map((id) => byAssignment.get(id) ?? '0.00');
    }),
    /** Project id → its CONFIRMED assignments' plans (psa), one graph request per page of projects. */
    confirmedPlansByProject: new DataLoader<string, AssignmentPlan[]>(async (projectIds) => {
      if (!sources.workContext) throw new DomainError('INTERNAL_SERVER_ERROR', "time was built without a WorkContextSource: psa's plans are unknown");
      const plans = await sources.workContext.confirmedPlans(projectIds);
      return projectIds.map((id) => plans.get(id) ?? []);
    }),
  };
}

export type TimeLoaders = ReturnType<typeof createTimeLoaders>;
