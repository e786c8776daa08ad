import { entityRef, optionalEntityRef } from '../../lib/graphql/connection.ts';
import type { StaffingRequestResolvers } from './types.generated.ts';

export const StaffingRequest: StaffingRequestResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.staffingRequest.load(ref.id),
  role: (request) => entityRef('Role', request.role_id),
  startDate: (request) => request.start_date,
  endDate: (request) => request.end_date,
  opportunity: (request) => optionalEntityRef('Opportunity', request.opportunity_id),
  project: (request, _, { loaders }) => (request.project_id ? loaders.project.load(request.project_id) : null),
  assignment: (request, _, { loaders }) => (request.assignment_id ? loaders.assignment.load(request.assignment_id) : null),
};
