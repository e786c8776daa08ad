import type { Kysely, SelectQueryBuilder, Transaction } from 'kysely';
import type { PsaDatabase } from './tables.ts';
import { containsPattern, prefixPattern } from '../../lib/db/like.ts';
import { changedAfter } from '../../lib/db/changes.ts';
import { whereExternalRef, whereExternalSystem, type ExternalRef } from '../../lib/external-refs.ts';

/** Queries only: no rules, no transactions of their own. Each takes the handle (db or trx) first. */
type Db = Kysely<PsaDatabase> | Transaction<PsaDatabase>;

/** Filters every list of a record with ids in other systems takes. */
export interface ExternalRefFilter {
  /** Records holding any of these. */
  externalRefs?: readonly ExternalRef[] | null;
  /** Records with an id in this system. */
  externalSystem?: string | null;
}

/** The filter of a list a system may mirror: what changed after an instant (ordered by change: `changeOrdering`). */
export interface ChangeFilter {
  updatedAfter?: Date | string | null;
}

function byExternalRefs<Q extends SelectQueryBuilder<any, any, any>>(query: Q, entity: string, table: string, filter: ExternalRefFilter): Q {
  let filtered = query;
  if (filter.externalRefs) filtered = whereExternalRef(filtered, entity, `${table}.id`, filter.externalRefs);
  if (filter.externalSystem) filtered = whereExternalSystem(filtered, entity, `${table}.id`, filter.externalSystem);
  return filtered;
}

export interface ProjectFilter extends ExternalRefFilter, ChangeFilter {
  ids?: readonly string[] | null;
  customerId?: string | null;
  contractId?: string | null;
  status?: readonly string[] | null;
  legalEntityId?: string | null;
  managerId?: string | null;
  activeFrom?: string | null;
  activeTo?: string | null;
  search?: string | null;
}

export interface TaskFilter extends ExternalRefFilter {
  status?: readonly string[] | null;
  billable?: boolean | null;
}

export interface AssignmentFilter extends ExternalRefFilter, ChangeFilter {
  projectId?: string | null;
  workerId?: string | null;
  status?: readonly string[] | null;
  from?: string | null;
  to?: string | null;
}

export interface MilestoneFilter extends ExternalRefFilter {
  projectId?: string | null;
  status?: readonly string[] | null;
  dueFrom?: string | null;
  dueTo?: string | null;
}

export interface StaffingRequestFilter {
  status?: readonly string[] | null;
  demand?: string | null;
  roleId?: string | null;
  projectId?: string | null;
  opportunityId?: string | null;
  from?: string | null;
  to?: string | null;
}


export const projectsByIds = (db: Db, ids: readonly string[]) => db.selectFrom('project').selectAll().where('id', 'in', ids).execute();

export function projectsQuery(db: Db, filter: ProjectFilter = {}) {
  let query = db.selectFrom('project').selectAll();
  if (filter.ids) query = query.where('id', 'in', filter.ids.length ? filter.ids : ['']);
  if (filter.customerId) query = query.where('customer_id', '=', filter.customerId);
  if (filter.contractId) query = query.where('contract_id', '=', filter.contractId);
  if (filter.status?.length) query = query.where('status', 'in', filter.status as never[]);
  if (filter.legalEntityId) query = query.where('legal_entity_id', '=', filter.legalEntityId);
  if (filter.managerId) query = query.where('manager_id', '=', filter.managerId);
  // Projects whose dates overlap [activeFrom, activeTo]; an open end runs forever.
  if (filter.activeTo) query = query.where('start_date', '<=', filter.activeTo);
  if (filter.activeFrom) {
    const from = filter.activeFrom;
    query = query.where((eb) => eb.or([eb('end_date', 'is', null), eb('end_date', '>=', from)]));
  }
  if (filter.search) {
    const pattern = containsPattern(filter.search);
    query = query.where((eb) => eb.or([eb('name', 'ilike', pattern), eb('code', 'ilike', pattern)]));
  }
  return changedAfter(byExternalRefs(query, 'Project', 'project', filter), 'project', filter.updatedAfter);
}

export const tasksByIds = (db: Db, ids: readonly string[]) => db.selectFrom('task').selectAll().where('id', 'in', ids).execute();

export function tasksQuery(db: Db, filter: TaskFilter = {}) {
  let query = db.selectFrom('task').selectAll();
  if (filter.status?.length) query = query.where('status', 'in', filter.status as never[]);
  if (filter.billable != null) query = query.where('billable', '=', filter.billable);
  return byExternalRefs(query, 'Task', 'task', filter);
}

export const assignmentsByIds = (db: Db, ids: readonly string[]) =>
  db.selectFrom('assignment').selectAll().where('id', 'in', ids).execute();

export function assignmentsQuery(db: Db, filter: AssignmentFilter = {}) {
  let query = db.selectFrom('assignment').selectAll();
  if (filter.projectId) query = query.where('project_id', '=', filter.projectId);
  if (filter.workerId) query = query.where('worker_id', '=', filter.workerId);
  if (filter.status?.length) query = query.where('status', 'in', filter.status as never[]);
  // Assignments whose window overlaps [from, to].
  if (filter.to) query = query.where('start_date', '<=', filter.to);
  if (filter.from) query = query.where('end_date', '>=', filter.from);
  return changedAfter(byExternalRefs(query, 'Assignment', 'assignment', filter), 'assignment', filter.updatedAfter);
}

export const milestonesByIds = (db: Db, ids: readonly string[]) => db.selectFrom('milestone').selectAll().where('id', 'in', ids).execute();

export function milestonesQuery(db: Db, filter: MilestoneFilter = {}) {
  let query = db.selectFrom('milestone').selectAll();
  if (filter.projectId) query = query.where('project_id', '=', filter.projectId);
  if (filter.status?.length) query = query.where('status', 'in', filter.status as never[]);
  if (filter.dueFrom) query = query.where('due_date', '>=', filter.dueFrom);
  if (filter.dueTo) query = query.where('due_date', '<=', filter.dueTo);
  return byExternalRefs(query, 'Milestone', 'milestone', filter);
}

export const staffingRequestsByIds = (db: Db, ids: readonly string[]) =>
  db.selectFrom('staffing_request').selectAll().where('id', 'in', ids).execute();

export function staffingRequestsQuery(db: Db, filter: StaffingRequestFilter = {}) {
  let query = db.selectFrom('staffing_request').selectAll();
  if (filter.status?.length) query = query.where('status', 'in', filter.status as never[]);
  if (filter.demand) query = query.where('demand', '=', filter.demand as never);
  if (filter.roleId) query = query.where('role_id', '=', filter.roleId);
  if (filter.projectId) query = query.where('project_id', '=', filter.projectId);
  if (filter.opportunityId) query = query.where('opportunity_id', '=', filter.opportunityId);
  if (filter.to) query = query.where('start_date', '<=', filter.to);
  if (filter.from) query = query.where('end_date', '>=', filter.from);
  return query;
}

/** Locks the project: every change to its plan serializes on it, so checks such as double assignment cannot race. */
export const lockProject = (trx: Transaction<PsaDatabase>, id: string) =>
  trx.selectFrom('project').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();

export const lockTask = (trx: Transaction<PsaDatabase>, id: string) =>
  trx.selectFrom('task').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();

export const lockAssignment = (trx: Transaction<PsaDatabase>, id: string) =>
  trx.selectFrom('assignment').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();

export const lockMilestone = (trx: Transaction<PsaDatabase>, id: string) =>
  trx.selectFrom('milestone').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();

export const lockStaffingRequest = (trx: Transaction<PsaDatabase>, id: string) =>
  trx.selectFrom('staffing_request').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();

export const projectByCode = (db: Db, code: string) => db.selectFrom('project').select('id').where('code', '=', code).executeTakeFirst();

/** Codes starting with `prefix`, to pick a free one. */
export const projectCodesStartingWith = async (db: Db, prefix: string) =>
  (await db.selectFrom('project').select('code').where('code', 'like', prefixPattern(prefix)).execute()).map(
    (row) => row.code,
  );

export const projectOfOpportunity = (db: Db, opportunityId: string) =>
  db.selectFrom('project').select('id').where('opportunity_id', '=', opportunityId).executeTakeFirst();

export const lockProjectsOfContract = (trx: Transaction<PsaDatabase>, contractId: string) =>
  trx.selectFrom('project').selectAll().where('contract_id', '=', contractId).orderBy('id').forUpdate().execute();

/**
 * The amounts of a contract's milestones that bill (PLANNED or COMPLETED; not CANCELLED) in `currency`, on every
 * project of the contract, but `exceptId` (the milestone being changed).
 */
export const billingMilestoneAmountsOfContract = async (db: Db, contractId: string, currency: string, exceptId: string | null) =>
  (
    await db
      .selectFrom('milestone as m')
      .innerJoin('project as p', 'p.id', 'm.project_id')
      .where('p.contract_id', '=', contractId)
      .where('m.currency', '=', currency)
      .where('m.status', 'in', ['PLANNED', 'COMPLETED'])
      .$if(exceptId !== null, (query) => query.where('m.id', '<>', exceptId!))
      .select('m.amount')
      .execute()
  ).map((row) => String(row.amount));

export const taskByWbs = (db: Db, projectId: string, wbs: string) =>
  db.selectFrom('task').selectAll().where('project_id', '=', projectId).where('wbs', '=', wbs).executeTakeFirst();

export const assignmentsOfWorkerOnProject = (db: Db, projectId: string, workerId: string) =>
  db.selectFrom('assignment').selectAll().where('project_id', '=', projectId).where('worker_id', '=', workerId).execute();

export const liveAssignmentsOfProject = (db: Db, projectId: string) =>
  db.selectFrom('assignment').selectAll().where('project_id', '=', projectId).where('status', '!=', 'CANCELLED').execute();

/** Whether money in the project's currency exists (milestones, bill-rate overrides): the currency is then fixed. */
export async function projectHasAmounts(db: Db, projectId: string): Promise<boolean> {
  const milestone = await db.selectFrom('milestone').select('id').where('project_id', '=', projectId).limit(1).executeTakeFirst();
  if (milestone) return true;
  const override = await db
    .selectFrom('assignment')
    .select('id')
    .where('project_id', '=', projectId)
    .where('bill_rate_override', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  return Boolean(override);
}

export const billingSetupOf = (db: Db, contractId: string) =>
  db.selectFrom('billing_setup').selectAll().where('contract_id', '=', contractId).executeTakeFirst();
