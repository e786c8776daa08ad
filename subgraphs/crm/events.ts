import type { BillingMethod, RoleEstimate } from './tables.ts';

/** The topics crm publishes, with their payloads. Consumers import these types, never crm's tables. */
export const crmTopics = {
  opportunityWon: 'crm.opportunity.won',
  opportunityLost: 'crm.opportunity.lost',
  contractCreated: 'crm.contract.created',
  contractAmended: 'crm.contract.amended',
} as const;

/** A contract with its rate card exists; erp prepares its billing setup from this. */
export interface ContractCreated {
  contractId: string;
  rateCardId: string;
  customerId: string;
  legalEntityId: string;
  billingMethod: BillingMethod;
  currency: string;
  startDate: string;
  endDate: string | null;
  /** Roles the rate card prices (empty: no rates yet). */
  ratedRoleIds: string[];
  /** The contract's amount and not-to-exceed cap, in `currency` (null: none); absent from events published before. */
  amount?: string | null;
  notToExceed?: string | null;
}

export interface OpportunityWon {
  opportunityId: string;
  name: string;
  contractNumber: string;
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
  /** The contract's not-to-exceed cap after the amendment (an amendment does not change it; absent from older events). */
  notToExceed?: string | null;
}
