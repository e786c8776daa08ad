import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Json } from '../../lib/db/types.ts';
import type { ExternalRefTables } from '../../lib/external-refs.ts';
import type { OutboxTables } from '../../lib/events/outbox.ts';
import type { IdempotencyTables } from '../../lib/idempotency.ts';

export type BillingMethod = 'TIME_AND_MATERIALS' | 'FIXED_FEE' | 'MANAGED_SERVICES' | 'RETAINER';
export type CustomerStatus = 'ACTIVE' | 'INACTIVE';
export type OpportunityStage = 'PROSPECTING' | 'QUALIFICATION' | 'PROPOSAL' | 'NEGOTIATION' | 'CLOSED_WON' | 'CLOSED_LOST';
/** How a FIXED_FEE contract's fee is billed (DESIGN §2). */
export type FixedFeeMethod = 'MILESTONE' | 'SCHEDULE' | 'PERCENT_COMPLETE';

export type ContractStatus = 'DRAFT' | 'ACTIVE' | 'SUSPENDED' | 'COMPLETED' | 'TERMINATED';

export interface Address {
  line1: string;
  line2?: string | null;
  city: string;
  region?: string | null;
  postalCode?: string | null;
  country: string;
}

export interface ExternalId {
  system: string;
  id: string;
}

export interface RoleEstimate {
  roleId: string;
  hours: string;
}

export interface CustomerTable {
  id: string;
  name: string;
  code: string;
  status: CustomerStatus;
  currency: string;
  parent_id: string | null;
  billing_address: Json<Address | null>;
  tax_id: string | null;
  /** No longer written: references live in `external_ref` (moved there by the 2026-12-07T1200 migration). */
  external_ids: ColumnType<ExternalId[], string | undefined, string>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ContactTable {
  id: string;
  customer_id: string;
  name: string;
  email: string | null;
  phone: string | null;
  title: string | null;
  is_primary: boolean;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface OpportunityTable {
  id: string;
  customer_id: string;
  name: string;
  stage: OpportunityStage;
  probability: number;
  amount: string | null;
  currency: string | null;
  billing_method: BillingMethod;
  legal_entity_id: string;
  expected_close_date: string | null;
  expected_start_date: string | null;
  expected_end_date: string | null;
  estimated_hours: Json<RoleEstimate[]>;
  closed_at: Date | null;
  lost_reason: string | null;
  contract_id: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ContractTable {
  id: string;
  number: string;
  name: string;
  customer_id: string;
  billing_method: BillingMethod;
  currency: string;
  legal_entity_id: string;
  sold_hours: string | null;
  amount: string | null;
  not_to_exceed: string | null;
  /** FIXED_FEE only; null: not said (milestones and schedule bill, nothing by percent complete). */
  fixed_fee_method: FixedFeeMethod | null;
  start_date: string;
  end_date: string | null;
  status: ContractStatus;
  opportunity_id: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ContractAmendmentTable {
  id: string;
  contract_id: string;
  effective_date: string;
  description: string;
  sold_hours_delta: string | null;
  amount_delta: string | null;
  new_end_date: string | null;
  created_at: Generated<Date>;
}

export interface RateCardTable {
  id: string;
  contract_id: string;
  currency: string;
  created_at: Generated<Date>;
}

export interface RateCardRateTable {
  id: string;
  rate_card_id: string;
  role_id: string;
  bill_rate: string;
  effective_from: string;
  effective_to: string | null;
}

export interface CrmDatabase extends OutboxTables, IdempotencyTables, ExternalRefTables {
  customer: CustomerTable;
  contact: ContactTable;
  opportunity: OpportunityTable;
  contract: ContractTable;
  contract_amendment: ContractAmendmentTable;
  rate_card: RateCardTable;
  rate_card_rate: RateCardRateTable;
}

export type CustomerRow = Selectable<CustomerTable>;
export type ContactRow = Selectable<ContactTable>;
export type OpportunityRow = Selectable<OpportunityTable>;
export type ContractRow = Selectable<ContractTable>;
export type ContractAmendmentRow = Selectable<ContractAmendmentTable>;
export type RateCardRow = Selectable<RateCardTable>;
export type RateCardRateRow = Selectable<RateCardRateTable>;
