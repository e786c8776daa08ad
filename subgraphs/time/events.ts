import type { ApprovalAction, EntryStatus, ExpenseCategory, ExpenseEntryRow, TimeEntryRow } from './tables.ts';

/**
 * The topics time publishes, with their payloads. Consumers import these types, never time's tables.
 * Entry events follow the approval flow (DESIGN §4.2-4.3); every event that takes back an approval (a rejection with
 * `wasApproved`, a cancelled approval, a correction) tells erp to reverse what it posted.
 */
export const timeTopics = {
  periodClosed: 'time.period.closed',
  periodReopened: 'time.period.reopened',
  entrySubmitted: 'time.entry.submitted',
  entryApproved: 'time.entry.approved',
  entryRejected: 'time.entry.rejected',
  entryCorrected: 'time.entry.corrected',
  entryApprovalCancelled: 'time.entry.approval_cancelled',
  timesheetChanged: 'time.timesheet.changed',
  expenseSubmitted: 'time.expense.submitted',
  expenseApproved: 'time.expense.approved',
  expenseRejected: 'time.expense.rejected',
  expenseApprovalCancelled: 'time.expense.approval_cancelled',
  expenseCorrected: 'time.expense.corrected',
} as const;

/** A legal entity's period is locked: no time may be captured, changed or approved on its dates. */
export interface PeriodClosed {
  periodLockId: string;
  legalEntityId: string;
  periodStart: string;
  periodEnd: string;
  closedBy: string | null;
  closedAt: string;
}

export interface PeriodReopened {
  periodLockId: string;
  legalEntityId: string;
  periodStart: string;
  periodEnd: string;
  reopenedBy: string | null;
  reopenedAt: string;
}

/** What every entry event carries: the entry as it is after the change. */
export interface TimeEntrySnapshot {
  timeEntryId: string;
  version: number;
  status: EntryStatus;
  workerId: string;
  projectId: string;
  taskId: string | null;
  roleId: string | null;
  assignmentId: string | null;
  date: string;
  hours: string;
  billable: boolean;
}

export interface TimeEntrySubmitted extends TimeEntrySnapshot {
  submittedAt: string;
}

/** erp posts cost and, for billable entries, creates the billing event (keyed on timeEntryId + version). */
export interface TimeEntryApproved extends TimeEntrySnapshot {
  approvedBy: string | null;
  approvedAt: string;
  /** The approved entry this one corrects (its postings were reversed by `time.entry.corrected`). */
  correctionOf: string | null;
  /**
   * The bill rate per hour, frozen at approval (DESIGN §2: assignment override, else the rate card's rate for the
   * role on the date), in the contract's currency; null when the entry is not billable.
   */
  billRate: Money | null;
  /**
   * The rule that chose `billRate`: the assignment's override, or the rate card's rate for the role over its effective
   * period; null with `billRate`, absent from events published before the rule was kept. erp keeps it to explain the
   * billing event's amount.
   */
  billRateRule?: BillRateRule | null;
  /**
   * Billed in the system the entry was imported from (`importTimeEntries` with `invoiced: true`): erp records its
   * billing event as billed elsewhere and never puts it on an invoice. False for time captured in psgraph; absent from
   * events published before imports existed (read it as false).
   */
  invoicedExternally?: boolean;
}

/** Which rule of DESIGN §2 chose a bill rate (time's domain/entry-rules.ts `findBillRate`). */
export type BillRateRule =
  | { kind: 'ASSIGNMENT_OVERRIDE'; assignmentId: string }
  | { kind: 'RATE_CARD'; rateCardId: string; rateId: string; roleId: string; effectiveFrom: string; effectiveTo: string | null };

/** An amount in a currency, as the graph's `Money`: a decimal string and an ISO-4217 code. */
export interface Money {
  amount: string;
  currency: string;
}

export interface TimeEntryRejected extends TimeEntrySnapshot {
  rejectedBy: string | null;
  rejectedAt: string;
  reason: string;
  /** The entry was APPROVED until now: reverse what was posted for it. */
  wasApproved: boolean;
}

/** An approval was taken back (the entry is SUBMITTED again): reverse what was posted for it. */
export interface TimeEntryApprovalCancelled extends TimeEntrySnapshot {
  cancelledBy: string | null;
  cancelledAt: string;
  reason: string;
}

/**
 * An approved entry was reversed and replaced by a new linked entry (SUBMITTED, awaiting its own approval): reverse
 * everything posted for `reversed`; the correction is posted when its own `time.entry.approved` arrives.
 */
export interface TimeEntryCorrected {
  reversed: TimeEntrySnapshot;
  correctionId: string;
  correctedBy: string | null;
  correctedAt: string;
  reason: string;
}

/**
 * A worker's ISO week changed: one event per timesheet and transaction of the approval flow (recalls included) or of
 * a correction, however many of its entries changed (each entry has its own event besides). Subject `Timesheet`.
 */
export interface TimesheetChanged {
  /** "<workerId>:<isoWeek>" (domain/timesheet-id.ts). */
  timesheetId: string;
  workerId: string;
  isoWeek: string;
  weekStart: string;
  /** The timesheet's status after the change (domain/timesheet-status.ts), read under the worker's capture lock. */
  status: EntryStatus;
  /** What was done to its entries, as their history records it (a correction: CORRECTED). */
  action: ApprovalAction;
  /** The entries changed in this week (a correction: the reversed entry and its correction). */
  timeEntryIds: string[];
  changedBy: string | null;
  changedAt: string;
}

/** The payload every entry event starts from. */
export const snapshotOf = (row: TimeEntryRow): TimeEntrySnapshot => ({
  timeEntryId: row.id,
  version: row.version,
  status: row.status,
  workerId: row.worker_id,
  projectId: row.project_id,
  taskId: row.task_id,
  roleId: row.role_id,
  assignmentId: row.assignment_id,
  date: row.date,
  hours: row.hours,
  billable: row.billable,
});

/** What every expense event carries: the expense as it is after the change. */
export interface ExpenseSnapshot {
  expenseId: string;
  version: number;
  status: EntryStatus;
  workerId: string;
  projectId: string;
  date: string;
  /** Exactly the currency's minor-unit digits. */
  amount: string;
  currency: string;
  category: ExpenseCategory;
  billable: boolean;
}

export interface ExpenseSubmitted extends ExpenseSnapshot {
  submittedAt: string;
}

/** erp may post the expense's cost and, when billable, its billing event (keyed on expenseId + version). */
export interface ExpenseApproved extends ExpenseSnapshot {
  approvedBy: string | null;
  approvedAt: string;
  /** The approved expense this one corrects (its postings were reversed by `time.expense.corrected`). */
  correctionOf: string | null;
}

export interface ExpenseRejected extends ExpenseSnapshot {
  rejectedBy: string | null;
  rejectedAt: string;
  reason: string;
  /** The expense was APPROVED until now: reverse what was posted for it. */
  wasApproved: boolean;
}

/** An approval was taken back (the expense is SUBMITTED again): reverse what was posted for it. */
export interface ExpenseApprovalCancelled extends ExpenseSnapshot {
  cancelledBy: string | null;
  cancelledAt: string;
  reason: string;
}

/**
 * An approved expense was reversed and replaced by a new linked expense (SUBMITTED, awaiting its own approval): reverse
 * everything posted for `reversed`; the correction is posted when its own `time.expense.approved` arrives.
 */
export interface ExpenseCorrected {
  reversed: ExpenseSnapshot;
  correctionId: string;
  correctedBy: string | null;
  correctedAt: string;
  reason: string;
}

/** The payload every expense event starts from. */
export const expenseSnapshotOf = (row: ExpenseEntryRow): ExpenseSnapshot => ({
  expenseId: row.id,
  version: row.version,
  status: row.status,
  workerId: row.worker_id,
  projectId: row.project_id,
  date: row.date,
  amount: row.amount,
  currency: row.currency,
  category: row.category,
  billable: row.billable,
});
