import type { WorkerStatus } from '../tables.ts';

/**
 * The termination date is the worker's last day: from the day after, they are INACTIVE. The status recorded at the
 * last write can lag (a termination date set in advance passes silently), so readers use `effectiveStatus`.
 */
export function effectiveStatus(recorded: WorkerStatus, terminationDate: string | null, today: string): WorkerStatus {
  if (recorded === 'INACTIVE') return 'INACTIVE';
  return terminationDate !== null && terminationDate < today ? 'INACTIVE' : 'ACTIVE';
}

/**
 * The status to record when a worker is written. A termination date in the past makes them INACTIVE; setting a
 * future one or clearing it (a rehire, a withdrawn notice) makes them ACTIVE again; other changes keep the status.
 */
export function statusOnWrite(input: {
  current: WorkerStatus | null;
  terminationDate: string | null;
  terminationChanged: boolean;
  today: string;
}): WorkerStatus {
  const { current, terminationDate, terminationChanged, today } = input;
  if (terminationDate !== null && terminationDate < today) return 'INACTIVE';
  if (current === null || terminationChanged) return 'ACTIVE';
  return current;
}
