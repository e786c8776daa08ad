import { pageArgsOf } from '../../lib/graphql/connection.ts';
import type { QueryResolvers } from './types.generated.ts';

export const Query: QueryResolvers = {
  project: (_, { id }, { loaders }) => loaders.project.load(id),
  projects: (_, args, { psaQueries }, info) => psaQueries.projects(pageArgsOf(args, info)),
  task: (_, { id }, { loaders }) => loaders.task.load(id),
  assignment: (_, { id }, { loaders }) => loaders.assignment.load(id),
  assignments: (_, args, { psaQueries }, info) => psaQueries.assignments(pageArgsOf(args, info)),
  milestone: (_, { id }, { loaders }) => loaders.milestone.load(id),
  milestones: (_, args, { psaQueries }, info) => psaQueries.milestones(pageArgsOf(args, info)),
  staffingRequest: (_, { id }, { loaders }) => loaders.staffingRequest.load(id),
  staffingRequests: (_, args, { psaQueries }, info) => psaQueries.staffingRequests(pageArgsOf(args, info)),
  availability: (_, { roleId, skills, from, to, minHours }, { identity, planning }) =>
    planning.availability(identity, { roleId, skills: skills ?? [], from, to, minHours: minHours ?? '0' }),
  capacityVsDemand: (_, args, { identity, planning }) => planning.capacityVsDemand(identity, args),
};
