import type { Generated, Selectable } from 'kysely';
import type { Role } from '../../lib/auth/identity.ts';
import type { Json } from '../../lib/db/types.ts';
import type { OutboxTables } from '../../lib/events/outbox.ts';
import type { ExternalRefTables } from '../../lib/external-refs.ts';
import type { IdempotencyTables } from '../../lib/idempotency.ts';
import type { WebhookTables } from '../../lib/webhooks/index.ts';

export type WorkerKind = 'EMPLOYEE' | 'CONTRACTOR';
export type WorkerStatus = 'ACTIVE' | 'INACTIVE';
export type LeaveType = 'VACATION' | 'SICK' | 'PARENTAL' | 'OTHER';
export type LeaveStatus = 'APPROVED' | 'CANCELLED';

export interface LegalEntityTable {
  id: string;
  code: string;
  name: string;
  country: string;
  currency: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface CostCenterTable {
  id: string;
  code: string;
  name: string;
  legal_entity_id: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface RoleTable {
  id: string;
  code: string;
  name: string;
  target_utilization: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface WorkCalendarTable {
  id: string;
  name: string;
  hours_per_day: string;
  /** ISO weekdays, ascending. */
  working_days: Json<number[]>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface PublicHolidayTable {
  calendar_id: string;
  date: string;
  name: string;
}

export interface WorkerTable {
  id: string;
  employee_number: string;
  name: string;
  email: string;
  kind: WorkerKind;
  role_id: string;
  manager_id: string | null;
  cost_center_id: string;
  legal_entity_id: string;
  location: string;
  calendar_id: string;
  /** As of the last write; the effective status also turns INACTIVE once termination_date has passed. */
  status: WorkerStatus;
  hire_date: string;
  termination_date: string | null;
  /** The worker's own billable-utilization target in percent; null: their role's applies. */
  target_utilization: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/**
 * One period of a worker's effective-dated attributes (domain/worker-history.ts): [effective_from, effective_to],
 * effective_to null for the open last one. The `worker` row holds the period in effect today.
 */
export interface WorkerPeriodTable {
  worker_id: string;
  effective_from: string;
  effective_to: string | null;
  role_id: string;
  manager_id: string | null;
  cost_center_id: string;
  legal_entity_id: string;
  location: string;
  kind: WorkerKind;
  calendar_id: string;
}

export interface WorkerSkillTable {
  worker_id: string;
  skill: string;
  level: number;
}

export interface WorkerCostRateTable {
  id: string;
  worker_id: string;
  amount: string;
  currency: string;
  effective_from: string;
  effective_to: string | null;
  created_at: Generated<Date>;
}

export interface LeaveTable {
  id: string;
  worker_id: string;
  type: LeaveType;
  start_date: string;
  end_date: string;
  hours_per_day: string;
  status: LeaveStatus;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** A credential for a program (README "API keys"); the secret itself is never stored, only its hash. */
export interface ApiKeyTable {
  id: string;
  name: string;
  roles: Json<Role[]>;
  /** The worker the key acts for; null for a key that names no one. */
  worker_id: string | null;
  /** SHA-256 of the secret, base64url (domain/api-key.ts says why not a password hash). */
  secret_hash: string;
  /** The worker whose credential created the key; null when none was named (another key, the bootstrap command). */
  created_by: string | null;
  created_at: Generated<Date>;
  expires_at: Date | null;
  /** Written at most once a minute per key (domain/api-key.ts `lastUseResolutionMs`). */
  last_used_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
}

export interface HcmDatabase extends OutboxTables, IdempotencyTables, ExternalRefTables, WebhookTables {
  legal_entity: LegalEntityTable;
  cost_center: CostCenterTable;
  role: RoleTable;
  work_calendar: WorkCalendarTable;
  public_holiday: PublicHolidayTable;
  worker: WorkerTable;
  worker_period: WorkerPeriodTable;
  worker_skill: WorkerSkillTable;
  worker_cost_rate: WorkerCostRateTable;
  leave: LeaveTable;
  api_key: ApiKeyTable;
}

export type LegalEntityRow = Selectable<LegalEntityTable>;
export type CostCenterRow = Selectable<CostCenterTable>;
export type RoleRow = Selectable<RoleTable>;
export type WorkCalendarRow = Selectable<WorkCalendarTable>;
export type PublicHolidayRow = Selectable<PublicHolidayTable>;
export type WorkerRow = Selectable<WorkerTable>;
export type WorkerPeriodRow = Selectable<WorkerPeriodTable>;
export type WorkerSkillRow = Selectable<WorkerSkillTable>;
export type CostRateRow = Selectable<WorkerCostRateTable>;
export type LeaveRow = Selectable<LeaveTable>;
export type ApiKeyRow = Selectable<ApiKeyTable>;
