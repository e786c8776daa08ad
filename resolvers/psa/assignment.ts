import { entityRef } from '../../lib/graphql/connection.ts';
import type { AssignmentResolvers } from './types.generated.ts';

export const Assignment: AssignmentResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.assignment.load(ref.id),
  project: async (assignment, _, { loaders }) => (await loaders.project.load(assignment.project_id))!,
  worker: (assignment) => entityRef('Worker', assignment.worker_id),
  role: (assignment) => entityRef('Role', assignment.role_id),
  startDate: (assignment) => assignment.start_date,
  endDate: (assignment) => assignment.end_date,
  plannedHours: (assignment) => assignment.planned_hours,
  // The override is stated in the project's currency (a project with an override always has one).
  billRateOverride: async (assignment, _, { loaders }) =>
    assignment.bill_rate_override === null
      ? null
      : { amount: assignment.bill_rate_override, currency: (await loaders.project.load(assignment.project_id))!.currency! },
  createdAt: (assignment) => assignment.created_at,
};
