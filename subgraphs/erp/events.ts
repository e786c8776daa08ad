import type { BillingBlockedCode } from './domain/posting.ts';
import type { BillingEventStatus, BillingSourceType, CostSourceType } from './tables.ts';

export type { BillingBlockedCode } from './domain/posting.ts';

/** The topics erp publishes, with their payloads. Consumers import these types, never erp's tables. */
export const erpTopics = {
  billingSetupReady: 'erp.billing_setup.ready',
  billingBlocked: 'erp.billing.blocked',
  billingEventCreated: 'erp.billing_event.created',
  billingEventReversed: 'erp.billing_event.reversed',
  billingEventHeld: 'erp.billing_event.held',
} as const;

/** Finance can invoice the contract: psa may activate its project (DESIGN §4.1). */
export interface BillingSetupReady {
  contractId: string;
  billingSetupId: string;
}

/**
 * Something cannot be invoiced (or posted) as it stands; finance must act. Subject: the BillingSetup (code
 * SETUP_BLOCKED: a T&M rate card that prices no role; its project must not activate), or the TimeEntry / ExpenseEntry
 * whose posting, billing or reversal is incomplete (every other code: see `BillingBlockedCode`).
 */
export interface BillingBlocked {
  /** Null when the source's project has no contract (or is unknown). */
  contractId: string | null;
  code: BillingBlockedCode;
  /** For people: what is missing, naming the records. */
  reason: string;
  /** The approved time entry or expense (or the milestone, schedule line) concerned; null for a contract's billing setup. */
  source: { type: BillingSourceType; id: string; projectId: string | null } | null;
}

/** A billable source became a billing event (UNBILLED, or HELD with a reason), DESIGN §4.3. Subject: the BillingEvent. */
export interface BillingEventCreated {
  billingEventId: string;
  sourceType: BillingSourceType;
  sourceId: string;
  contractId: string;
  /** Null for a schedule line (a contract's, not a project's). */
  projectId: string | null;
  customerId: string;
  legalEntityId: string;
  /** Null for a milestone or a schedule line. */
  workerId: string | null;
  date: string;
  hours: string | null;
  amount: { amount: string; currency: string };
  status: Extract<BillingEventStatus, 'UNBILLED' | 'HELD'>;
  heldReason: string | null;
}

/**
 * A billing event was created HELD by a rule of its contract rather than for a missing fact: CAP_REACHED, it would
 * take the contract past its not-to-exceed cap (a partial overrun holds the event whole). `erp.billing.blocked`
 * (CAP_REACHED) follows in the same transaction for finance. Subject: the BillingEvent.
 */
export interface BillingEventHeld {
  billingEventId: string;
  sourceType: BillingSourceType;
  sourceId: string;
  contractId: string;
  projectId: string | null;
  amount: { amount: string; currency: string };
  heldReason: 'CAP_REACHED';
  /** The cap's use before this event: cap, billed, unbilled, held, remaining. */
  capUsage: Record<'cap' | 'billed' | 'unbilled' | 'held' | 'remaining', { amount: string; currency: string }>;
}

/** Why a source's billing event was reversed: the time event that took its approval back. */
export type BillingReversalCause = 'APPROVAL_CANCELLED' | 'REJECTED' | 'CORRECTED';

/** A billing event was reversed (it will never be invoiced); Subject: the BillingEvent. */
export interface BillingEventReversed {
  billingEventId: string;
  sourceType: CostSourceType;
  sourceId: string;
  contractId: string;
  projectId: string | null;
  amount: { amount: string; currency: string };
  cause: BillingReversalCause;
  /** The draft invoice the event's line was removed from (its totals recomputed), if it was on one. */
  removedFromInvoiceId: string | null;
}

/** The consumer groups erp subscribes with (stable: a group resumes where it stopped). */
export const erpConsumerGroups = {
  billingSetup: 'erp.billing-setup',
  /** Every time event that approves or takes back an approval: one group, so they apply in publish order. */
  posting: 'erp.posting',
  /** psa's completed milestones (billing-models.ts). */
  milestones: 'erp.milestones',
} as const;
