import { entityRef } from '../../lib/graphql/connection.ts';
import { crmFields } from '../../subgraphs/crm/domain/field-access.ts';
import type { OpportunityResolvers, RoleEstimateResolvers } from './types.generated.ts';

const moneyOf = ({ amount, currency }: { amount: string | null; currency: string | null }) =>
  amount !== null && currency !== null ? { amount, currency } : null;

export const Opportunity: OpportunityResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.opportunity.load(ref.id),
  customer: async (opportunity, _, { loaders }) => (await loaders.customer.load(opportunity.customer_id))!,
  amount: (opportunity, _, { identity }) => crmFields.read(identity, 'Opportunity.amount', () => moneyOf(opportunity)),
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
