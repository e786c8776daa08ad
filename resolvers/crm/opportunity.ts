import { entityRef } from '../../lib/graphql/connection.ts';
import type { OpportunityResolvers, RoleEstimateResolvers } from './types.generated.ts';

export const Opportunity: OpportunityResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.opportunity.load(ref.id),
  customer: async (opportunity, _, { loaders }) => (await loaders.customer.load(opportunity.customer_id))!,
  amount: (opportunity) =>
    opportunity.amount !== null && opportunity.currency !== null ? { amount: opportunity.amount, currency: opportunity.currency } : null,
  billingMethod: (opportunity) => opportunity.billing_method,
  legalEntity: (opportunity) => entityRef('LegalEntity', opportunity.legal_entity_id),
  expectedCloseDate: (opportunity) => opportunity.expected_close_date,
  expectedStartDate: (opportunity) => opportunity.expected_start_date,
  expectedEndDate: (opportunity) => opportunity.expected_end_date,
  estimatedHours: (opportunity) => opportunity.estimated_hours.map((estimate) => ({ role: entityRef('Role', estimate.roleId), hours: estimate.hours })),
  closedAt: (opportunity) => opportunity.closed_at,
  lostReason: (opportunity) => opportunity.lost_reason,
  contract: (opportunity, _, { loaders }) => (opportunity.contract_id ? loaders.contract.load(opportunity.contract_id) : null),
  createdAt: (opportunity) => opportunity.created_at,
  updatedAt: (opportunity) => opportunity.updated_at,
};

export const RoleEstimate: RoleEstimateResolvers = {};
