import { pageArgsOf } from '../../lib/graphql/connection.ts';
import type { CustomerResolvers } from './types.generated.ts';

/** crm owns Customer; psa adds its projects. The reference itself is all psa needs. */
export const Customer: CustomerResolvers = {
  __resolveReference: (ref) => ref,
  projects: (customer, args, { loaders }, info) => loaders.projectsByCustomer.for(pageArgsOf(args, info)).load(customer.id),
};
