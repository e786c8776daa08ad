import { DomainError, badInput } from '../../../lib/errors.ts';
import type { ApprovalAction, EntryStatus } from '../tables.ts';

/**
 * The approval part of a time entry's lifecycle (DESIGN §1) as a table: each action, the statuses it may start from,
 * the status it leads to and the step it writes into the entry's history. Anything not in the table is
 * INVALID_TRANSITION. (REJECTED → DRAFT happens by editing the entry, in capture; corrections come later.)
 */
export type EntryAction = 'SUBMIT' | 'APPROVE' | 'REJECT' | 'RECALL';

export interface Transition {
  from: readonly EntryStatus[];
  to: EntryStatus;
  record: ApprovalAction;
}

export const entryTransitions: Readonly<Record<EntryAction, Transition>> = {
  SUBMIT: { from: ['DRAFT', 'REJECTED'], to: 'SUBMITTED', record: 'SUBMITTED' },
  APPROVE: { from: ['SUBMITTED'], to: 'APPROVED', record: 'APPROVED' },
  REJECT: { from: ['SUBMITTED'], to: 'REJECTED', record: 'REJECTED' },
  RECALL: { from: ['SUBMITTED'], to: 'DRAFT', record: 'RECALLED' },
};

export const canTransition = (status: EntryStatus, action: EntryAction): boolean => entryTransitions[action].from.includes(status);

/** A rejection must say why; the trimmed reason is what is stored. */
export function checkRejectionReason(reason: string | null | undefined): string {
  const trimmed = (reason ?? '').trim();
  if (trimmed === '') throw badInput('reason', 'a rejection needs a reason');
  if (trimmed.length > 2000) throw badInput('reason', 'at most 2000 characters');
  return trimmed;
}

/** The transition `action` makes from `status`, or INVALID_TRANSITION naming the entry, its status and the action. */
export function transition(entryId: string, status: EntryStatus, action: EntryAction, reason?: string | null): Transition & { reason: string | null } {
  const step = entryTransitions[action];
  if (!step.from.includes(status)) {
    throw new DomainError('INVALID_TRANSITION', `time entry ${entryId} is ${status}: ${action} needs ${step.from.join(' or ')}`, {
      entryId,
      status,
      action,
    });
  }
  return { ...step, reason: action === 'REJECT' ? checkRejectionReason(reason) : null };
}
