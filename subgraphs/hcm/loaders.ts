import type { Kysely } from 'kysely';
import type { Ordering } from '../../lib/graphql/connection.ts';
import { LoaderFamily, loaderByGroup, loaderById, pagedByParent } from '../../lib/graphql/loaders.ts';
import { changeOrdering } from '../../lib/db/changes.ts';
import { externalRefLoader } from '../../lib/external-refs.ts';
import * as repo from './repository.ts';
import type { HcmDatabase, LeaveRow, LeaveStatus, PublicHolidayRow, WorkerRow } from './tables.ts';

/** Stable orders of every hcm list; the last column is unique so cursors never tie. */
export const orderings = {
  worker: { columns: ['name', 'id'], direction: 'asc' },
  legalEntity: { columns: ['code', 'id'], direction: 'asc' },
  costCenter: { columns: ['code', 'id'], direction: 'asc' },
  role: { columns: ['code', 'id'], direction: 'asc' },
  workCalendar: { columns: ['name', 'id'], direction: 'asc' },
  leave: { columns: ['start_date', 'id'], direction: 'asc' },
  apiKey: { columns: ['created_at', 'id'], direction: 'desc' },
} as const satisfies Record<string, Ordering>;

export interface DateRange {
  from?: string | null;
  to?: string | null;
}

/**
 * Per-request loaders: every reference and every list under a parent is one statement per batch. `today` fixes the
 * effective worker status for the whole request.
 */
export function createHcmLoaders(db: Kysely<HcmDatabase>, today: string) {
  return {
    legalEntity: loaderById((ids) => repo.legalEntitiesByIds(db, ids)),
    costCenter: loaderById((ids) => repo.costCentersByIds(db, ids)),
    role: loaderById((ids) => repo.rolesByIds(db, ids)),
    calendar: loaderById((ids) => repo.calendarsByIds(db, ids)),
    worker: loaderById((ids) => repo.workersByIds(db, ids)),
    leave: loaderById((ids) => repo.leavesByIds(db, ids)),
    apiKey: loaderById((ids) => repo.apiKeysByIds(db, ids)),
    /** Each record's references in other systems (`externalRefs`), one statement per batch and kind of record. */
    externalRefsOfWorker: externalRefLoader(db, 'Worker'),
    externalRefsOfRole: externalRefLoader(db, 'Role'),
    externalRefsOfCostCenter: externalRefLoader(db, 'CostCenter'),
    externalRefsOfLegalEntity: externalRefLoader(db, 'LegalEntity'),
    skillsByWorker: loaderByGroup((ids) => repo.skillsByWorkers(db, ids), (row) => row.worker_id),
    costRatesByWorker: loaderByGroup((ids) => repo.costRatesByWorkers(db, ids), (row) => row.worker_id),
    /** Each worker's effective-dated periods in date order: `asOf` reads, `history` and capacity by the day's calendar. */
    periodsByWorker: loaderByGroup((ids) => repo.periodsByWorkers(db, ids), (row) => row.worker_id),
    /** Holidays of each calendar within one range (per distinct range, one statement for all calendars). */
    holidaysByCalendar: new LoaderFamily<string, PublicHolidayRow[]>((_key, range: DateRange) =>
      loaderByGroup((ids) => repo.holidaysByCalendars(db, ids, range), (row) => row.calendar_id),
    ),
    /** Approved leave of each worker overlapping one range: what `Worker.capacityHours` subtracts. */
    approvedLeavesByWorker: new LoaderFamily<string, LeaveRow[]>((_key, range: { from: string; to: string }) =>
      loaderByGroup((ids) => repo.approvedLeavesByWorkers(db, ids, range.from, range.to), (row) => row.worker_id),
    ),
    directReports: pagedByParent<WorkerRow, repo.WorkerFilter>(db, 'manager_id', orderings.worker, (filter) =>
      repo.workersQuery(db, filter ?? {}, today),
    ),
    /** `directReports(filter: { updatedAfter })`: in change order, as `workers` is then. */
    directReportsByChange: pagedByParent<WorkerRow, repo.WorkerFilter>(db, 'manager_id', changeOrdering('worker'), (filter) =>
      repo.workersQuery(db, filter ?? {}, today),
    ),
    leavesByWorker: pagedByParent<LeaveRow, { from?: string | null; to?: string | null; status?: LeaveStatus | null }>(
      db,
      'worker_id',
      orderings.leave,
      (filter) => repo.leavesQuery(db, filter ?? {}),
    ),
  };
}

export type HcmLoaders = ReturnType<typeof createHcmLoaders>;
