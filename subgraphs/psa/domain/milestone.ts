import { DomainError } from '../../../lib/errors.ts';
import type { MilestoneStatus, ProjectStatus } from '../tables.ts';

/**
 * Only a PLANNED milestone changes: a COMPLETED one has been (or is being) billed, a CANCELLED one is history.
 * `to` is the status an update asks for; only cancelling is allowed that way (completion has its own mutation).
 */
export function assertMilestoneUpdate(from: MilestoneStatus, to: MilestoneStatus | null): void {
  if (from !== 'PLANNED') throw new DomainError('INVALID_TRANSITION', `a ${from} milestone cannot be changed`, { from });
  if (to === 'COMPLETED') throw new DomainError('INVALID_TRANSITION', 'use completeMilestone to complete a milestone', { from, to });
}

/**
 * PLANNED → COMPLETED, on a project that has been activated and is not closed: completion is a billable event
 * (`psa.milestone.completed`), so the project must be one finance can invoice.
 */
export function assertCanComplete(milestone: MilestoneStatus, project: ProjectStatus): void {
  if (milestone !== 'PLANNED') throw new DomainError('INVALID_TRANSITION', `a ${milestone} milestone cannot be completed`, { from: milestone });
  if (project === 'DRAFT' || project === 'CLOSED') {
    throw new DomainError('INVALID_TRANSITION', `milestones of a ${project} project cannot be completed`, { projectStatus: project });
  }
}
