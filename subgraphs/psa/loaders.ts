import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import { changeOrdering } from '../../lib/db/changes.ts';
import { badInput } from '../../lib/errors.ts';
import { checkExternalRef, externalRefKey, externalRefLoader, recordIdsByRefs, type ExternalRef } from '../../lib/external-refs.ts';
import type { Ordering } from '../../lib/graphql/connection.ts';
import { loaderById, pagedByParent } from '../../lib/graphql/loaders.ts';
import * as repo from './repository.ts';
import type { AssignmentRow, MilestoneRow, ProjectRow, PsaDatabase, StaffingRequestRow, TaskRow } from './tables.ts';

/** Stable orders of every psa list; the last column is unique so cursors never tie. */
export const orderings = {
  project: { columns: ['code', 'id'], direction: 'asc' },
  task: { columns: ['wbs_key', 'id'], direction: 'asc' },
  assignment: { columns: ['start_date', 'id'], direction: 'asc' },
  milestone: { columns: ['due_date', 'id'], direction: 'asc' },
  staffingRequest: { columns: ['start_date', 'id'], direction: 'asc' },
} as const satisfies Record<string, Ordering>;

/** A mirrorable list's order: by change when the filter asks for `updatedAfter`, else its usual one. */
export const projectOrdering = (filter: repo.ProjectFilter | null | undefined): Ordering =>
  filter?.updatedAfter != null ? changeOrdering('project') : orderings.project;
export const assignmentOrdering = (filter: repo.AssignmentFilter | null | undefined): Ordering =>
  filter?.updatedAfter != null ? changeOrdering('assignment') : orderings.assignment;

/** The ids records of `entity` hold under references: one statement per batch of lookups. */
const idByRefLoader = (db: Kysely<PsaDatabase>, entity: string) =>
  new DataLoader<ExternalRef, string | null, string>(
    async (refs) => {
      const ids = await recordIdsByRefs(db, entity, refs);
      return refs.map((ref) => ids.get(externalRefKey(ref)) ?? null);
    },
    { cacheKeyFn: externalRefKey },
  );

/** Per-request loaders: every reference and every list under a parent is one statement per batch. */
export function createPsaLoaders(db: Kysely<PsaDatabase>) {
  const projects = (filter: repo.ProjectFilter | null | undefined) => repo.projectsQuery(db, filter ?? {});
  const assignments = (filter: repo.AssignmentFilter | null | undefined) => repo.assignmentsQuery(db, filter ?? {});
  const staffing = (filter: repo.StaffingRequestFilter | null | undefined) => repo.staffingRequestsQuery(db, filter ?? {});
  return {
    project: loaderById((ids) => repo.projectsByIds(db, ids)),
    task: loaderById((ids) => repo.tasksByIds(db, ids)),
    assignment: loaderById((ids) => repo.assignmentsByIds(db, ids)),
    milestone: loaderById((ids) => repo.milestonesByIds(db, ids)),
    staffingRequest: loaderById((ids) => repo.staffingRequestsByIds(db, ids)),
    projectIdByRef: idByRefLoader(db, 'Project'),
    taskIdByRef: idByRefLoader(db, 'Task'),
    assignmentIdByRef: idByRefLoader(db, 'Assignment'),
    milestoneIdByRef: idByRefLoader(db, 'Milestone'),
    projectRefs: externalRefLoader(db, 'Project'),
    taskRefs: externalRefLoader(db, 'Task'),
    assignmentRefs: externalRefLoader(db, 'Assignment'),
    milestoneRefs: externalRefLoader(db, 'Milestone'),
    tasksByProject: pagedByParent<TaskRow, repo.TaskFilter>(db, 'project_id', orderings.task, (filter) => repo.tasksQuery(db, filter ?? {})),
    assignmentsByProject: pagedByParent<AssignmentRow, repo.AssignmentFilter>(db, 'project_id', assignmentOrdering, assignments),
    assignmentsByWorker: pagedByParent<AssignmentRow, repo.AssignmentFilter>(db, 'worker_id', assignmentOrdering, assignments),
    milestonesByProject: pagedByParent<MilestoneRow, repo.MilestoneFilter>(db, 'project_id', orderings.milestone, (filter) =>
      repo.milestonesQuery(db, filter ?? {}),
    ),
    staffingRequestsByProject: pagedByParent<StaffingRequestRow, repo.StaffingRequestFilter>(
      db,
      'project_id',
      orderings.staffingRequest,
      staffing,
    ),
    staffingRequestsByOpportunity: pagedByParent<StaffingRequestRow, repo.StaffingRequestFilter>(
      db,
      'opportunity_id',
      orderings.staffingRequest,
      staffing,
    ),
    projectsByCustomer: pagedByParent<ProjectRow, repo.ProjectFilter>(db, 'customer_id', projectOrdering, projects),
    projectsByContract: pagedByParent<ProjectRow, repo.ProjectFilter>(db, 'contract_id', projectOrdering, projects),
  };
}

export type PsaLoaders = ReturnType<typeof createPsaLoaders>;

/**
 * The manager of a record's project, for the field rules a project's manager passes (domain/field-access.ts): read
 * through the project loader, so a list of assignments or milestones costs one batched statement, and only when the
 * caller's roles do not already decide.
 */
export const projectManagerOf = (loaders: PsaLoaders, projectId: string) => async () =>
  (await loaders.project.load(projectId))?.manager_id ?? null;

/**
 * A lookup by `id` or by `externalRef` (`project(id:, externalRef:)`): exactly one of them; a reference nothing holds
 * answers null, as an unknown id does.
 */
export async function loadByIdOrRef<Row>(
  byId: DataLoader<string, Row | null>,
  idByRef: DataLoader<ExternalRef, string | null, string>,
  args: { id?: string | null; externalRef?: ExternalRef | null },
): Promise<Row | null> {
  if ((args.id == null) === (args.externalRef == null)) throw badInput('id', 'give either id or externalRef');
  const id = args.id ?? (await idByRef.load(checkExternalRef('externalRef', args.externalRef!)));
  return id === null ? null : byId.load(id);
}
