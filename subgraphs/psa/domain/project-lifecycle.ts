import { DomainError } from '../../../lib/errors.ts';
import type { ProjectStatus } from '../tables.ts';

export type ProjectAction = 'activate' | 'hold' | 'resume' | 'close';

/**
 * DESIGN §1: DRAFT → ACTIVE → ON_HOLD ⇄ ACTIVE → CLOSED. Each action leaves exactly the statuses listed; anything
 * else is INVALID_TRANSITION. Activation also needs the project to be ready (see `project-readiness.ts`).
 */
export const projectTransitions: Readonly<Record<ProjectAction, { from: readonly ProjectStatus[]; to: ProjectStatus }>> = {
  activate: { from: ['DRAFT'], to: 'ACTIVE' },
  hold: { from: ['ACTIVE'], to: 'ON_HOLD' },
  resume: { from: ['ON_HOLD'], to: 'ACTIVE' },
  close: { from: ['ACTIVE'], to: 'CLOSED' },
};

/** The status `action` moves a project in `from` to, or INVALID_TRANSITION. */
export function nextProjectStatus(from: ProjectStatus, action: ProjectAction): ProjectStatus {
  const transition = projectTransitions[action];
  if (!transition.from.includes(from)) {
    throw new DomainError(
      'INVALID_TRANSITION',
      `cannot ${action} a ${from} project (only from ${transition.from.join(' or ')})`,
      { from, action },
    );
  }
  return transition.to;
}

/** A closed project is history: its plan (tasks, assignments, milestones, staffing) no longer changes. */
export function assertProjectOpen(status: ProjectStatus, what: string): void {
  if (status === 'CLOSED') throw new DomainError('INVALID_TRANSITION', `cannot change ${what} of a CLOSED project`, { status });
}

/**
 * What finance invoices against (contract, billing method, legal entity, currency) is settled before activation;
 * afterwards a change would re-price work already done, so it goes through a new contract instead.
 */
export function assertBillingTermsEditable(status: ProjectStatus, field: string): void {
  if (status !== 'DRAFT') {
    throw new DomainError('INVALID_TRANSITION', `${field} can change only while the project is DRAFT (it is ${status})`, { field, status });
  }
}
