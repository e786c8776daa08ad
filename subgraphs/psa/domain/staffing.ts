import { DomainError } from '../../../lib/errors.ts';
import type { StaffingDemand, StaffingRequestStatus } from '../tables.ts';

/**
 * Demand is TENTATIVE while a request hangs only off an opportunity (resource planning weights it by the deal's
 * probability) and CONFIRMED once it belongs to a project.
 */
export const demandOf = (request: { projectId: string | null }): StaffingDemand => (request.projectId ? 'CONFIRMED' : 'TENTATIVE');

export type StaffingAction = 'update' | 'fill' | 'cancel';

/** Only an OPEN request is edited, filled or cancelled; FILLED and CANCELLED are final (cancel the assignment instead). */
export function assertStaffingChange(status: StaffingRequestStatus, action: StaffingAction): void {
  if (status !== 'OPEN') {
    throw new DomainError('INVALID_TRANSITION', `cannot ${action} a ${status} staffing request`, { from: status, action });
  }
}
