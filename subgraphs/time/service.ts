import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { hasRole, requireRole, type Identity } from '../../lib/auth/identity.ts';
import type { Clock } from '../../lib/clock.ts';
import { DomainError, badInput, forbidden, notFound } from '../../lib/errors.ts';
import type { CaptureOptions } from './capture.ts';
import { createEvent } from '../../lib/events/envelope.ts';
import { appendToOutbox } from '../../lib/events/outbox.ts';
import { changeOrdering, deletedAfter, deletionOrdering } from '../../lib/db/changes.ts';
import { EXPORT_PAGE_SIZE, MAX_PAGE_SIZE, paginate, renderedPage } from '../../lib/graphql/connection.ts';
import { sqlIsoDate, sqlIsoDateTime } from '../../lib/db/types.ts';
import type { PagedArgs } from '../../lib/graphql/loaders.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { transactionalWriter } from '../../lib/idempotency.ts';
import { recordAudit } from '../../lib/audit/record.ts';
import { checkDate, checkDateRange, checkText } from '../../lib/validate.ts';
import { assertMaySee, assertReadsAggregates, pinToVisible, type Visibility } from './access.ts';
import { parseIsoWeek, weekEndOf, weekStartOf } from './domain/iso-week.ts';
import { assertReopen, checkPeriod, graceUntil, planClose } from './domain/period-lock.ts';
import { parseTimesheetId } from './domain/timesheet-id.ts';
import { timeTopics, type PeriodClosed, type PeriodReopened } from './events.ts';
import { orderings, weekKey, type TimeLoaders } from './loaders.ts';
import * as repo from './repository.ts';
import type { ApprovalDelegationRow, EntryStatus, PeriodLockRow, TimeDatabase } from './tables.ts';

export interface ClosePeriodInput {
  legalEntityId: string;
  periodStart: string;
  periodEnd: string;
  /** Days after periodEnd during which roles with grace rights may still change entries (domain/period-lock.ts). */
  graceDays: number;
}

const asLockedPeriod = (row: PeriodLockRow) => ({ id: row.id, periodStart: row.period_start, periodEnd: row.period_end, status: row.status });

/** time's use cases. Each mutation checks access, validates, then runs in one transaction with its events. */
export function createTimeService(deps: { db: Kysely<TimeDatabase>; clock: Clock; onCommit: () => void }) {
  const { db, clock } = deps;

  const write = transactionalWriter(db, deps.onCommit);

  const event = <T>(scope: RequestScope, type: string, id: string, data: T) =>
    createEvent('time', type, { typename: 'PeriodLock', id }, data, { correlationId: scope.correlationId }, clock.now());

  return {
    async closePeriod(scope: RequestScope, input: ClosePeriodInput, idempotencyKey?: string | null) {
      requireRole(scope.identity, 'FINANCE');
      const legalEntityId = checkText('legalEntityId', input.legalEntityId, 100);
      const periodStart = checkDate('periodStart', input.periodStart);
      const periodEnd = checkDate('periodEnd', input.periodEnd);
      checkPeriod(periodStart, periodEnd);
      const grace = graceUntil(periodEnd, input.graceDays);
      return write(scope, 'closePeriod', idempotencyKey, { legalEntityId, periodStart, periodEnd, grace }, async (trx) => {
        await repo.lockLegalEntityPeriods(trx, legalEntityId);
        const locks = await repo.periodLocksStartingBy(trx, legalEntityId, periodEnd);
        const plan = planClose(locks.map(asLockedPeriod), periodStart, periodEnd);
        const now = clock.now();
        const closedBy = scope.identity.workerId;
        const id = plan.kind === 'reclose' ? plan.id : randomUUID();
        const closed = { status: 'CLOSED' as const, closed_at: now, closed_by: closedBy, grace_until: grace };
        const before = plan.kind === 'reclose' ? (locks.find((lock) => lock.id === id) ?? null) : null;
        if (plan.kind === 'reclose') {
          await trx
            .updateTable('period_lock')
            .set((eb) => ({ ...closed, version: eb('version', '+', 1), updated_at: now }))
            .where('id', '=', id)
            .execute();
        } else {
          await trx
            .insertInto('period_lock')
            .values({
              id,
              legal_entity_id: legalEntityId,
              period_start: periodStart,
              period_end: periodEnd,
              ...closed,
              reopened_at: null,
              reopened_by: null,
            })
            .execute();
        }
        const after = { ...(before ?? { id, legal_entity_id: legalEntityId, period_start: periodStart, period_end: periodEnd }), ...closed };
        await recordAudit(trx, scope, { entityType: 'PeriodLock', entityId: id, operation: 'closePeriod', before, after });
        await appendToOutbox(trx, [
          event<PeriodClosed>(scope, timeTopics.periodClosed, id, {
            periodLockId: id,
            legalEntityId,
            periodStart,
            periodEnd,
            closedBy,
            closedAt: now.toISOString(),
          }),
        ]);
        return id;
      });
    },

    async reopenPeriod(scope: RequestScope, id: string) {
      requireRole(scope.identity, 'FINANCE');
      return write(scope, 'reopenPeriod', null, null, async (trx) => {
        const lock = await repo.lockPeriodLock(trx, id);
        if (!lock) throw notFound('PeriodLock', id);
        assertReopen(asLockedPeriod(lock));
        const now = clock.now();
        const reopenedBy = scope.identity.workerId;
        await trx
          .updateTable('period_lock')
          .set((eb) => ({ status: 'OPEN', reopened_at: now, reopened_by: reopenedBy, version: eb('version', '+', 1), updated_at: now }))
          .where('id', '=', id)
          .execute();
        const after = { ...lock, status: 'OPEN', reopened_at: now, reopened_by: reopenedBy };
        await recordAudit(trx, scope, { entityType: 'PeriodLock', entityId: id, operation: 'reopenPeriod', before: lock, after });
        await appendToOutbox(trx, [
          event<PeriodReopened>(scope, timeTopics.periodReopened, id, {
            periodLockId: id,
            legalEntityId: lock.legal_entity_id,
            periodStart: lock.period_start,
            periodEnd: lock.period_end,
            reopenedBy,
            reopenedAt: now.toISOString(),
          }),
        ]);
        return id;
      });
    },
  };
}

export type TimeService = ReturnType<typeof createTimeService>;

/** What the queries need of a request: who asks, and this request's loaders. */
export interface QueryScope extends RequestScope {
  readonly loaders: TimeLoaders;
  /** Whose time the caller sees (access.ts), worked out once per request. */
  visibility(): Promise<Visibility>;
}

/**
 * An entry of the export's page (export-endpoint.ts) as the database writes it: the JSON text of its ExportedTimeEntry
 * tuple, each field as the graph's scalar serializes it (lib/db/types.ts), so time neither reads a row object nor
 * writes one per entry.
 */
const exportedEntry = sql<string>`json_build_array(
  id, ${sqlIsoDate('date')}, hours::text, billable, status, ${sqlIsoDateTime('decided_at')}, notes, ${sqlIsoDateTime('updated_at')},
  worker_id, project_id, task_id, role_id
)::text`;

/** A by-id list is a batch: as large as one page at most. */
function checkIds<F extends { ids?: readonly string[] | null }>(filter: F): F {
  if (filter.ids && filter.ids.length > MAX_PAGE_SIZE) throw badInput('ids', `at most ${MAX_PAGE_SIZE} ids`);
  return filter;
}

function checkDates<F extends { from?: string | null; to?: string | null }>(filter: F): F {
  if (filter.from) checkDateRange('from', filter.from, 'to', filter.to);
  return filter;
}

/**
 * time's reads. Each applies the caller's visibility (access.ts) before loading: a caller who is only a WORKER is
 * pinned to their own worker id, and asking for someone else's time is FORBIDDEN. All are async so a refusal is a
 * rejected promise, never a synchronous throw: `_entities` maps its representations synchronously, and one throw
 * there would leave the promises of the other representations rejected with no handler.
 */
export function createTimeQueries(db: Kysely<TimeDatabase>, options: CaptureOptions = {}) {
  /** A filter's customer as the customer's projects (psa, through the gateway), so the statement stays one. */
  async function byCustomer<F extends { customerId?: string | null; projectIds?: readonly string[] | null }>(filter: F): Promise<F> {
    if (!filter.customerId) return filter;
    if (!options.workContext) throw new DomainError('INTERNAL_SERVER_ERROR', "time was built without a WorkContextSource: a customer's projects are unknown");
    return { ...filter, projectIds: await options.workContext.projectIdsOfCustomer(checkText('customerId', filter.customerId, 100)) };
  }

  async function workerKnown(workerId: string): Promise<boolean> {
    if (!options.workContext) throw new DomainError('INTERNAL_SERVER_ERROR', 'time was built without a WorkContextSource: workers are unknown');
    return Boolean((await options.workContext.load({ projectIds: [], workerIds: [workerId] })).workers.get(workerId));
  }

  async function visible<R extends { worker_id: string }>(scope: QueryScope, row: Promise<R | null>): Promise<R | null> {
    const found = await row;
    if (found) assertMaySee(await scope.visibility(), found.worker_id);
    return found;
  }

  return {
    timeEntry: async (scope: QueryScope, id: string) => visible(scope, scope.loaders.timeEntry.load(id)),

    /** Newest date first; in change order (lib/db/changes.ts) when pulling by `updatedAfter`. */
    timeEntries: async (scope: QueryScope, page: PagedArgs<repo.TimeEntryFilter>) =>
      paginate(
        repo.timeEntriesQuery(db, await byCustomer(checkDates(checkIds(pinToVisible(await scope.visibility(), page.filter))))),
        page.filter?.updatedAfter ? changeOrdering('time_entry') : orderings.timeEntry,
        page,
        page,
      ),

    /**
     * The BI export's pages (export-endpoint.ts): `timeEntries` exactly — the same visibility, filter, order and
     * cursors — in pages of up to EXPORT_PAGE_SIZE, without a total.
     */
    timeEntryExportPage: async (scope: QueryScope, filter: repo.TimeEntryFilter, first: number, after: string | null) =>
      renderedPage(
        db,
        repo.timeEntriesQuery(db, await byCustomer(checkDates(checkIds(pinToVisible(await scope.visibility(), filter))))),
        filter.updatedAfter ? changeOrdering('time_entry') : orderings.timeEntry,
        { first, after },
        exportedEntry,
        { maxPageSize: EXPORT_PAGE_SIZE },
      ),

    workerTimeEntries: async (scope: QueryScope, workerId: string, page: PagedArgs<Omit<repo.TimeEntryFilter, 'workerId'>>) => {
      assertMaySee(await scope.visibility(), workerId);
      return scope.loaders.timeEntriesByWorker.for({ ...page, filter: checkDates(page.filter ?? {}) }).load(workerId);
    },

    projectTimeEntries: async (scope: QueryScope, projectId: string, page: PagedArgs<Omit<repo.TimeEntryFilter, 'projectId'>>) =>
      scope.loaders.timeEntriesByProject.for({ ...page, filter: checkDates(pinToVisible(await scope.visibility(), page.filter)) }).load(projectId),

    actualHours: async (scope: QueryScope, projectId: string, args: { status: readonly EntryStatus[]; from?: string | null; to?: string | null }) => {
      assertReadsAggregates(scope.identity, 'Project.actualHours');
      const { from = null, to = null } = checkDates(args);
      // Sorted and deduplicated so equal argument sets share one loader (and one statement).
      const status = [...new Set(args.status)].sort();
      return scope.loaders.actualHoursByProject.for({ status, from, to }).load(projectId);
    },

    /** The caller's own week unless a worker is named; a worker hcm does not know is NOT_FOUND, not an empty week. */
    timesheet: async (scope: QueryScope, workerId: string | null | undefined, isoWeek: string) => {
      const owner = workerId ?? scope.identity.workerId;
      if (!owner) throw badInput('workerId', 'the caller is not a worker: name the worker');
      assertMaySee(await scope.visibility(), owner);
      const sheet = await scope.loaders.timesheet.load(weekKey(owner, parseIsoWeek(isoWeek).weekStart));
      // A week with entries proves its worker (each was checked against hcm); only an empty one asks hcm.
      if (isEmptyWeek(sheet) && !(await workerKnown(owner))) throw notFound('Worker', owner);
      return sheet;
    },

    timesheetById: async (scope: QueryScope, id: string) => {
      const { workerId, weekStart } = parseTimesheetId(id);
      assertMaySee(await scope.visibility(), workerId);
      return scope.loaders.timesheet.load(weekKey(workerId, weekStart));
    },

    /** Weeks overlapping [from, to], counted whole: a timesheet's totals never depend on the range asked. */
    workerTimesheets: async (scope: QueryScope, workerId: string, page: PagedArgs<{ from?: string | null; to?: string | null }>) => {
      assertMaySee(await scope.visibility(), workerId);
      const { from, to } = checkDates(page.filter ?? {});
      const range = { fromWeekStart: from ? weekStartOf(from) : null, toWeekEnd: to ? weekEndOf(to) : null };
      return scope.loaders.timesheetsByWorker.for({ ...page, filter: range }).load(workerId);
    },

    /** The timesheet was access-checked when it was reached; its entries are the same worker's. */
    timesheetEntries: async (scope: QueryScope, timesheet: repo.TimesheetRow, page: PagedArgs) =>
      scope.loaders.entriesByTimesheet.for(page).load(weekKey(timesheet.worker_id, timesheet.week_start)),

    expense: async (scope: QueryScope, id: string) => visible(scope, scope.loaders.expense.load(id)),

    expenses: async (scope: QueryScope, page: PagedArgs<repo.ExpenseFilter>) =>
      paginate(
        repo.expensesQuery(db, await byCustomer(checkDates(checkIds(pinToVisible(await scope.visibility(), page.filter))))),
        page.filter?.updatedAfter ? changeOrdering('expense_entry') : orderings.expense,
        page,
        page,
      ),

    /** Tombstones of deleted time entries or expenses: ids only, for those who see everyone's time. */
    deletedTimeRecords: async (scope: QueryScope, page: PagedArgs & { typename: string; deletedAfter: Date | string }) => {
      if (!deletableTypenames.includes(page.typename)) throw badInput('typename', `must be one of ${deletableTypenames.join(', ')}`);
      if (!(await scope.visibility()).everyone) throw forbidden("deleted time records are for those who see everyone's time: RESOURCE_MANAGER, FINANCE, ADMIN");
      return paginate(deletedAfter(db, page.typename, page.deletedAfter), deletionOrdering, page, page);
    },

    /** A history step is visible to whoever may see the entry it belongs to. */
    approvalRecord: async (scope: QueryScope, id: string) => {
      const record = await scope.loaders.approvalRecord.load(id);
      if (!record) return null;
      const subject = record.time_entry_id
        ? await scope.loaders.timeEntry.load(record.time_entry_id)
        : await scope.loaders.expense.load(record.expense_entry_id!);
      if (subject) assertMaySee(await scope.visibility(), subject.worker_id);
      return record;
    },

    /** A correction is as visible as the entry it corrects (same worker). */
    correctionOf: async (scope: QueryScope, originalId: string) => (await scope.loaders.correctionsByOriginal.load(originalId))[0] ?? null,

    /** As `correctionOf`, for expenses. */
    expenseCorrectionOf: async (scope: QueryScope, originalId: string) => (await scope.loaders.expenseCorrectionsByOriginal.load(originalId))[0] ?? null,

    approvalDelegation: async (scope: QueryScope, id: string) => {
      const row = await scope.loaders.approvalDelegation.load(id);
      if (row) assertMaySeeDelegation(scope.identity, row);
      return row;
    },

    approvalDelegations: async (scope: QueryScope, page: PagedArgs<repo.ApprovalDelegationFilter>) => {
      const filter = { ...(page.filter ?? {}), involving: null as string | null, delegateId: page.filter?.delegateId ?? null };
      if (filter.activeOn) checkDate('activeOn', filter.activeOn);
      if (!hasRole(scope.identity, 'ADMIN', 'FINANCE')) {
        if (!scope.identity.workerId) throw forbidden('approval delegations are visible to the workers involved, finance and admins');
        if (hasRole(scope.identity, 'MANAGER')) filter.involving = scope.identity.workerId;
        else if (filter.delegateId && filter.delegateId !== scope.identity.workerId) throw forbidden('you see only the delegations you received');
        else filter.delegateId = scope.identity.workerId;
      }
      return paginate(repo.approvalDelegationsQuery(db, filter), orderings.approvalDelegation, page, page);
    },

    /** Period locks are visible to everyone: workers need to know which dates are closed. */
    periodLocks: async (page: PagedArgs<repo.PeriodLockFilter>) =>
      paginate(repo.periodLocksQuery(db, checkDates(page.filter ?? {})), orderings.periodLock, page, page),
  };
}

export type TimeQueries = ReturnType<typeof createTimeQueries>;

/** The records time deletes (DRAFT or REJECTED ones), by typename: what `deletedTimeRecords` lists. */
const deletableTypenames = ['TimeEntry', 'ExpenseEntry'];

const isEmptyWeek = (sheet: repo.TimesheetRow) =>
  [sheet.draft_count, sheet.submitted_count, sheet.approved_count, sheet.rejected_count].every((count) => Number(count) === 0);

/** The manager, the delegate, FINANCE and ADMIN see a delegation. */
function assertMaySeeDelegation(identity: Identity, row: ApprovalDelegationRow): void {
  if (hasRole(identity, 'ADMIN', 'FINANCE')) return;
  if (identity.workerId === row.manager_id || identity.workerId === row.delegate_id) return;
  throw forbidden(`approval delegation ${row.id} is visible to its manager, its delegate, finance and admins`);
}
