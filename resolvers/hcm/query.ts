import { pageArgsOf } from '../../lib/graphql/connection.ts';
import type { QueryResolvers } from './types.generated.ts';
import { webhookQueries } from './webhooks.ts';

export const Query: QueryResolvers = {
  worker: async (_, args, { hcmQueries, loaders }) => {
    const id = await hcmQueries.recordIdOf('Worker', args);
    return id ? loaders.worker.load(id) : null;
  },
  workers: (_, args, { hcmQueries }, info) => hcmQueries.workers(pageArgsOf(args, info)),
  me: (_, __, { identity, loaders }) => (identity.workerId ? loaders.worker.load(identity.workerId) : null),
  legalEntity: async (_, args, { hcmQueries, loaders }) => {
    const id = await hcmQueries.recordIdOf('LegalEntity', args);
    return id ? loaders.legalEntity.load(id) : null;
  },
  legalEntities: (_, args, { hcmQueries }, info) => hcmQueries.legalEntities(pageArgsOf(args, info)),
  costCenter: async (_, args, { hcmQueries, loaders }) => {
    const id = await hcmQueries.recordIdOf('CostCenter', args);
    return id ? loaders.costCenter.load(id) : null;
  },
  costCenters: (_, args, { hcmQueries }, info) => hcmQueries.costCenters(pageArgsOf(args, info)),
  role: async (_, args, { hcmQueries, loaders }) => {
    const id = await hcmQueries.recordIdOf('Role', args);
    return id ? loaders.role.load(id) : null;
  },
  roles: (_, args, { hcmQueries }, info) => hcmQueries.roles(pageArgsOf(args, info)),
  workCalendar: (_, { id }, { loaders }) => loaders.calendar.load(id),
  workCalendars: (_, args, { hcmQueries }, info) => hcmQueries.workCalendars(pageArgsOf(args, info)),
  leave: (_, { id }, { loaders }) => loaders.leave.load(id),
  leaves: (_, args, { hcmQueries }, info) => hcmQueries.leaves(pageArgsOf(args, info)),
  apiKeys: (_, args, ctx, info) => ctx.apiKeys.list(ctx, pageArgsOf(args, info)),
  ...webhookQueries,
};
