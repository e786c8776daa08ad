import { percentText } from '../../lib/decimal.ts';
import { entityRef } from '../../lib/graphql/connection.ts';
import { capUsageOf } from '../../subgraphs/erp/billing-models.ts';
import { optionalMoney } from '../../subgraphs/erp/domain/money.ts';
import { recurringTermsOf, retainerBalanceOf } from '../../subgraphs/erp/recurring-billing.ts';
import type { BillingScheduleLineResolvers, BillingSetupResolvers } from './types.generated.ts';

export const BillingSetup: BillingSetupResolvers = {
  __resolveReference: (ref, { erpQueries }) => erpQueries.billingSetup(ref.id),
  contract: (setup) => entityRef('Contract', setup.contract_id),
  customer: (setup) => entityRef('Customer', setup.customer_id),
  legalEntity: (setup) => entityRef('LegalEntity', setup.legal_entity_id),
  billingMethod: (setup) => setup.billing_method,
  invoiceGrouping: (setup) => setup.invoice_grouping,
  paymentTermsDays: (setup) => setup.payment_terms_days,
  blockedReason: (setup) => setup.blocked_reason,
  contractAmount: (setup) => optionalMoney(setup.contract_amount, setup.currency),
  notToExceed: (setup) => optionalMoney(setup.not_to_exceed, setup.currency),
  expenseMarkupPercent: (setup) => percentText(setup.expense_markup_percent),
  fixedFeeMethod: (setup) => setup.fixed_fee_method,
  // Fields of a setup already read (its reads check the caller's role).
  schedule: (setup, _, { loaders }) => loaders.scheduleLinesBySetup.load(setup.id),
  capUsage: async (setup, _, { loaders }) => capUsageOf(setup, await loaders.capSumsByContract.load(setup.contract_id)),
  recurringTerms: (setup) => recurringTermsOf(setup),
  retainerBalance: async (setup, _, { loaders }) =>
    setup.billing_method === 'RETAINER' ? retainerBalanceOf(setup, (await loaders.retainerSumsBySetup.load(setup.id))[0]) : null,
  createdAt: (setup) => setup.created_at,
  updatedAt: (setup) => setup.updated_at,
};

export const BillingScheduleLine: BillingScheduleLineResolvers = {
  amount: (line) => ({ amount: line.amount, currency: line.currency }),
  released: (line) => line.released_at !== null,
  releasedAt: (line) => line.released_at,
  billingEvent: (line, _, { loaders }) => (line.billing_event_id ? loaders.billingEvent.load(line.billing_event_id) : null),
};
