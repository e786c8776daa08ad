import { entityRef } from '../../lib/graphql/connection.ts';
import type { BillingSetupResolvers } from './types.generated.ts';

export const BillingSetup: BillingSetupResolvers = {
  __resolveReference: (ref, { erpQueries }) => erpQueries.billingSetup(ref.id),
  contract: (setup) => entityRef('Contract', setup.contract_id),
  customer: (setup) => entityRef('Customer', setup.customer_id),
  legalEntity: (setup) => entityRef('LegalEntity', setup.legal_entity_id),
  billingMethod: (setup) => setup.billing_method,
  invoiceGrouping: (setup) => setup.invoice_grouping,
  paymentTermsDays: (setup) => setup.payment_terms_days,
  blockedReason: (setup) => setup.blocked_reason,
  createdAt: (setup) => setup.created_at,
  updatedAt: (setup) => setup.updated_at,
};
