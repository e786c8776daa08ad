import { pacedList } from '../../lib/cooperative.ts';
import { pageArgsOf } from '../../lib/graphql/connection.ts';
import { loadByIdOrRef } from '../../subgraphs/psa/loaders.ts';
import type { QueryResolvers } from './types.generated.ts';

export const Query: QueryResolvers = {
  project: (_, args, { loaders }) => loadByIdOrRef(loaders.project, loaders.projectIdByRef, args),
  projects: (_, args, { psaQueries }, info) => psaQueries.projects(pageArgsOf(args, info)),
  task: (_, args, { loaders }) => loadByIdOrRef(loaders.task, loaders.taskIdByRef, args),
  assignment: (_, args, { loaders }) => loadByIdOrRef(loaders.assignment, loaders.assignmentIdByRef, args),
  assignments: (_, args, { psaQueries }, info) => psaQueries.assignments(pageArgsOf(args, info)),
  milestone: (_, args, { loaders }) => loadByIdOrRef(loaders.milestone, loaders.milestoneIdByRef, args),
  milestones: (_, args, { psaQueries }, info) => psaQueries.milestones(pageArgsOf(args, info)),
  staffingRequest: (_, { id }, { loaders }) => loaders.staffingRequest.load(id),
  staffingRequests: (_, args, { psaQueries }, info) => psaQueries.staffingRequests(pageArgsOf(args, info)),
  availability: async (_, { roleId, skills, from, to, minHours }, { identity, planning }) =>
    pacedList(await planning.availability(identity, { roleId, skills: skills ?? [], from, to, minHours: minHours ?? '0' })),
  capacityVsDemand: async (_, args, { identity, planning }) => pacedList(await planning.capacityVsDemand(identity, args)),
};
