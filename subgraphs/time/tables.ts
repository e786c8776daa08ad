import type { Generated, GeneratedAlways, Selectable } from 'kysely';
import type { DeletedRecordTables } from '../../lib/db/changes.ts';
import type { OutboxTables } from '../../lib/events/outbox.ts';
import type { IdempotencyTables } from '../../lib/idempotency.ts';

export type EntryStatus = 'DRAFT' | 'SUBMITTED' | 'APPROVED' | 'REJECTED';
export type ExpenseCategory = 'TRAVEL' | 'LODGING' | 'MEALS' | 'SOFTWARE' | 'OTHER';
export type ApprovalAction = 'SUBMITTED' | 'APPROVED' | 'REJECTED' | 'RECALLED' | 'APPROVAL_CANCELLED' | 'CORRECTED' | 'IMPORTED';
export type PeriodLockStatus = 'OPEN' | 'CLOSED';

export const entryStatuses: readonly EntryStatus[] = ['DRAFT', 'SUBMITTED', 'APPROVED', 'REJECTED'];

export interface TimeEntryTable {
  id: string;
  worker_id: string;
  project_id: string;
  task_id: string | null;
  role_id: string | null;
  /** psa's assignment the time was logged under: rate resolution tries its bill-rate override first. */
  assignment_id: string | null;
  date: string;
  /** Monday of `date`'s ISO week, computed by Postgres: the timesheet an entry belongs to can never disagree. */
  week_start: GeneratedAlways<string>;
  hours: string;
  start_time: string | null;
  end_time: string | null;
  billable: boolean;
  notes: string | null;
  status: EntryStatus;
  version: Generated<number>;
  /** Both set or both null; unique per system, so an import replayed from the same source cannot duplicate. */
  external_system: string | null;
  external_id: string | null;
  submitted_at: Date | null;
  decided_at: Date | null;
  decided_by: string | null;
  rejection_reason: string | null;
  correction_of: string | null;
  /** Set when a correction reverses this approved entry; reversed entries drop out of every total. */
  reversed_at: Date | null;
  /** Imported as billed in its source system (`invoiced: true`): its approval events tell erp never to bill it. */
  invoiced_externally: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ExpenseEntryTable {
  id: string;
  worker_id: string;
  project_id: string;
  date: string;
  /** Exactly the currency's minor-unit digits ("12.50" EUR, "1200" JPY, "1.250" KWD); always > 0. */
  amount: string;
  currency: string;
  category: ExpenseCategory;
  billable: boolean;
  receipt_ref: string | null;
  notes: string | null;
  status: EntryStatus;
  version: Generated<number>;
  /** As on time_entry: both set or both null, unique per system (an import replayed finds its expense). */
  external_system: string | null;
  external_id: string | null;
  submitted_at: Date | null;
  decided_at: Date | null;
  decided_by: string | null;
  rejection_reason: string | null;
  /** The approved expense this one corrects (unique: an expense is corrected once). */
  correction_of: string | null;
  /** Set when a correction reverses this approved expense; reversed expenses drop out of every total. */
  reversed_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** The approval history of time entries and expenses: exactly one of the two subject columns is set. */
export interface ApprovalRecordTable {
  id: string;
  time_entry_id: string | null;
  expense_entry_id: string | null;
  action: ApprovalAction;
  actor_id: string | null;
  at: Date;
  reason: string | null;
}

export interface PeriodLockTable {
  id: string;
  legal_entity_id: string;
  period_start: string;
  period_end: string;
  status: PeriodLockStatus;
  closed_at: Date;
  closed_by: string | null;
  reopened_at: Date | null;
  reopened_by: string | null;
  /** Until this day (inclusive) roles with grace rights may still change the period's entries; null: no grace. */
  grace_until: string | null;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** A manager's approvals taken by another worker for a window of days (holidays, leave). */
export interface ApprovalDelegationTable {
  id: string;
  manager_id: string;
  delegate_id: string;
  valid_from: string;
  valid_to: string;
  created_by: string | null;
  created_at: Generated<Date>;
  revoked_at: Date | null;
  revoked_by: string | null;
}

export interface TimeDatabase extends OutboxTables, IdempotencyTables, DeletedRecordTables {
  approval_delegation: ApprovalDelegationTable;
  time_entry: TimeEntryTable;
  expense_entry: ExpenseEntryTable;
  approval_record: ApprovalRecordTable;
  period_lock: PeriodLockTable;
}

export type TimeEntryRow = Selectable<TimeEntryTable>;
export type ExpenseEntryRow = Selectable<ExpenseEntryTable>;
export type ApprovalRecordRow = Selectable<ApprovalRecordTable>;
export type PeriodLockRow = Selectable<PeriodLockTable>;
export type ApprovalDelegationRow = Selectable<ApprovalDelegationTable>;

/** An entity another subgraph owns that time adds fields to (Worker, Project): only its key is known here. */
export interface EntityKey {
  id: string;
}

/** A psa project as time sees it: its key, and psa's budget hours when the gateway passes them (@requires). */
export interface ProjectRef extends EntityKey {
  budgetHours?: string | null;
}

/** A psa assignment with the fields time @requires for its forecast. */
export interface AssignmentRef extends EntityKey {
  plannedHours: string | null;
  startDate: string;
  endDate: string;
  worker: EntityKey;
}
