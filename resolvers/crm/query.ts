import { pageArgsOf } from '../../lib/graphql/connection.ts';
import type { QueryResolvers } from './types.generated.ts';

const loadIf = <T>(loader: { load(id: string): Promise<T | null> }, id: string | null) => (id == null ? null : loader.load(id));

export const Query: QueryResolvers = {
  customer: async (_, args, { crmQueries, loaders }) => loadIf(loaders.customer, await crmQueries.recordId('Customer', args)),
  customers: (_, args, { crmQueries }, info) => crmQueries.customers(pageArgsOf(args, info)),
  contact: async (_, args, { crmQueries, loaders }) => loadIf(loaders.contact, await crmQueries.recordId('Contact', args)),
  opportunity: (_, { id }, { loaders }) => loaders.opportunity.load(id),
  opportunities: (_, args, { crmQueries }, info) => crmQueries.opportunities(pageArgsOf(args, info)),
  contract: async (_, args, { crmQueries, loaders }) => loadIf(loaders.contract, await crmQueries.recordId('Contract', args)),
  contracts: (_, args, { crmQueries }, info) => crmQueries.contracts(pageArgsOf(args, info)),
  rateCard: async (_, args, { crmQueries, loaders }) => loadIf(loaders.rateCard, await crmQueries.recordId('RateCard', args)),
};
