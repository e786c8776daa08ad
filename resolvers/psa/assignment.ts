import { toExternalRef } from '../../lib/external-refs.ts';
import { entityRef } from '../../lib/graphql/connection.ts';
import { psaFields } from '../../subgraphs/psa/domain/field-access.ts';
import { projectManagerOf } from '../../subgraphs/psa/loaders.ts';
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
  billRateOverride: (assignment, _, { identity, loaders }) =>
    psaFields.read(
      identity,
      'Assignment.billRateOverride',
      async () => {
        if (assignment.bill_rate_override === null) return null;
        const { currency } = (await loaders.project.load(assignment.project_id))!;
        return { amount: assignment.bill_rate_override, currency: currency! };
      },
      projectManagerOf(loaders, assignment.project_id),
    ),
  externalRefs: async (assignment, _, { loaders }) => (await loaders.assignmentRefs.load(assignment.id)).map(toExternalRef),
  createdAt: (assignment) => assignment.created_at,
  updatedAt: (assignment) => assignment.updated_at,
};
