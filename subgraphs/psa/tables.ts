import type { Generated, Selectable } from 'kysely';
import type { Json } from '../../lib/db/types.ts';
import type { ExternalRefTables } from '../../lib/external-refs.ts';
import type { OutboxTables } from '../../lib/events/outbox.ts';
import type { IdempotencyTables } from '../../lib/idempotency.ts';

/** Identical to crm's: the contract's billing method is copied onto the project. */
export type BillingMethod = 'TIME_AND_MATERIALS' | 'FIXED_FEE' | 'MANAGED_SERVICES' | 'RETAINER';
export type ProjectStatus = 'DRAFT' | 'ACTIVE' | 'ON_HOLD' | 'CLOSED';
export type TaskStatus = 'OPEN' | 'CLOSED';
export type AssignmentStatus = 'TENTATIVE' | 'CONFIRMED' | 'CANCELLED';
export type MilestoneStatus = 'PLANNED' | 'COMPLETED' | 'CANCELLED';
export type StaffingDemand = 'TENTATIVE' | 'CONFIRMED';
export type StaffingRequestStatus = 'OPEN' | 'FILLED' | 'CANCELLED';

export interface ProjectTable {
  id: string;
  code: string;
  name: string;
  customer_id: string;
  contract_id: string | null;
  opportunity_id: string | null;
  billing_method: BillingMethod | null;
  legal_entity_id: string | null;
  currency: string | null;
  status: ProjectStatus;
  start_date: string;
  end_date: string | null;
  budget_hours: string | null;
  budget_amount: string | null;
  manager_id: string | null;
  /** erp has reported the billing setup of the project's contract (see `billing_setup`). */
  billing_ready: boolean;
  /** Created from a won deal: activates by itself once everything activation needs is in place. */
  activate_when_ready: boolean;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface TaskTable {
  id: string;
  project_id: string;
  wbs: string;
  /** The WBS with each segment zero-padded, so "1.10" sorts after "1.9". */
  wbs_key: string;
  name: string;
  parent_id: string | null;
  billable: boolean;
  status: TaskStatus;
  planned_hours: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface AssignmentTable {
  id: string;
  project_id: string;
  worker_id: string;
  role_id: string;
  start_date: string;
  end_date: string;
  planned_hours: string | null;
  status: AssignmentStatus;
  /** In the project's currency. */
  bill_rate_override: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface MilestoneTable {
  id: string;
  project_id: string;
  name: string;
  amount: string;
  currency: string;
  due_date: string;
  status: MilestoneStatus;
  completed_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface StaffingRequestTable {
  id: string;
  role_id: string;
  skills: Json<string[]>;
  hours: string;
  start_date: string;
  end_date: string;
  opportunity_id: string | null;
  project_id: string | null;
  demand: StaffingDemand;
  status: StaffingRequestStatus;
  assignment_id: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** Billing setups erp reported ready, by contract: they may arrive before or after the project exists. */
export interface BillingSetupTable {
  contract_id: string;
  billing_setup_id: string;
  ready_at: Generated<Date>;
}

export interface PsaDatabase extends OutboxTables, IdempotencyTables, ExternalRefTables {
  project: ProjectTable;
  task: TaskTable;
  assignment: AssignmentTable;
  milestone: MilestoneTable;
  staffing_request: StaffingRequestTable;
  billing_setup: BillingSetupTable;
}

export type ProjectRow = Selectable<ProjectTable>;
export type TaskRow = Selectable<TaskTable>;
export type AssignmentRow = Selectable<AssignmentTable>;
export type MilestoneRow = Selectable<MilestoneTable>;
export type StaffingRequestRow = Selectable<StaffingRequestTable>;
export type BillingSetupRow = Selectable<BillingSetupTable>;

/** An entity another subgraph owns that psa extends with fields (Customer.projects, Worker.assignments, …). */
export interface EntityKey {
  id: string;
}
