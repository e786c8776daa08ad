import type { BillingBlockedCode } from './domain/posting.ts';
import type { BillingEventStatus, BillingSourceType, CostSourceType, InvoiceGrouping, InvoiceStatus } from './tables.ts';

export type { BillingBlockedCode } from './domain/posting.ts';

/** The topics erp publishes, with their payloads. Consumers import these types, never erp's tables. */
export const erpTopics = {
  billingSetupReady: 'erp.billing_setup.ready',
  billingBlocked: 'erp.billing.blocked',
  billingEventCreated: 'erp.billing_event.created',
  billingEventReversed: 'erp.billing_event.reversed',
  invoiceDrafted: 'erp.invoice.drafted',
  invoiceIssued: 'erp.invoice.issued',
  invoicePaid: 'erp.invoice.paid',
  invoiceVoided: 'erp.invoice.voided',
  creditNoteDrafted: 'erp.credit_note.drafted',
  creditNoteIssued: 'erp.credit_note.issued',
  creditNoteVoided: 'erp.credit_note.voided',
  billingEventRebilled: 'erp.billing_event.rebilled',
  billingEventHeld: 'erp.billing_event.held',
  billingEventReleased: 'erp.billing_event.released',
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
  /** INVOICED_EXTERNALLY: imported history the previous system invoiced (never drafted). */
  status: Extract<BillingEventStatus, 'UNBILLED' | 'HELD' | 'INVOICED_EXTERNALLY'>;
  heldReason: string | null;
}

/**
 * A billing event was created HELD by a rule of its contract or for want of a rate, rather than for a missing fact of
 * its source: CAP_REACHED, it would take the contract past its not-to-exceed cap (a partial overrun holds the event
 * whole); FEE_EXCEEDED, a fixed-fee source (milestone, schedule line, percent-complete run) would bill past the
 * contract's fee (held whole too); FX_RATE_MISSING, no rate converts its currency into its legal entity's on its date
 * (or erp does not know that entity's currency yet). Also published when an event released from FX_RATE_MISSING or
 * FEE_EXCEEDED is held by the cap instead.
 * `erp.billing.blocked` with the same code follows in the same transaction for finance. Subject: the BillingEvent.
 */
export interface BillingEventHeld {
  billingEventId: string;
  sourceType: BillingSourceType;
  sourceId: string;
  contractId: string;
  projectId: string | null;
  amount: { amount: string; currency: string };
  heldReason: 'CAP_REACHED' | 'FX_RATE_MISSING' | 'FEE_EXCEEDED';
  /** CAP_REACHED: the cap's use before this event (cap, billed, unbilled, held, remaining); null otherwise. */
  capUsage: Record<'cap' | 'billed' | 'unbilled' | 'held' | 'remaining', { amount: string; currency: string }> | null;
  /** FEE_EXCEEDED: the contract's fixed fee, what its fee sources asked for before this event, and what was left. */
  feeUsage?: Record<'fee' | 'asked' | 'remaining', { amount: string; currency: string }>;
  /** FX_RATE_MISSING: the conversion that has no rate (`to` null: the legal entity's currency is unknown to erp). */
  fx?: { from: string; to: string | null; date: string };
}

/**
 * Why a source's billing event was reversed: the time event that took its approval back; or, for an event left on an
 * issued invoice when its approval was taken back, that invoice being voided (INVOICE_VOIDED: its source is no longer
 * approved, so it does not go back to UNBILLED) or its line credited in full by an issued credit note
 * (INVOICE_CREDITED: the same, never billable again). RETAINER_FEE_BILLED: a retainer overrun held while its month's
 * fee was not billed (AWAITING_RETAINER_FEE) was drawn again from the fee once billed; what still overruns, if
 * anything, is a new OVERAGE event. COSTS_POSTED: a percent-complete run held for uncosted hours (NO_COST_RATE) was
 * superseded by a run that found their cost posted, which bills its amount anew.
 */
export type BillingReversalCause =
  | 'APPROVAL_CANCELLED'
  | 'REJECTED'
  | 'CORRECTED'
  | 'INVOICE_VOIDED'
  | 'INVOICE_CREDITED'
  | 'RETAINER_FEE_BILLED'
  | 'COSTS_POSTED';

/** A billing event was reversed (it will never be invoiced); Subject: the BillingEvent. */
export interface BillingEventReversed {
  billingEventId: string;
  /**
   * The approved source's type, OVERAGE for a time entry's retainer overrun (its source id is the entry's), or
   * PERCENT_COMPLETE for a run superseded once its hours were costed (COSTS_POSTED).
   */
  sourceType: CostSourceType | 'OVERAGE' | 'PERCENT_COMPLETE';
  sourceId: string;
  contractId: string;
  projectId: string | null;
  amount: { amount: string; currency: string };
  cause: BillingReversalCause;
  /** The draft invoice the event's line was removed from (its totals recomputed), if it was on one. */
  removedFromInvoiceId: string | null;
}

type MoneyPayload = { amount: string; currency: string };

/** Unbilled billing events became a DRAFT invoice's lines (the events are BILLED). Subject: the Invoice. */
export interface InvoiceDrafted {
  invoiceId: string;
  contractId: string;
  customerId: string;
  legalEntityId: string;
  periodStart: string;
  periodEnd: string;
  grouping: InvoiceGrouping;
  billingEventIds: string[];
  subtotal: MoneyPayload;
  taxTotal: MoneyPayload;
  total: MoneyPayload;
  /**
   * Billing events whose amount changed to their line's share of its group (group rounding: a grouped line is hours ×
   * rate rounded once, shared by largest remainder), with the amount their `created` event announced.
   */
  reallocated: Array<{ billingEventId: string; amount: MoneyPayload; previousAmount: MoneyPayload }>;
}

/** A draft became a document: numbered (gapless per legal entity), dated, taxed on its issue date. Subject: the Invoice. */
export interface InvoiceIssued {
  invoiceId: string;
  number: string;
  contractId: string | null;
  customerId: string;
  legalEntityId: string;
  issueDate: string;
  dueDate: string;
  taxRatePercent: string;
  total: MoneyPayload;
}

/** A payment was recorded against an issued invoice (each payment, partial or final). Subject: the Invoice. */
export interface InvoicePaid {
  invoiceId: string;
  paymentId: string;
  amount: MoneyPayload;
  receivedOn: string;
  /** What remains owed after this payment. */
  balance: MoneyPayload;
  status: Extract<InvoiceStatus, 'PARTIALLY_PAID' | 'PAID'>;
}

/**
 * A DRAFT or unpaid ISSUED invoice was voided: its lines released, their billing events UNBILLED again (billable on a
 * later invoice) or REVERSED when their approval had been taken back meanwhile. Subject: the Invoice.
 */
export interface InvoiceVoided {
  invoiceId: string;
  /** Null for a voided draft (it never had a number). */
  number: string | null;
  customerId: string;
  reason: string;
  wasStatus: Extract<InvoiceStatus, 'DRAFT' | 'ISSUED'>;
  releasedBillingEventIds: string[];
  reversedBillingEventIds: string[];
}

/** How a credit note came to be: finance drafted it, or a reversal of an invoiced source proposed it. */
export type CreditNoteOrigin = 'MANUAL' | 'REVERSAL';

export interface CreditNoteLinePayload {
  creditNoteLineId: string;
  invoiceLineId: string;
  sourceType: BillingSourceType;
  /** Null for an adjustment line. */
  sourceId: string | null;
  amount: MoneyPayload;
  reason: string;
}

/**
 * Lines were added to a DRAFT credit note (a new one, or the invoice's open draft a reversal extends). Subject: the
 * CreditNote. A credit note's amounts (lines, subtotal, tax, total) are negative, as the graph reads them. A REVERSAL proposal also comes with `erp.billing.blocked` INVOICED_SOURCE_REVERSED (finance must
 * issue or void it).
 */
export interface CreditNoteDrafted {
  creditNoteId: string;
  invoiceId: string;
  invoiceNumber: string | null;
  customerId: string;
  legalEntityId: string;
  origin: CreditNoteOrigin;
  /** The lines this change added. */
  lines: CreditNoteLinePayload[];
  /** The draft's subtotal with them. */
  subtotal: MoneyPayload;
}

/**
 * A credit note became a document: numbered (gapless per legal entity, CN-…), dated, taxed at its invoice's rate; its
 * subtotal, tax and total negative (a credit); the invoice's balance dropped (negative: a refund is due). Lines credited in full were released: their billing events
 * wait HELD (CREDITED) for `rebillSources`, or are REVERSED (cause INVOICE_CREDITED) when the source's approval was
 * taken back. Subject: the CreditNote.
 */
export interface CreditNoteIssued {
  creditNoteId: string;
  number: string;
  invoiceId: string;
  invoiceNumber: string | null;
  customerId: string;
  legalEntityId: string;
  issueDate: string;
  taxRatePercent: string;
  subtotal: MoneyPayload;
  taxTotal: MoneyPayload;
  total: MoneyPayload;
  invoiceBalance: MoneyPayload;
  releasedInvoiceLineIds: string[];
  awaitingRebillBillingEventIds: string[];
  reversedBillingEventIds: string[];
}

/** A DRAFT credit note was withdrawn (by finance, or because its invoice was voided). Subject: the CreditNote. */
export interface CreditNoteVoided {
  creditNoteId: string;
  invoiceId: string;
  reason: string;
}

/**
 * Finance asked to bill a credited source again: its billing event (HELD CREDITED) is UNBILLED for the next draft, or
 * HELD CAP_REACHED when that would pass the contract's cap. Subject: the BillingEvent.
 */
export interface BillingEventRebilled {
  billingEventId: string;
  sourceType: BillingSourceType;
  sourceId: string;
  contractId: string;
  projectId: string | null;
  /** The invoice line that was credited in full. */
  creditedInvoiceLineId: string;
  amount: MoneyPayload;
  status: Extract<BillingEventStatus, 'UNBILLED' | 'HELD'>;
  heldReason: string | null;
}

/**
 * A billing event held by its contract's cap (CAP_REACHED) or fixed fee (FEE_EXCEEDED) became UNBILLED: the cap or
 * fee now admits it (raised by crm — `crm.contract.updated`, `crm.contract.amended` — removed, or room freed by a
 * reversal: `releaseHeldBillingEvents`), or a rate now converts it (FX_RATE_MISSING). Subject: the BillingEvent.
 */
export interface BillingEventReleased {
  billingEventId: string;
  sourceType: BillingSourceType;
  sourceId: string;
  contractId: string;
  projectId: string | null;
  amount: MoneyPayload;
  /**
   * What was held: CAP_REACHED, FX_RATE_MISSING (a rate now converts it: see the event's fxRate), or FEE_EXCEEDED (an
   * amendment raised the fixed fee, or room under it was freed).
   */
  heldReason: 'CAP_REACHED' | 'FX_RATE_MISSING' | 'FEE_EXCEEDED';
  /** What the cap (FEE_EXCEEDED: the fee) leaves after this event (null: the contract has no cap, or no cap any more). */
  remaining: MoneyPayload | null;
}

/** The consumer groups erp subscribes with (stable: a group resumes where it stopped). */
export const erpConsumerGroups = {
  billingSetup: 'erp.billing-setup',
  /** Every time event that approves or takes back an approval: one group, so they apply in publish order. */
  posting: 'erp.posting',
  /** psa's completed milestones (billing-models.ts). */
  milestones: 'erp.milestones',
  /** hcm's legal entities: the currency each keeps its books in (fx.ts). */
  legalEntities: 'erp.legal-entities',
} as const;
