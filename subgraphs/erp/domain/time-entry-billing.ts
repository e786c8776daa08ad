import type { BillingEventStatus, InvoiceStatus } from '../tables.ts';
import { creditedHeldReason } from './credit-notes.ts';

export type TimeEntryBillingStatus =
  | 'NOT_BILLABLE'
  | 'AWAITING_APPROVAL'
  | 'NOT_POSTED'
  | 'UNBILLED'
  | 'ON_DRAFT'
  | 'INVOICED'
  | 'INVOICED_EXTERNALLY'
  | 'PARTIALLY_CREDITED'
  | 'CREDITED'
  | 'REVERSED'
  | FeeCoverage;

/**
 * Approved billable time that bills no event of its own, because a fee covers it: COVERED_BY_FEE (a FIXED_FEE
 * contract's, or a managed-services month's included hours), DRAWN_DOWN (drawn from a retainer's balance), OVERRUN
 * (past the included hours — billed as the month's overage — or past a retainer's balance: its OVERAGE event),
 * AWAITING_TERMS (counted against a managed-services month whose terms finance has not set: covered or overage is
 * decided once they are).
 */
export type FeeCoverage = 'COVERED_BY_FEE' | 'DRAWN_DOWN' | 'OVERRUN' | 'AWAITING_TERMS';

/** What time says of the entry (federated in with `@requires`). */
export interface TimeEntryFacts {
  billable: boolean;
  status: 'DRAFT' | 'SUBMITTED' | 'APPROVED' | 'REJECTED';
}

/** One billing event of a time entry, joined to one invoice line that billed it (if any). */
export interface EntryBillingFact {
  billingEventId: string;
  eventStatus: BillingEventStatus;
  /** Why a HELD event waits: CREDITED when its line was credited in full and it waits to be billed again. */
  heldReason?: string | null;
  invoiceLineId: string | null;
  invoiceId: string | null;
  invoiceStatus: InvoiceStatus | null;
  /** The line no longer holds the entry (its invoice was voided, or it was credited). */
  lineReleased: boolean;
  /** An issued credit note credits this line. */
  credited: boolean;
}

export interface TimeEntryBilling {
  status: TimeEntryBillingStatus;
  billingEventId: string | null;
  invoiceId: string | null;
}

const issued: readonly (InvoiceStatus | null)[] = ['ISSUED', 'PARTIALLY_PAID', 'PAID'];

/**
 * Where a time entry stands in billing, from time's facts and erp's records of it (an expense stands the same way,
 * from its EXPENSE billing events: `ExpenseEntry.billing` uses this function too):
 * 1/ no billing event: NOT_BILLABLE when the entry is not billable, AWAITING_APPROVAL while it is not approved, the
 *    fee's coverage (COVERED_BY_FEE, DRAWN_DOWN, OVERRUN, AWAITING_TERMS) when erp recorded the approved entry
 *    against a fee, else NOT_POSTED (approved and billable, but its approval has not reached erp yet);
 * 2/ a live (not reversed) event on a live line of a DRAFT invoice: ON_DRAFT; of an issued invoice: INVOICED, or
 *    PARTIALLY_CREDITED when issued credit notes credit that line (a line credited in full is released: 3/);
 * 3/ a live event on no live line: CREDITED if a credit note took it off its invoice and it was not billed again
 *    since (the event still BILLED, or HELD as CREDITED until finance asks to re-bill), else UNBILLED (also HELD
 *    events, events whose invoice was voided and re-billed ones: they wait for the next invoice) — unless the entry is
 *    no longer APPROVED: its reversal has not reached erp yet, and it stands as in 4/; INVOICED_EXTERNALLY for imported
 *    history the previous system invoiced (its event is never drafted);
 * 4/ only reversed events: CREDITED when one had been invoiced and credited; else AWAITING_APPROVAL when the entry is
 *    back in the approval flow (DRAFT or SUBMITTED: its approval was cancelled, it waits for the next one), else
 *    REVERSED (rejected after approval, or a corrected original).
 */
export function timeEntryBilling(entry: TimeEntryFacts, facts: readonly EntryBillingFact[], coverage: FeeCoverage | null = null): TimeEntryBilling {
  if (facts.length === 0) {
    const status = !entry.billable ? 'NOT_BILLABLE' : entry.status !== 'APPROVED' ? 'AWAITING_APPROVAL' : (coverage ?? 'NOT_POSTED');
    return { status, billingEventId: null, invoiceId: null };
  }
  const live = facts.filter((fact) => fact.eventStatus !== 'REVERSED');
  const creditedFact = (among: readonly EntryBillingFact[]) => among.find((fact) => fact.credited && issued.includes(fact.invoiceStatus));
  if (live.length > 0) {
    const onLine = live.find((fact) => fact.invoiceLineId !== null && !fact.lineReleased && fact.invoiceStatus !== 'VOID');
    if (onLine) {
      const status = onLine.invoiceStatus === 'DRAFT' ? 'ON_DRAFT' : onLine.credited ? 'PARTIALLY_CREDITED' : 'INVOICED';
      return { status, billingEventId: onLine.billingEventId, invoiceId: onLine.invoiceId };
    }
    const credited = creditedFact(live.filter((fact) => fact.eventStatus === 'BILLED' || fact.heldReason === creditedHeldReason));
    if (credited) return { status: 'CREDITED', billingEventId: credited.billingEventId, invoiceId: credited.invoiceId };
    // time took the approval back and erp's reversal is still on the bus: time's status decides, as rule 4 will.
    if (entry.status !== 'APPROVED') return afterReversal(entry, live[0].billingEventId);
    const elsewhere = live.find((fact) => fact.eventStatus === 'INVOICED_EXTERNALLY');
    if (elsewhere) return { status: 'INVOICED_EXTERNALLY', billingEventId: elsewhere.billingEventId, invoiceId: null };
    return { status: 'UNBILLED', billingEventId: live[0].billingEventId, invoiceId: null };
  }
  const credited = creditedFact(facts);
  if (credited) return { status: 'CREDITED', billingEventId: credited.billingEventId, invoiceId: credited.invoiceId };
  return afterReversal(entry, facts[facts.length - 1].billingEventId);
}

/** A reversed entry's status: back in the approval flow (DRAFT or SUBMITTED) it awaits approval, else REVERSED. */
function afterReversal(entry: TimeEntryFacts, billingEventId: string): TimeEntryBilling {
  const backInFlow = entry.status === 'DRAFT' || entry.status === 'SUBMITTED';
  return { status: backInFlow ? 'AWAITING_APPROVAL' : 'REVERSED', billingEventId, invoiceId: null };
}
