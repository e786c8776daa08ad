import { pageArgsOf } from '../../lib/graphql/connection.ts';
import type { QueryResolvers } from './types.generated.ts';

export const Query: QueryResolvers = {
  customer: (_, { id }, { loaders }) => loaders.customer.load(id),
  customers: (_, args, { crmQueries }, info) => crmQueries.customers(pageArgsOf(args, info)),
  contact: (_, { id }, { loaders }) => loaders.contact.load(id),
  opportunity: (_, { id }, { loaders }) => loaders.opportunity.load(id),
  opportunities: (_, args, { crmQueries }, info) => crmQueries.opportunities(pageArgsOf(args, info)),
  contract: (_, { id }, { loaders }) => loaders.contract.load(id),
  contracts: (_, args, { crmQueries }, info) => crmQueries.contracts(pageArgsOf(args, info)),
  rateCard: (_, { id }, { loaders }) => loaders.rateCard.load(id),
};
