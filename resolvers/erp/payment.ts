import { money } from '../../subgraphs/erp/domain/money.ts';
import type { PaymentResolvers } from './types.generated.ts';

export const Payment: PaymentResolvers = {
  __resolveReference: (ref, { erpQueries }) => erpQueries.payment(ref.id),
  invoice: async (payment, _, { loaders }) => (await loaders.invoice.load(payment.invoice_id))!,
  amount: (payment) => money(payment.amount, payment.currency),
  receivedOn: (payment) => payment.received_on,
  createdAt: (payment) => payment.created_at,
  updatedAt: (payment) => payment.updated_at,
};
