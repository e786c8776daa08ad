import { sql, type ExpressionBuilder, type Insertable, type Kysely, type Selectable, type SelectQueryBuilder, type Transaction } from 'kysely';
import { changedAfter } from '../../lib/db/changes.ts';
import type { EntryStatus, ExpenseCategory, PeriodLockRow, PeriodLockStatus, TimeDatabase } from './tables.ts';

/** Queries only: no rules, no transactions of their own. Each takes the handle (db or trx) first. */
type Db = Kysely<TimeDatabase> | Transaction<TimeDatabase>;

export interface TimeEntryFilter {
  ids?: readonly string[] | null;
  /** The customer's projects (psa), resolved by the query before it runs; `customerId` itself is not a column. */
  customerId?: string | null;
  projectIds?: readonly string[] | null;
  workerId?: string | null;
  /** The workers the caller may see (access.ts `pinToVisible`). */
  workerIds?: readonly string[] | null;
  projectId?: string | null;
  status?: readonly EntryStatus[] | null;
  from?: string | null;
  to?: string | null;
  billable?: boolean | null;
  /** The entry's latest approval (its last APPROVED record) at or after this instant. */
  approvedAfter?: Date | string | null;
  /** … and before this instant. */
  approvedBefore?: Date | string | null;
  /** Changed after this instant (lib/db/changes.ts): the list is then in change order. */
  updatedAfter?: Date | string | null;
}

export interface ExpenseFilter {
  customerId?: string | null;
  projectIds?: readonly string[] | null;
  ids?: readonly string[] | null;
  workerId?: string | null;
  workerIds?: readonly string[] | null;
  projectId?: string | null;
  status?: readonly EntryStatus[] | null;
  category?: readonly ExpenseCategory[] | null;
  from?: string | null;
  to?: string | null;
  billable?: boolean | null;
  approvedAfter?: Date | string | null;
  approvedBefore?: Date | string | null;
  updatedAfter?: Date | string | null;
}

export interface PeriodLockFilter {
  legalEntityId?: string | null;
  status?: PeriodLockStatus | null;
  from?: string | null;
  to?: string | null;
}

/** Dates bounding the entries summed into timesheets: whole weeks, so a timesheet's totals are never partial. */
export interface WeekRange {
  fromWeekStart?: string | null;
  toWeekEnd?: string | null;
}

/** One worker-week: the timesheet's totals and its entries counted by status. */
export interface TimesheetRow {
  worker_id: string;
  week_start: string;
  total_hours: string;
  billable_hours: string;
  draft_count: number;
  submitted_count: number;
  approved_count: number;
  rejected_count: number;
}

export const timeEntriesByIds = (db: Db, ids: readonly string[]) =>
  db.selectFrom('time_entry').selectAll().where('id', 'in', ids).execute();

/** An empty `in` list matches nothing (SQL has no empty list). */
const nothing = sql<boolean>`false`;

export function timeEntriesQuery(db: Db, filter: TimeEntryFilter = {}) {
  let query = db.selectFrom('time_entry').selectAll();
  if (filter.ids) query = filter.ids.length > 0 ? query.where('id', 'in', filter.ids) : query.where(nothing);
  if (filter.workerId) query = query.where('worker_id', '=', filter.workerId);
  if (filter.workerIds) query = filter.workerIds.length > 0 ? query.where('worker_id', 'in', filter.workerIds) : query.where(nothing);
  if (filter.projectId) query = query.where('project_id', '=', filter.projectId);
  if (filter.projectIds) query = filter.projectIds.length > 0 ? query.where('project_id', 'in', filter.projectIds) : query.where(nothing);
  if (filter.status?.length) query = query.where('status', 'in', filter.status);
  if (filter.from) query = query.where('date', '>=', filter.from);
  if (filter.to) query = query.where('date', '<=', filter.to);
  if (filter.billable != null) query = query.where('billable', '=', filter.billable);
  return whereApproved(changedAfter(query, 'time_entry', filter.updatedAfter), 'time_entry_id', filter);
}

/**
 * The approved-in-a-window filter: the source's latest APPROVED record (approval_record, served by its per-subject
 * index) inside [approvedAfter, approvedBefore). An entry approved, cancelled and approved again counts by the second.
 */
function whereApproved<Q extends SelectQueryBuilder<any, any, any>>(
  query: Q,
  subject: 'time_entry_id' | 'expense_entry_id',
  filter: { approvedAfter?: Date | string | null; approvedBefore?: Date | string | null },
): Q {
  if (!filter.approvedAfter && !filter.approvedBefore) return query;
  const table = subject === 'time_entry_id' ? 'time_entry' : 'expense_entry';
  // A builder subquery, not raw SQL: the schema plugin must name approval_record in this subgraph's schema.
  const approvedAt = (eb: ExpressionBuilder<any, any>) =>
    eb
      .selectFrom('approval_record')
      .select((inner) => inner.fn.max('approval_record.at').as('at'))
      .whereRef(`approval_record.${subject}`, '=', `${table}.id`)
      .where('approval_record.action', '=', 'APPROVED');
  let result = query;
  if (filter.approvedAfter) result = result.where((eb: ExpressionBuilder<any, any>) => eb(approvedAt(eb), '>=', new Date(filter.approvedAfter!))) as Q;
  if (filter.approvedBefore) result = result.where((eb: ExpressionBuilder<any, any>) => eb(approvedAt(eb), '<', new Date(filter.approvedBefore!))) as Q;
  return result;
}

/** Reversed entries (replaced by a correction) count nowhere. */
const live = sql`reversed_at is null`;
const countIn = (status: EntryStatus) => sql<number>`(count(*) filter (where ${live} and status = ${status}))::int`;

/** Timesheet totals of the entries `where` selects, one row per worker-week. */
const timesheetAggregate = (db: Db) =>
  db
    .selectFrom('time_entry')
    .select([
      'worker_id',
      'week_start',
      sql<string>`coalesce(sum(hours) filter (where ${live}), 0)::numeric(16, 2)`.as('total_hours'),
      sql<string>`coalesce(sum(hours) filter (where ${live} and billable), 0)::numeric(16, 2)`.as('billable_hours'),
      countIn('DRAFT').as('draft_count'),
      countIn('SUBMITTED').as('submitted_count'),
      countIn('APPROVED').as('approved_count'),
      countIn('REJECTED').as('rejected_count'),
    ])
    .groupBy(['worker_id', 'week_start']);

/**
 * The timesheets of many worker-weeks in one statement. Each week is matched by a date range on (worker_id, date),
 * which the worker index serves; weeks without entries return no row.
 */
export function timesheetsByKeys(db: Db, keys: ReadonlyArray<{ workerId: string; weekStart: string; weekEnd: string }>) {
  return timesheetAggregate(db)
    .where((eb) =>
      eb.or(keys.map((key) => eb.and([eb('worker_id', '=', key.workerId), eb('date', '>=', key.weekStart), eb('date', '<=', key.weekEnd)]))),
    )
    .execute() as Promise<TimesheetRow[]>;
}

/**
 * Timesheets as a table (weeks with at least one entry) for paging under workers. Postgres pushes the pager's
 * `worker_id in (…)` and keyset conditions on the grouping columns into the aggregate, so only the asked workers'
 * entries are read.
 */
export function timesheetsQuery(db: Db, range: WeekRange = {}) {
  let aggregate = timesheetAggregate(db);
  if (range.fromWeekStart) aggregate = aggregate.where('date', '>=', range.fromWeekStart);
  if (range.toWeekEnd) aggregate = aggregate.where('date', '<=', range.toWeekEnd);
  // The casts in the aggregate's select list are what make these rows TimesheetRow; Kysely cannot see through them.
  return db.selectFrom(aggregate.as('timesheet')).selectAll() as unknown as SelectQueryBuilder<any, any, TimesheetRow>;
}

/**
 * The entries of many timesheets, each row carrying its timesheet key ("<workerId>:<weekStart>") so the pager can
 * partition by it. The date ranges inside keep the scan on the worker index.
 */
export function timesheetEntriesQuery(db: Db, keys: ReadonlyArray<{ workerId: string; weekStart: string; weekEnd: string }>) {
  const entries = db
    .selectFrom('time_entry')
    .selectAll()
    .select(sql<string>`worker_id || ':' || to_char(week_start, 'YYYY-MM-DD')`.as('timesheet_key'))
    .where((eb) =>
      eb.or(keys.map((key) => eb.and([eb('worker_id', '=', key.workerId), eb('date', '>=', key.weekStart), eb('date', '<=', key.weekEnd)]))),
    );
  return db.selectFrom(entries.as('entry')).selectAll();
}

/** Hours per project in one statement, summed by Postgres (the actuals index covers it). */
export function actualHoursByProjects(
  db: Db,
  projectIds: readonly string[],
  options: { status: readonly EntryStatus[]; from?: string | null; to?: string | null },
) {
  let query = db
    .selectFrom('time_entry')
    .select(['project_id', sql<string>`sum(hours)::numeric(16, 2)`.as('hours')])
    .where('project_id', 'in', projectIds)
    .where('status', 'in', options.status)
    .where('reversed_at', 'is', null);
  if (options.from) query = query.where('date', '>=', options.from);
  if (options.to) query = query.where('date', '<=', options.to);
  return query.groupBy('project_id').execute();
}

export const expensesByIds = (db: Db, ids: readonly string[]) =>
  db.selectFrom('expense_entry').selectAll().where('id', 'in', ids).execute();

export function expensesQuery(db: Db, filter: ExpenseFilter = {}) {
  let query = db.selectFrom('expense_entry').selectAll();
  if (filter.ids) query = filter.ids.length > 0 ? query.where('id', 'in', filter.ids) : query.where(nothing);
  if (filter.workerId) query = query.where('worker_id', '=', filter.workerId);
  if (filter.workerIds) query = filter.workerIds.length > 0 ? query.where('worker_id', 'in', filter.workerIds) : query.where(nothing);
  if (filter.projectId) query = query.where('project_id', '=', filter.projectId);
  if (filter.projectIds) query = filter.projectIds.length > 0 ? query.where('project_id', 'in', filter.projectIds) : query.where(nothing);
  if (filter.status?.length) query = query.where('status', 'in', filter.status);
  if (filter.category?.length) query = query.where('category', 'in', filter.category);
  if (filter.from) query = query.where('date', '>=', filter.from);
  if (filter.to) query = query.where('date', '<=', filter.to);
  if (filter.billable != null) query = query.where('billable', '=', filter.billable);
  return whereApproved(changedAfter(query, 'expense_entry', filter.updatedAfter), 'expense_entry_id', filter);
}

export const approvalRecordsByIds = (db: Db, ids: readonly string[]) =>
  db.selectFrom('approval_record').selectAll().where('id', 'in', ids).execute();

export const approvalRecordsByTimeEntries = (db: Db, timeEntryIds: readonly string[]) =>
  db.selectFrom('approval_record').selectAll().where('time_entry_id', 'in', timeEntryIds).orderBy('at').orderBy('id').execute();

export const periodLocksByIds = (db: Db, ids: readonly string[]) =>
  db.selectFrom('period_lock').selectAll().where('id', 'in', ids).execute();

export function periodLocksQuery(db: Db, filter: PeriodLockFilter = {}) {
  let query = db.selectFrom('period_lock').selectAll();
  if (filter.legalEntityId) query = query.where('legal_entity_id', '=', filter.legalEntityId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.from) query = query.where('period_end', '>=', filter.from);
  if (filter.to) query = query.where('period_start', '<=', filter.to);
  return query;
}

/**
 * Serializes period changes of one legal entity until the transaction ends, so two overlapping closes cannot both
 * pass the overlap check (a row lock cannot guard rows that do not exist yet).
 */
export const lockLegalEntityPeriods = (trx: Transaction<TimeDatabase>, legalEntityId: string) =>
  sql`select pg_advisory_xact_lock(hashtext(${`time.period_lock:${legalEntityId}`}))`.execute(trx);

/** A legal entity's locks that start on or before `periodEnd`: those a period ending then overlaps or follows. */
export const periodLocksStartingBy = (trx: Transaction<TimeDatabase>, legalEntityId: string, periodEnd: string) =>
  trx
    .selectFrom('period_lock')
    .selectAll()
    .where('legal_entity_id', '=', legalEntityId)
    .where('period_start', '<=', periodEnd)
    .forUpdate()
    .execute();

export const lockPeriodLock = (trx: Transaction<TimeDatabase>, id: string) =>
  trx.selectFrom('period_lock').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();

/**
 * Serializes capture per worker until the transaction ends, so two requests logging the same worker's day cannot
 * both pass the 24-hour and overlap checks. Sorted, so two batches naming the same workers cannot deadlock.
 */
export const lockWorkersForCapture = (trx: Transaction<TimeDatabase>, workerIds: readonly string[]) =>
  sql`select pg_advisory_xact_lock(hashtext('time.capture:' || w)) from (select distinct w from unnest(${[...workerIds]}::text[]) as w order by w) as workers`.execute(
    trx,
  );

/** Live (not reversed) entries of many (worker, date) pairs in one statement: the day totals and overlaps of a batch. */
export function sameDayEntries(trx: Transaction<TimeDatabase>, pairs: ReadonlyArray<{ workerId: string; date: string }>) {
  return trx
    .selectFrom('time_entry')
    .select(['id', 'worker_id', 'date', 'hours', 'start_time', 'end_time'])
    .where('reversed_at', 'is', null)
    .where(
      sql<boolean>`(worker_id, date) in (select * from unnest(${pairs.map((p) => p.workerId)}::text[], ${pairs.map((p) => p.date)}::date[]))`,
    )
    .execute();
}

/**
 * The shared side of `lockLegalEntityPeriods`: capture holds it while it checks closed periods and writes, so a
 * period cannot close between the check and the commit (closing waits for the captures in flight, and they for it).
 */
export const shareLegalEntityPeriods = (trx: Transaction<TimeDatabase>, legalEntityIds: readonly string[]) =>
  sql`select pg_advisory_xact_lock_shared(hashtext('time.period_lock:' || le)) from (select distinct le from unnest(${[...legalEntityIds]}::text[]) as le order by le) as entities`.execute(
    trx,
  );

export type PeriodLockState = Pick<PeriodLockRow, 'id' | 'legal_entity_id' | 'period_start' | 'period_end' | 'status' | 'grace_until'>;

/**
 * The legal entities' locks, closed and reopened, that end on or after `from`: those covering a date from `from` on
 * and those after it (a closed period locks the earlier days no period covers). A few per entity and year.
 */
export const periodLocksEndingFrom = (trx: Transaction<TimeDatabase>, legalEntityIds: readonly string[], from: string): Promise<PeriodLockState[]> =>
  trx
    .selectFrom('period_lock')
    .select(['id', 'legal_entity_id', 'period_start', 'period_end', 'status', 'grace_until'])
    .where('legal_entity_id', 'in', legalEntityIds)
    .where('period_end', '>=', from)
    .execute();

/**
 * Serializes imports per external ref until the transaction ends (sorted, so batches cannot deadlock): a second
 * first-time import of a ref waits, then finds the first's entry instead of failing on the unique index.
 */
export const lockExternalRefs = (trx: Transaction<TimeDatabase>, refs: ReadonlyArray<{ system: string; id: string }>) =>
  sql`select pg_advisory_xact_lock(hashtext('time.external:' || r)) from (select distinct r from unnest(${refs.map((ref) => `${ref.system}|${ref.id}`)}::text[]) as r order by r) as refs`.execute(
    trx,
  );

/** Entries already imported under any of these external refs, in one statement. */
export function entriesByExternalRefs(db: Db, refs: ReadonlyArray<{ system: string; id: string }>) {
  if (refs.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('time_entry')
    .select(['id', 'external_system', 'external_id'])
    .where(
      sql<boolean>`(external_system, external_id) in (select * from unnest(${refs.map((r) => r.system)}::text[], ${refs.map((r) => r.id)}::text[]))`,
    )
    .execute();
}

export const insertTimeEntries = (trx: Transaction<TimeDatabase>, rows: ReadonlyArray<Insertable<TimeDatabase['time_entry']>>) =>
  trx.insertInto('time_entry').values(rows as Insertable<TimeDatabase['time_entry']>[]).execute();

/** As insertTimeEntries, returning the rows as written (what their events carry). */
export const insertTimeEntriesReturning = (trx: Transaction<TimeDatabase>, rows: ReadonlyArray<Insertable<TimeDatabase['time_entry']>>) =>
  trx.insertInto('time_entry').values(rows as Insertable<TimeDatabase['time_entry']>[]).returningAll().execute();

export const lockTimeEntry = (trx: Transaction<TimeDatabase>, id: string) =>
  trx.selectFrom('time_entry').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();

/** Live entries by id, locked in id order (so two approvers of overlapping sets cannot deadlock). */
export const lockTimeEntries = (trx: Transaction<TimeDatabase>, ids: readonly string[]) =>
  trx.selectFrom('time_entry').selectAll().where('id', 'in', ids).orderBy('id').forUpdate().execute();

/** A worker's live entries of one week (Monday..Sunday), optionally locked in id order. */
export function weekEntries(db: Db, workerId: string, weekStart: string, weekEnd: string, lock = false) {
  const query = db
    .selectFrom('time_entry')
    .selectAll()
    .where('worker_id', '=', workerId)
    .where('date', '>=', weekStart)
    .where('date', '<=', weekEnd)
    .where('reversed_at', 'is', null)
    .orderBy('id');
  return lock ? query.forUpdate().execute() : query.execute();
}

export const insertApprovalRecords = (trx: Transaction<TimeDatabase>, rows: ReadonlyArray<Insertable<TimeDatabase['approval_record']>>) =>
  trx.insertInto('approval_record').values([...rows]).execute();

export const approvalDelegationsByIds = (db: Db, ids: readonly string[]) =>
  db.selectFrom('approval_delegation').selectAll().where('id', 'in', ids).execute();

export const correctionsOf = (db: Db, originalIds: readonly string[]) =>
  db.selectFrom('time_entry').selectAll().where('correction_of', 'in', originalIds).execute();

export interface ApprovalDelegationFilter {
  managerId?: string | null;
  delegateId?: string | null;
  activeOn?: string | null;
  /** Delegations this worker gave or received (a MANAGER's view). */
  involving?: string | null;
}

export function approvalDelegationsQuery(db: Db, filter: ApprovalDelegationFilter = {}) {
  let query = db.selectFrom('approval_delegation').selectAll();
  if (filter.managerId) query = query.where('manager_id', '=', filter.managerId);
  if (filter.delegateId) query = query.where('delegate_id', '=', filter.delegateId);
  if (filter.activeOn) query = query.where('revoked_at', 'is', null).where('valid_from', '<=', filter.activeOn).where('valid_to', '>=', filter.activeOn);
  const involving = filter.involving;
  if (involving) query = query.where((eb) => eb.or([eb('manager_id', '=', involving), eb('delegate_id', '=', involving)]));
  return query;
}

/** The managers whose approvals this delegate takes on `day` (live delegations covering it). */
export const delegatorsOf = (db: Db, delegateId: string, day: string) =>
  db
    .selectFrom('approval_delegation')
    .select('manager_id')
    .where('delegate_id', '=', delegateId)
    .where('revoked_at', 'is', null)
    .where('valid_from', '<=', day)
    .where('valid_to', '>=', day)
    .execute()
    .then((rows) => [...new Set(rows.map((row) => row.manager_id))]);
/** Approved hours count for payroll: APPROVED and not reversed by a correction. */
/** APPROVED entries not reversed by a correction: the hours every approved-hours total counts. */
export const approvedLive = (db: Db) => db.selectFrom('time_entry').where('status', '=', 'APPROVED').where('reversed_at', 'is', null);

/**
 * The workers with approved hours in [from, to] (optionally only among `workerIds`), one row each, as a table for
 * the pager: the payroll feed's lines.
 */
export function payrollWorkersQuery(db: Db, filter: { from: string; to: string; workerIds: readonly string[] | null }) {
  let workers = approvedLive(db).select('worker_id').where('date', '>=', filter.from).where('date', '<=', filter.to);
  if (filter.workerIds) workers = workers.where(sql<boolean>`worker_id = any(${[...filter.workerIds]}::text[])`);
  return db.selectFrom(workers.groupBy('worker_id').as('payroll_worker')).selectAll();
}

/** Approved hours per worker per day in [from, to], summed by Postgres (the worker index serves it). */
export function approvedHoursPerDay(db: Db, workerIds: readonly string[], from: string, to: string) {
  return approvedLive(db)
    .select(['worker_id', 'date', sql<string>`sum(hours)::numeric(16, 2)`.as('hours')])
    .where(sql<boolean>`worker_id = any(${[...workerIds]}::text[])`)
    .where('date', '>=', from)
    .where('date', '<=', to)
    .groupBy(['worker_id', 'date'])
    .orderBy('worker_id')
    .orderBy('date')
    .execute();
}
/** Expenses already imported under any of these external refs, in one statement. */
export function expensesByExternalRefs(trx: Transaction<TimeDatabase>, refs: ReadonlyArray<{ system: string; id: string }>) {
  return trx
    .selectFrom('expense_entry')
    .select(['id', 'worker_id', 'external_system', 'external_id'])
    .where(
      sql<boolean>`(external_system, external_id) in (select * from unnest(${refs.map((r) => r.system)}::text[], ${refs.map((r) => r.id)}::text[]))`,
    )
    .execute();
}

export const insertExpenses = (trx: Transaction<TimeDatabase>, rows: ReadonlyArray<Insertable<TimeDatabase['expense_entry']>>) =>
  trx.insertInto('expense_entry').values(rows as Insertable<TimeDatabase['expense_entry']>[]).execute();

export const correctionsOfExpenses = (db: Db, originalIds: readonly string[]) =>
  db.selectFrom('expense_entry').selectAll().where('correction_of', 'in', originalIds).execute();

export const lockExpense = (trx: Transaction<TimeDatabase>, id: string) =>
  trx.selectFrom('expense_entry').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();

/**
 * The approval queue's rows: per worker-week of these workers, their live SUBMITTED entries' totals (the partial
 * submitted-week index serves it), as a table for the pager.
 */
export function pendingWeeksQuery(db: Db, workerIds: readonly string[]) {
  const pending = db
    .selectFrom('time_entry')
    .select([
      'worker_id',
      'week_start',
      sql<string>`sum(hours)::numeric(16, 2)`.as('submitted_hours'),
      sql<string>`coalesce(sum(hours) filter (where billable), 0)::numeric(16, 2)`.as('submitted_billable_hours'),
      sql<number>`count(*)::int`.as('submitted_entries'),
      sql<Date>`min(submitted_at)`.as('oldest_submitted_at'),
    ])
    .where(sql<boolean>`status = 'SUBMITTED' and reversed_at is null`)
    .where(workerIds.length > 0 ? sql<boolean>`worker_id = any(${[...workerIds]}::text[])` : nothing)
    .groupBy(['worker_id', 'week_start']);
  return db.selectFrom(pending.as('pending_week')).selectAll();
}

/** Live entries of many worker-weeks (by Monday) in one statement. */
export function liveEntriesOfWeeks(db: Db, weeks: ReadonlyArray<{ workerId: string; weekStart: string }>) {
  return db
    .selectFrom('time_entry')
    .selectAll()
    .where('reversed_at', 'is', null)
    .where(sql<boolean>`(worker_id, week_start) in (select * from unnest(${weeks.map((w) => w.workerId)}::text[], ${weeks.map((w) => w.weekStart)}::date[]))`)
    .execute();
}
/** Expenses by id, locked in id order (so two approvers of overlapping sets cannot deadlock). */
export const lockExpenses = (trx: Transaction<TimeDatabase>, ids: readonly string[]) =>
  trx.selectFrom('expense_entry').selectAll().where('id', 'in', ids).orderBy('id').forUpdate().execute();

export const approvalRecordsByExpenses = (db: Db, expenseIds: readonly string[]) =>
  db.selectFrom('approval_record').selectAll().where('expense_entry_id', 'in', expenseIds).orderBy('at').orderBy('id').execute();

/** The tables whose rows go through the approval flow; both carry the same lifecycle columns. */
export type ApprovalTable = 'time_entry' | 'expense_entry';

/** The lifecycle columns an approval step sets (absent: unchanged). */
export type LifecycleChanges = Partial<Pick<TimeDatabase['time_entry'], 'status' | 'submitted_at' | 'decided_at' | 'decided_by' | 'rejection_reason'>> & {
  updated_at: Date;
};

/** A correction reverses an approved row of either table: reversed_at set, version + 1; returns the row as it is now. */
export const reverse = <T extends ApprovalTable>(trx: Transaction<TimeDatabase>, table: T, id: string, now: Date) =>
  // As in setLifecycle: the columns written exist, with these types, in both tables.
  trx
    .updateTable(table as 'time_entry')
    .set((eb) => ({ reversed_at: now, version: eb('version', '+', 1), updated_at: now }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow() as unknown as Promise<Selectable<TimeDatabase[T]>>;

/** One approval step on many rows of either table: the changes, version + 1; returns the rows as they are now. */
export const setLifecycle = <T extends ApprovalTable>(trx: Transaction<TimeDatabase>, table: T, ids: readonly string[], changes: LifecycleChanges) =>
  // Kysely cannot type an update over a union of tables; the columns written exist, with these types, in both.
  trx
    .updateTable(table as 'time_entry')
    .set((eb) => ({ ...changes, version: eb('version', '+', 1) }))
    .where('id', 'in', ids)
    .returningAll()
    .execute() as unknown as Promise<Selectable<TimeDatabase[T]>[]>;

/**
 * The events of `type` about these subjects that the outbox still holds (it keeps published rows for a retention
 * window), newest first: what an approval published, for a republication to repeat. No index serves subject_id; this
 * is a repair path, one scan per call.
 */
export async function outboxEventsAbout(
  db: Db,
  type: string,
  subjectIds: readonly string[],
): Promise<Array<{ subjectId: string; data: Record<string, unknown> }>> {
  if (subjectIds.length === 0) return [];
  const rows = await db
    .selectFrom('outbox')
    .select(['subject_id', 'data'])
    .where('type', '=', type)
    .where('subject_id', 'in', subjectIds)
    .orderBy('seq', 'desc')
    .execute();
  const parsed = (data: unknown) => (typeof data === 'string' ? JSON.parse(data) : data) as Record<string, unknown>;
  return rows.map((row) => ({ subjectId: row.subject_id, data: parsed(row.data) }));
}
