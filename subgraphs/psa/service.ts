import type { Kysely } from 'kysely';
import { paginate } from '../../lib/graphql/connection.ts';
import type { PagedArgs } from '../../lib/graphql/loaders.ts';
import type { ContractFeeFacts } from './contract-facts.ts';
import { assignmentOrdering, orderings, projectOrdering } from './loaders.ts';
import * as repo from './repository.ts';
import type { PsaDatabase } from './tables.ts';
import { createWriter, type PsaServiceDeps } from './use-cases/context.ts';
import { createPlanUseCases } from './use-cases/plan.ts';
import { createProjectUseCases } from './use-cases/projects.ts';
import { createStaffingUseCases } from './use-cases/staffing.ts';
import { createStaffRequestUseCase, type StaffingPolicy } from './use-cases/staff-request.ts';

/**
 * psa's use cases. Each mutation checks access, validates, then runs in one transaction with its outbox events.
 * They are grouped by aggregate in `use-cases/` (projects, plan, staffing) to keep files small; this is the one
 * surface the resolvers call.
 */
export function createPsaService(deps: PsaServiceDeps & { staffing: StaffingPolicy; contractFees?: ContractFeeFacts }) {
  const writer = createWriter(deps);
  const staffing = createStaffingUseCases(writer);
  return {
    ...createProjectUseCases(writer),
    ...createPlanUseCases(writer, deps.contractFees),
    ...staffing,
    ...createStaffRequestUseCase(writer, staffing, deps.staffing),
  };
}

export type PsaService = ReturnType<typeof createPsaService>;

/** psa's top-level lists (lists under a parent go through the loaders). */
export function createPsaQueries(db: Kysely<PsaDatabase>) {
  return {
    projects: (page: PagedArgs<repo.ProjectFilter>) => paginate(repo.projectsQuery(db, page.filter ?? {}), projectOrdering(page.filter), page, page),
    assignments: (page: PagedArgs<repo.AssignmentFilter>) =>
      paginate(repo.assignmentsQuery(db, page.filter ?? {}), assignmentOrdering(page.filter), page, page),
    milestones: (page: PagedArgs<repo.MilestoneFilter>) =>
      paginate(repo.milestonesQuery(db, page.filter ?? {}), orderings.milestone, page, page),
    staffingRequests: (page: PagedArgs<repo.StaffingRequestFilter>) =>
      paginate(repo.staffingRequestsQuery(db, page.filter ?? {}), orderings.staffingRequest, page, page),
  };
}

export type PsaQueries = ReturnType<typeof createPsaQueries>;
