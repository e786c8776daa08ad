import { DomainError, badInput } from '../../../lib/errors.ts';
import type { ApprovalAction, EntryStatus } from '../tables.ts';

/**
 * The approval part of the lifecycle of a time entry or an expense (DESIGN §1) as a table: each action, the statuses it may start from,
 * the status it leads to and the step it writes into the entry's history. Anything not in the table is
 * INVALID_TRANSITION. REJECTED → DRAFT happens by editing the entry (capture). A correction is not a status change:
 * the approved entry is reversed (it keeps its status, and drops out of every total) and a new linked entry is
 * created (capture.ts `correctTimeEntry`).
 *
 * REJECT and CANCEL_APPROVAL from APPROVED take back what erp posted, so they are refused once the entry is invoiced
 * (the approval service asks erp); a rejection or cancellation states its reason.
 */
export type EntryAction = 'SUBMIT' | 'APPROVE' | 'REJECT' | 'RECALL' | 'CANCEL_APPROVAL';

export interface Transition {
  from: readonly EntryStatus[];
  to: EntryStatus;
  record: ApprovalAction;
  /** The action must say why. */
  needsReason: boolean;
}

export const entryTransitions: Readonly<Record<EntryAction, Transition>> = {
  SUBMIT: { from: ['DRAFT', 'REJECTED'], to: 'SUBMITTED', record: 'SUBMITTED', needsReason: false },
  APPROVE: { from: ['SUBMITTED'], to: 'APPROVED', record: 'APPROVED', needsReason: false },
  REJECT: { from: ['SUBMITTED', 'APPROVED'], to: 'REJECTED', record: 'REJECTED', needsReason: true },
  RECALL: { from: ['SUBMITTED'], to: 'DRAFT', record: 'RECALLED', needsReason: false },
  CANCEL_APPROVAL: { from: ['APPROVED'], to: 'SUBMITTED', record: 'APPROVAL_CANCELLED', needsReason: true },
};

/** Decisions: only the worker's approvers take them, never the worker. */
export const isDecision = (action: EntryAction) => action === 'APPROVE' || action === 'REJECT' || action === 'CANCEL_APPROVAL';

export const canTransition = (status: EntryStatus, action: EntryAction): boolean => entryTransitions[action].from.includes(status);

/** A rejection, cancellation or correction must say why; the trimmed reason is what is stored. */
export function checkReason(reason: string | null | undefined, what: string): string {
  const trimmed = (reason ?? '').trim();
  if (trimmed === '') throw badInput('reason', `${what} needs a reason`);
  if (trimmed.length > 2000) throw badInput('reason', 'at most 2000 characters');
  return trimmed;
}

const reasonWhat: Record<EntryAction, string> = {
  SUBMIT: 'a submission',
  APPROVE: 'an approval',
  REJECT: 'a rejection',
  RECALL: 'a recall',
  CANCEL_APPROVAL: 'cancelling an approval',
};

/** The reason an action stores: required and checked where the table says so, else dropped. */
export const reasonFor = (action: EntryAction, reason: string | null | undefined): string | null =>
  entryTransitions[action].needsReason ? checkReason(reason, reasonWhat[action]) : null;

/**
 * The transition `action` makes from `status`, or INVALID_TRANSITION naming the entry (as `noun`: "time entry",
 * "expense"), its status and the action. A reversed entry (replaced by a correction) takes no action at all: its
 * correction does.
 */
export function transition(
  entry: { id: string; status: EntryStatus; reversedAt?: Date | null },
  action: EntryAction,
  reason?: string | null,
  noun = 'time entry',
): Transition & { reason: string | null } {
  const step = entryTransitions[action];
  if (entry.reversedAt) {
    throw new DomainError('INVALID_TRANSITION', `${noun} ${entry.id} was reversed by a correction: act on its correction instead`, {
      entryId: entry.id,
      status: entry.status,
      action,
    });
  }
  if (!step.from.includes(entry.status)) {
    throw new DomainError('INVALID_TRANSITION', `${noun} ${entry.id} is ${entry.status}: ${action} needs ${step.from.join(' or ')}`, {
      entryId: entry.id,
      status: entry.status,
      action,
    });
  }
  return { ...step, reason: reasonFor(action, reason) };
}
