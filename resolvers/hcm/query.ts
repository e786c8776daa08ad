import { pageArgsOf } from '../../lib/graphql/connection.ts';
import type { QueryResolvers } from './types.generated.ts';

export const Query: QueryResolvers = {
  worker: (_, { id }, { loaders }) => loaders.worker.load(id),
  workers: (_, args, { hcmQueries }, info) => hcmQueries.workers(pageArgsOf(args, info)),
  me: (_, __, { identity, loaders }) => (identity.workerId ? loaders.worker.load(identity.workerId) : null),
  legalEntity: (_, { id }, { loaders }) => loaders.legalEntity.load(id),
  legalEntities: (_, args, { hcmQueries }, info) => hcmQueries.legalEntities(pageArgsOf(args, info)),
  costCenter: (_, { id }, { loaders }) => loaders.costCenter.load(id),
  costCenters: (_, args, { hcmQueries }, info) => hcmQueries.costCenters(pageArgsOf(args, info)),
  role: (_, { id }, { loaders }) => loaders.role.load(id),
  roles: (_, args, { hcmQueries }, info) => hcmQueries.roles(pageArgsOf(args, info)),
  workCalendar: (_, { id }, { loaders }) => loaders.calendar.load(id),
  workCalendars: (_, args, { hcmQueries }, info) => hcmQueries.workCalendars(pageArgsOf(args, info)),
  leave: (_, { id }, { loaders }) => loaders.leave.load(id),
  leaves: (_, args, { hcmQueries }, info) => hcmQueries.leaves(pageArgsOf(args, info)),
  apiKeys: (_, args, ctx, info) => ctx.apiKeys.list(ctx, pageArgsOf(args, info)),
};
