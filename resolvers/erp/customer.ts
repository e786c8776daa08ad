import { pageArgsOf } from '../../lib/graphql/connection.ts';
import type { CustomerResolvers } from './types.generated.ts';

/** crm owns Customer; erp adds its receivables. */
export const Customer: CustomerResolvers = {
  __resolveReference: (ref) => ref,
  invoices: (customer, args, { erpQueries }, info) => erpQueries.invoicesOfCustomer(customer.id, pageArgsOf(args, info)),
  arBalance: (customer, _, { erpQueries }) => erpQueries.arBalanceOfCustomer(customer.id),
  unbilledWork: (customer, args, { kpis }) => kpis.unbilledWorkOfCustomer(customer.id, args),
};
