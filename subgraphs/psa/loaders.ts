import type { Kysely } from 'kysely';
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
    tasksByProject: pagedByParent<TaskRow, repo.TaskFilter>(db, 'project_id', orderings.task, (filter) => repo.tasksQuery(db, filter ?? {})),
    assignmentsByProject: pagedByParent<AssignmentRow, repo.AssignmentFilter>(db, 'project_id', orderings.assignment, assignments),
    assignmentsByWorker: pagedByParent<AssignmentRow, repo.AssignmentFilter>(db, 'worker_id', orderings.assignment, assignments),
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
    projectsByCustomer: pagedByParent<ProjectRow, repo.ProjectFilter>(db, 'customer_id', orderings.project, projects),
    projectsByContract: pagedByParent<ProjectRow, repo.ProjectFilter>(db, 'contract_id', orderings.project, projects),
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
