import type { EntryStatus } from './tables.ts';

/**
 * The topics time publishes, with their payloads. Consumers import these types, never time's tables.
 * The period topics are published today; the entry topics are the contract of the capture and approval flow
 * (DESIGN §4.2-4.3), fixed here so erp can build its consumers against them before that flow lands.
 */
export const timeTopics = {
  periodClosed: 'time.period.closed',
  periodReopened: 'time.period.reopened',
  entrySubmitted: 'time.entry.submitted',
  entryApproved: 'time.entry.approved',
  entryRejected: 'time.entry.rejected',
  entryCorrected: 'time.entry.corrected',
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
}

export interface TimeEntryRejected extends TimeEntrySnapshot {
  rejectedBy: string | null;
  rejectedAt: string;
  reason: string;
}

/** An approved entry was reversed and replaced: reverse everything posted for `reversed`. */
export interface TimeEntryCorrected {
  reversed: TimeEntrySnapshot;
  correctionId: string;
  correctedBy: string | null;
  correctedAt: string;
}
