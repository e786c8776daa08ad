import type { BillingMethod, ContractStatus, FixedFeeMethod, RoleEstimate } from './tables.ts';

/** The topics crm publishes, with their payloads. Consumers import these types, never crm's tables. */
export const crmTopics = {
  opportunityWon: 'crm.opportunity.won',
  opportunityLost: 'crm.opportunity.lost',
  contractCreated: 'crm.contract.created',
  contractAmended: 'crm.contract.amended',
  contractUpdated: 'crm.contract.updated',
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

/**
 * A contract's terms were changed in place (`updateContract`: its not-to-exceed cap, its status, its name, a fixed
 * fee's billing method): the contract as it stands after the change, and which fields changed. erp keeps its billing
 * setup's cap from this (and releases what a raised cap now admits).
 */
export interface ContractUpdated {
  contractId: string;
  status: ContractStatus;
  currency: string;
  amount: string | null;
  notToExceed: string | null;
  /** A FIXED_FEE contract's billing method (null: not said); absent from events published before. */
  fixedFeeMethod?: FixedFeeMethod | null;
  /** The fields the update changed, by their GraphQL names. */
  changed: string[];
}
