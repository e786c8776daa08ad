import type { BillingMethod, RoleEstimate } from './tables.ts';

/** The topics crm publishes, with their payloads. Consumers import these types, never crm's tables. */
export const crmTopics = {
  opportunityWon: 'crm.opportunity.won',
  opportunityLost: 'crm.opportunity.lost',
  contractAmended: 'crm.contract.amended',
} as const;

export interface OpportunityWon {
  opportunityId: string;
  name: string;
  customerId: string;
  contractId: string;
  rateCardId: string;
  legalEntityId: string;
  billingMethod: BillingMethod;
  currency: string;
  startDate: string;
  endDate: string | null;
  soldHours: string | null;
  amount: string | null;
  /** Roles the rate card prices; psa activates the project only when every staffed role has a rate. */
  ratedRoleIds: string[];
  estimatedHours: RoleEstimate[];
}

export interface OpportunityLost {
  opportunityId: string;
  customerId: string;
  reason: string;
}

export interface ContractAmended {
  contractId: string;
  amendmentId: string;
  effectiveDate: string;
  soldHours: string | null;
  amount: string | null;
  endDate: string | null;
}
