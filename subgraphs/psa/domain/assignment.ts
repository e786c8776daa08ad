import { DomainError, badInput } from '../../../lib/errors.ts';
import type { AssignmentStatus } from '../tables.ts';

export interface DateWindow {
  startDate: string;
  endDate: string;
}

/** Inclusive windows share at least one day. */
export const windowsOverlap = (a: DateWindow, b: DateWindow) => a.startDate <= b.endDate && b.startDate <= a.endDate;

/** An assignment lies within the project's dates (an open-ended project has no upper bound). */
export function assertWithinProject(window: DateWindow, project: { startDate: string; endDate: string | null }): void {
  if (window.endDate < window.startDate) throw badInput('endDate', `must be on or after startDate (${window.startDate})`);
  if (window.startDate < project.startDate) {
    throw badInput('startDate', `${window.startDate} is before the project starts (${project.startDate})`);
  }
  if (project.endDate !== null && window.endDate > project.endDate) {
    throw badInput('endDate', `${window.endDate} is after the project ends (${project.endDate})`);
  }
}

/**
 * A worker holds at most one live (not CANCELLED) assignment on a project on any day: two would double-count planned
 * hours and leave time entries ambiguous about which one they book against. `others` are the worker's assignments on
 * the same project; the candidate itself (same id) is ignored.
 */
export function assertNotDoubleAssigned(
  candidate: DateWindow & { id: string | null },
  others: ReadonlyArray<DateWindow & { id: string; status: AssignmentStatus }>,
): void {
  const clash = others.find((other) => other.id !== candidate.id && other.status !== 'CANCELLED' && windowsOverlap(candidate, other));
  if (clash) {
    throw new DomainError(
      'CONFLICT',
      `the worker is already assigned to this project from ${clash.startDate} to ${clash.endDate}`,
      { assignmentId: clash.id },
    );
  }
}

/** TENTATIVE ⇄ CONFIRMED freely; either may be CANCELLED; a cancelled assignment stays cancelled. */
export function assertAssignmentStatusChange(from: AssignmentStatus, to: AssignmentStatus): void {
  if (from === 'CANCELLED' && to !== 'CANCELLED') {
    throw new DomainError('INVALID_TRANSITION', `a CANCELLED assignment cannot become ${to}; create a new one`, { from, to });
  }
}

/** New project dates must still contain every live assignment; otherwise the plan would point outside the project. */
export function assertCoversAssignments(
  project: { startDate: string; endDate: string | null },
  assignments: ReadonlyArray<DateWindow & { id: string }>,
): void {
  const outside = assignments.find(
    (assignment) => assignment.startDate < project.startDate || (project.endDate !== null && assignment.endDate > project.endDate),
  );
  if (outside) {
    throw new DomainError(
      'CONFLICT',
      `assignment ${outside.id} (${outside.startDate} to ${outside.endDate}) would fall outside the project's dates`,
      { assignmentId: outside.id },
    );
  }
}
