import type { EntryStatus } from '../tables.ts';

/** How many of a week's entries are in each status (entries reversed by a correction are not counted). */
export type StatusCounts = Readonly<Record<EntryStatus, number>>;

/**
 * A timesheet has no status of its own; it is derived from its entries, first match wins:
 * 1/ APPROVED when there are entries and every one is approved;
 * 2/ REJECTED when any entry is rejected (the worker has something to fix, whatever else is pending);
 * 3/ SUBMITTED when any entry awaits a decision;
 * 4/ DRAFT otherwise: only drafts, drafts beside approved entries, or no entries at all.
 */
export function timesheetStatus(counts: StatusCounts): EntryStatus {
  const total = counts.DRAFT + counts.SUBMITTED + counts.APPROVED + counts.REJECTED;
  if (total > 0 && counts.APPROVED === total) return 'APPROVED';
  if (counts.REJECTED > 0) return 'REJECTED';
  if (counts.SUBMITTED > 0) return 'SUBMITTED';
  return 'DRAFT';
}
