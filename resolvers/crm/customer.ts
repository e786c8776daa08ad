import { toExternalRef } from '../../lib/external-refs.ts';
import { pageArgsOf } from '../../lib/graphql/connection.ts';
import type { CustomerResolvers } from './types.generated.ts';

export const Customer: CustomerResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.customer.load(ref.id),
  parent: (customer, _, { loaders }) => (customer.parent_id ? loaders.customer.load(customer.parent_id) : null),
  children: (customer, args, { loaders }, info) => loaders.childrenByCustomer.for(pageArgsOf(args, info)).load(customer.id),
  billingAddress: (customer) => customer.billing_address,
  taxId: (customer) => customer.tax_id,
  externalIds: async (customer, _, { loaders }) => (await loaders.customerRefs.load(customer.id)).map(toExternalRef),
  externalRefs: async (customer, _, { loaders }) => (await loaders.customerRefs.load(customer.id)).map(toExternalRef),
  contacts: (customer, args, { loaders }, info) => loaders.contactsByCustomer.for(pageArgsOf(args, info)).load(customer.id),
  opportunities: (customer, args, { loaders }, info) =>
    loaders.opportunitiesByCustomer.for(pageArgsOf(args, info)).load(customer.id),
  contracts: (customer, args, { loaders }, info) => loaders.contractsByCustomer.for(pageArgsOf(args, info)).load(customer.id),
  createdAt: (customer) => customer.created_at,
  updatedAt: (customer) => customer.updated_at,
};
