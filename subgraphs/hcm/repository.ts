import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { HcmDatabase, LeaveStatus, WorkerPeriodRow, WorkerStatus } from './tables.ts';
import { containsPattern } from '../../lib/db/like.ts';
import { changedAfter } from '../../lib/db/changes.ts';
import { whereExternalRef, whereExternalSystem, type ExternalRef } from '../../lib/external-refs.ts';

/** Queries only: no rules, no transactions of their own. Each takes the handle (db or trx) first. */
type Db = Kysely<HcmDatabase> | Transaction<HcmDatabase>;

/** The filters of every list of records that carry references in other systems. */
export interface ExternalRefFilter {
  externalRefs?: readonly ExternalRef[] | null;
  externalSystem?: string | null;
}

/** Records holding any of `filter.externalRefs`, and having an id in `filter.externalSystem`. */
function byExternalRefs<Q extends SelectQueryBuilder<any, any, any>>(query: Q, entity: string, idColumn: string, filter: ExternalRefFilter): Q {
  let filtered = query;
  if (filter.externalRefs) filtered = whereExternalRef(filtered, entity, idColumn, filter.externalRefs);
  if (filter.externalSystem) filtered = whereExternalSystem(filtered, entity, idColumn, filter.externalSystem);
  return filtered;
}

export interface WorkerFilter extends ExternalRefFilter {
  ids?: readonly string[] | null;
  search?: string | null;
  email?: string | null;
  employeeNumber?: string | null;
  legalEntityId?: string | null;
  costCenterId?: string | null;
  roleId?: string | null;
  managerId?: string | null;
  status?: WorkerStatus | null;
  location?: string | null;
  skill?: string | null;
  /** Workers changed after this instant (the list is then in change order: `changeOrdering`). */
  updatedAfter?: Date | string | null;
}

export interface LegalEntityFilter extends ExternalRefFilter {
  search?: string | null;
  country?: string | null;
  currency?: string | null;
}

export interface CostCenterFilter extends ExternalRefFilter {
  legalEntityId?: string | null;
}

export interface SearchFilter {
  search?: string | null;
}

export interface RoleFilter extends SearchFilter, ExternalRefFilter {}

export interface LeaveFilter {
  workerId?: string | null;
  from?: string | null;
  to?: string | null;
  status?: LeaveStatus | null;
}


export const legalEntitiesByIds = (db: Db, ids: readonly string[]) =>
  db.selectFrom('legal_entity').selectAll().where('id', 'in', ids).execute();

export function legalEntitiesQuery(db: Db, filter: LegalEntityFilter = {}) {
  let query = db.selectFrom('legal_entity').selectAll();
  if (filter.search) {
    const pattern = containsPattern(filter.search);
    query = query.where((eb) => eb.or([eb('name', 'ilike', pattern), eb('code', 'ilike', pattern)]));
  }
  if (filter.country) query = query.where('country', '=', filter.country);
  if (filter.currency) query = query.where('currency', '=', filter.currency);
  return byExternalRefs(query, 'LegalEntity', 'legal_entity.id', filter);
}

export const costCentersByIds = (db: Db, ids: readonly string[]) =>
  db.selectFrom('cost_center').selectAll().where('id', 'in', ids).execute();

export function costCentersQuery(db: Db, filter: CostCenterFilter = {}) {
  let query = db.selectFrom('cost_center').selectAll();
  if (filter.legalEntityId) query = query.where('legal_entity_id', '=', filter.legalEntityId);
  return byExternalRefs(query, 'CostCenter', 'cost_center.id', filter);
}

export const rolesByIds = (db: Db, ids: readonly string[]) => db.selectFrom('role').selectAll().where('id', 'in', ids).execute();

export function rolesQuery(db: Db, filter: RoleFilter = {}) {
  let query = db.selectFrom('role').selectAll();
  if (filter.search) {
    const pattern = containsPattern(filter.search);
    query = query.where((eb) => eb.or([eb('name', 'ilike', pattern), eb('code', 'ilike', pattern)]));
  }
  return byExternalRefs(query, 'Role', 'role.id', filter);
}

export const calendarsByIds = (db: Db, ids: readonly string[]) =>
  db.selectFrom('work_calendar').selectAll().where('id', 'in', ids).execute();

export function calendarsQuery(db: Db, filter: SearchFilter = {}) {
  let query = db.selectFrom('work_calendar').selectAll();
  if (filter.search) query = query.where('name', 'ilike', containsPattern(filter.search));
  return query;
}

/** Holidays of many calendars, optionally within [from, to], in date order. */
export function holidaysByCalendars(db: Db, calendarIds: readonly string[], range: { from?: string | null; to?: string | null } = {}) {
  let query = db.selectFrom('public_holiday').selectAll().where('calendar_id', 'in', calendarIds);
  if (range.from) query = query.where('date', '>=', range.from);
  if (range.to) query = query.where('date', '<=', range.to);
  return query.orderBy('date').execute();
}

export const workersByIds = (db: Db, ids: readonly string[]) => db.selectFrom('worker').selectAll().where('id', 'in', ids).execute();

/**
 * Workers matching `filter`. Status is the effective one (`domain/worker-status.ts`): a recorded ACTIVE worker whose
 * termination date is before `today` counts as INACTIVE.
 */
export function workersQuery(db: Db, filter: WorkerFilter, today: string) {
  let query = db.selectFrom('worker').selectAll('worker');
  if (filter.ids) query = query.where('worker.id', 'in', filter.ids.length ? filter.ids : ['']);
  if (filter.search) {
    const pattern = containsPattern(filter.search);
    query = query.where((eb) =>
      eb.or([eb('worker.name', 'ilike', pattern), eb('worker.email', 'ilike', pattern), eb('worker.employee_number', 'ilike', pattern)]),
    );
  }
  // lower(email): the expression the worker_email index is on.
  if (filter.email) query = query.where(sql`lower(worker.email)`, '=', filter.email.trim().toLowerCase());
  if (filter.employeeNumber) query = query.where('worker.employee_number', '=', filter.employeeNumber.trim());
  if (filter.legalEntityId) query = query.where('worker.legal_entity_id', '=', filter.legalEntityId);
  if (filter.costCenterId) query = query.where('worker.cost_center_id', '=', filter.costCenterId);
  if (filter.roleId) query = query.where('worker.role_id', '=', filter.roleId);
  if (filter.managerId) query = query.where('worker.manager_id', '=', filter.managerId);
  if (filter.location) query = query.where('worker.location', '=', filter.location);
  if (filter.status === 'ACTIVE') {
    query = query
      .where('worker.status', '=', 'ACTIVE')
      .where((eb) => eb.or([eb('worker.termination_date', 'is', null), eb('worker.termination_date', '>=', today)]));
  }
  if (filter.status === 'INACTIVE') {
    query = query.where((eb) => eb.or([eb('worker.status', '=', 'INACTIVE'), eb('worker.termination_date', '<', today)]));
  }
  if (filter.skill) {
    const skill = filter.skill.trim().toLowerCase();
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('worker_skill')
          .select(sql.lit(1).as('one'))
          .whereRef('worker_skill.worker_id', '=', 'worker.id')
          .where(sql<string>`lower(worker_skill.skill)`, '=', skill),
      ),
    );
  }
  return changedAfter(byExternalRefs(query, 'Worker', 'worker.id', filter), 'worker', filter.updatedAfter);
}

export const skillsByWorkers = (db: Db, workerIds: readonly string[]) =>
  db.selectFrom('worker_skill').selectAll().where('worker_id', 'in', workerIds).orderBy('worker_id').orderBy('skill').execute();

export const costRatesByWorkers = (db: Db, workerIds: readonly string[]) =>
  db.selectFrom('worker_cost_rate').selectAll().where('worker_id', 'in', workerIds).orderBy('worker_id').orderBy('effective_from').execute();

/** Every period of many workers' effective-dated attributes, by worker and date: one statement for a page of workers. */
export const periodsByWorkers = (db: Db, workerIds: readonly string[]) =>
  db.selectFrom('worker_period').selectAll().where('worker_id', 'in', workerIds).orderBy('worker_id').orderBy('effective_from').execute();

/** Writes a worker's whole history anew (the worker row is locked by the caller). */
export async function replaceWorkerPeriods(trx: Transaction<HcmDatabase>, workerId: string, periods: ReadonlyArray<Omit<WorkerPeriodRow, 'worker_id'>>) {
  await trx.deleteFrom('worker_period').where('worker_id', '=', workerId).execute();
  await trx.insertInto('worker_period').values(periods.map((period) => ({ ...period, worker_id: workerId }))).execute();
}

/**
 * Workers whose row does not hold the period in effect on `today`: a dated change took effect since the last write.
 * Ids only, in id order, at most `limit`.
 */
export const workersWithDueChanges = (db: Db, today: string, limit: number) =>
  db
    .selectFrom('worker')
    .innerJoin('worker_period as p', 'p.worker_id', 'worker.id')
    .select('worker.id')
    .where('p.effective_from', '<=', today)
    .where((eb) => eb.or([eb('p.effective_to', 'is', null), eb('p.effective_to', '>=', today)]))
    .where(
      sql<boolean>`(worker.role_id, worker.manager_id, worker.cost_center_id, worker.legal_entity_id, worker.location, worker.kind, worker.calendar_id)
        is distinct from (p.role_id, p.manager_id, p.cost_center_id, p.legal_entity_id, p.location, p.kind, p.calendar_id)`,
    )
    .orderBy('worker.id')
    .limit(limit)
    .execute();

export const leavesByIds = (db: Db, ids: readonly string[]) => db.selectFrom('leave').selectAll().where('id', 'in', ids).execute();

export function leavesQuery(db: Db, filter: LeaveFilter = {}) {
  let query = db.selectFrom('leave').selectAll();
  if (filter.workerId) query = query.where('worker_id', '=', filter.workerId);
  if (filter.from) query = query.where('end_date', '>=', filter.from);
  if (filter.to) query = query.where('start_date', '<=', filter.to);
  if (filter.status) query = query.where('status', '=', filter.status);
  return query;
}

/** Approved leave of many workers overlapping [from, to]: what capacity subtracts. */
export const approvedLeavesByWorkers = (db: Db, workerIds: readonly string[], from: string, to: string) =>
  db
    .selectFrom('leave')
    .selectAll()
    .where('worker_id', 'in', workerIds)
    .where('status', '=', 'APPROVED')
    .where('end_date', '>=', from)
    .where('start_date', '<=', to)
    .orderBy('start_date')
    .execute();

/**
 * The worker and every manager above them, as (id, manager_id) rows, in one recursive statement. The depth bound keeps
 * a corrupt (cyclic) chain from running away.
 */
export const managerChain = (db: Db, workerId: string) =>
  db
    .withRecursive('chain(id, manager_id, depth)', (qb) =>
      qb
        .selectFrom('worker')
        .select(['worker.id', 'worker.manager_id', sql<number>`0`.as('depth')])
        .where('worker.id', '=', workerId)
        .unionAll((union) =>
          union
            .selectFrom('worker')
            .innerJoin('chain', 'chain.manager_id', 'worker.id')
            .select(['worker.id', 'worker.manager_id', sql<number>`chain.depth + 1`.as('depth')])
            .where('chain.depth', '<', 1000),
        ),
    )
    .selectFrom('chain')
    .select(['id', 'manager_id'])
    .execute();

/** Locks the worker so concurrent changes (cost rates, leave, manager) serialize on it. */
export const lockWorker = (trx: Transaction<HcmDatabase>, id: string) =>
  trx.selectFrom('worker').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();

export const lockCalendar = (trx: Transaction<HcmDatabase>, id: string) =>
  trx.selectFrom('work_calendar').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();

/** Whether any worker of the legal entity has a cost rate (its currency is then fixed). */
export const legalEntityHasCostRates = async (db: Db, legalEntityId: string) =>
  Boolean(
    await db
      .selectFrom('worker_cost_rate')
      .innerJoin('worker', 'worker.id', 'worker_cost_rate.worker_id')
      .select('worker_cost_rate.id')
      .where('worker.legal_entity_id', '=', legalEntityId)
      .limit(1)
      .executeTakeFirst(),
  );

export interface ApiKeyFilter {
  status?: 'ACTIVE' | 'EXPIRED' | 'REVOKED' | null;
}

export const apiKeysByIds = (db: Db, ids: readonly string[]) => db.selectFrom('api_key').selectAll().where('id', 'in', ids).execute();

/** Keys by status as of `now` (domain/api-key.ts `apiKeyStatus`: revoked before expired). */
export function apiKeysQuery(db: Db, filter: ApiKeyFilter, now: Date) {
  let query = db.selectFrom('api_key').selectAll();
  if (filter.status === 'REVOKED') query = query.where('revoked_at', 'is not', null);
  if (filter.status === 'EXPIRED') query = query.where('revoked_at', 'is', null).where('expires_at', '<=', now);
  if (filter.status === 'ACTIVE') {
    query = query.where('revoked_at', 'is', null).where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
  }
  return query;
}

/** Locks the key so a revocation and a concurrent one serialize on it. */
export const lockApiKey = (trx: Transaction<HcmDatabase>, id: string) =>
  trx.selectFrom('api_key').select(['id', 'revoked_at']).where('id', '=', id).forUpdate().executeTakeFirst();

/** Sets `last_used_at` unless another check did since `staleBefore` (concurrent first uses of a minute write once). */
export const recordApiKeyUse = (db: Db, id: string, now: Date, staleBefore: Date) =>
  db
    .updateTable('api_key')
    .set({ last_used_at: now })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', staleBefore)]))
    .execute();

/** A key with what its check needs of its worker, in one statement: the gateway asks on every request. */
export const apiKeyForCheck = (db: Db, id: string) =>
  db
    .selectFrom('api_key')
    .leftJoin('worker', 'worker.id', 'api_key.worker_id')
    .select([
      'api_key.id',
      'api_key.roles',
      'api_key.worker_id',
      'api_key.secret_hash',
      'api_key.expires_at',
      'api_key.last_used_at',
      'api_key.revoked_at',
      'worker.status as worker_status',
      'worker.termination_date as worker_termination_date',
    ])
    .where('api_key.id', '=', id)
    .executeTakeFirst();
