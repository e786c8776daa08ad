import { scalarResolvers } from '../../lib/graphql/scalars.ts';
import { Contact } from './contact.ts';
import { Contract, ContractAmendment } from './contract.ts';
import { Customer } from './customer.ts';
import { Mutation } from './mutation.ts';
import { Opportunity, RoleEstimate } from './opportunity.ts';
import { Query } from './query.ts';
import { Rate, RateCard } from './rate-card.ts';
import type { Resolvers } from './types.generated.ts';

export const crmResolvers: Resolvers = {
  ...scalarResolvers,
  Query,
  Mutation,
  Customer,
  Contact,
  Opportunity,
  RoleEstimate,
  Contract,
  ContractAmendment,
  RateCard,
  Rate,
};
