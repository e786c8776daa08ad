import { compareDecimals, roundDecimal } from '../../../lib/decimal.ts';
import { badInput, DomainError } from '../../../lib/errors.ts';
import type { BillingEventStatus, CreditNoteStatus, InvoiceStatus } from '../tables.ts';
import { minorUnits, multiplyDecimals, negate, sumDecimals, type Money } from './money.ts';

/**
 * Credit notes (DESIGN §1: an issued invoice is corrected only by a credit note; §4.5 corrections), pure: how much of
 * an invoice line may still be credited, a credit note's tax, which transitions are legal, and when a credited source
 * may be billed again.
 *
 * A credit note line credits a positive amount (net of tax) of one invoice line. The credits of a line on DRAFT and
 * ISSUED notes together never exceed the line's amount (a VOID draft no longer counts). A line credited in full by
 * ISSUED notes is released: its source may be billed again, but only when finance asks (`rebillSources`), and only
 * then; a line credited in part keeps its source (billing it again would bill its hours twice).
 */

/**
 * How a credit document's amounts read wherever they leave erp (the graph, its events): negative, as ledgers and
 * accounting exports book a credit, so invoices and credit notes add up to what the customer owes. erp stores and
 * computes them as the positive amounts credited (what a line may still be credited, the cumulative tax, a line's
 * `credited`); only the document's own amounts are signed.
 */
export const signedCredit = (amount: string, currency: string): Money => ({ amount: negate(String(amount)), currency });

/** The invoices a credit note may correct: issued ones, paid or not. A draft is edited, a void one is gone. */
export const creditableInvoiceStatuses: readonly InvoiceStatus[] = ['ISSUED', 'PARTIALLY_PAID', 'PAID'];

/** An invoice line as crediting sees it. */
export interface CreditableLine {
  id: string;
  invoiceId: string;
  amount: string;
  currency: string;
  /** The line no longer holds its source (its invoice was voided, or it was credited in full). */
  released: boolean;
  /** Its credits on DRAFT and ISSUED credit notes. */
  committed: string;
}

/** What is left to credit on a line: its amount less its draft and issued credits; nothing once released. */
export const remainingCredit = (line: CreditableLine): string =>
  line.released ? '0' : sumDecimals([line.amount, negate(line.committed)], minorUnits(line.currency));

export interface CreditLineRequest {
  invoiceLineId: string;
  /** Part of the line; absent: all that is left of it. */
  amount?: Money | null;
  reason: string;
}

export interface PlannedCreditLine {
  invoiceLineId: string;
  amount: string;
  reason: string;
}

/**
 * The lines of a credit note for an invoice: each names a line of that invoice and credits a positive amount in the
 * invoice's currency (CURRENCY_MISMATCH otherwise), by default all that is left of the line; together with the line's
 * other draft and issued credits (and the request's other lines on it) never more than the line's amount
 * (OVER_CREDIT).
 */
export function planCreditLines(
  invoice: { id: string; currency: string },
  lines: ReadonlyMap<string, CreditableLine>,
  requests: readonly CreditLineRequest[],
): PlannedCreditLine[] {
  if (requests.length === 0) throw badInput('lines', 'a credit note credits at least one invoice line');
  const digits = minorUnits(invoice.currency);
  const takenHere = new Map<string, string>();
  return requests.map((request, index) => {
    const line = lines.get(request.invoiceLineId);
    if (!line || line.invoiceId !== invoice.id) throw badInput(`lines[${index}].invoiceLineId`, `${request.invoiceLineId} is not a line of invoice ${invoice.id}`);
    const reason = request.reason.trim();
    if (reason.length === 0 || reason.length > 500) throw badInput(`lines[${index}].reason`, 'give a reason of 1 to 500 characters');
    const left = sumDecimals([remainingCredit(line), negate(takenHere.get(line.id) ?? '0')], digits);
    let amount = left;
    if (request.amount) {
      if (request.amount.currency !== invoice.currency) {
        throw new DomainError('CURRENCY_MISMATCH', `the invoice is in ${invoice.currency}; a credit in ${request.amount.currency} is not converted`, {
          expected: invoice.currency,
          actual: request.amount.currency,
        });
      }
      amount = request.amount.amount;
    }
    if (compareDecimals(amount, left) > 0 || compareDecimals(left, '0') <= 0) {
      throw new DomainError('OVER_CREDIT', `invoice line ${line.id} has ${left} ${invoice.currency} left to credit (of ${line.amount}); ${amount} asked`, {
        invoiceLineId: line.id,
        remaining: left,
      });
    }
    takenHere.set(line.id, sumDecimals([takenHere.get(line.id) ?? '0', amount], digits));
    return { invoiceLineId: line.id, amount: roundDecimal(amount, digits), reason };
  });
}

export interface CreditNoteTotals {
  subtotal: string;
  taxTotal: string;
  total: string;
}

/**
 * A credit note's totals, by the invoice's rounding rule: the subtotal is the exact sum of its lines; the tax is at the
 * invoice's rate, rounded half-up on the invoice's cumulative credited subtotal, less the tax its earlier issued notes
 * credited — so crediting an invoice in several notes gives back exactly its tax, never a cent more (three notes of
 * 0.05 at 10 % credit 0.01, 0.00, 0.01 as the invoice charged 0.02, not 3 × 0.01); total = subtotal + tax. The
 * cumulative tax never passes the invoice's tax, and crediting the whole subtotal gives back all of it: an invoice
 * whose tax was rounded per line (its lines' rounded taxes may sum to a cent more or less than the subtotal's) is
 * credited exactly what it charged.
 */
export function creditNoteTotals(
  lineAmounts: readonly string[],
  taxRatePercent: string,
  currency: string,
  issuedBefore: { subtotal: string; taxTotal: string },
  invoice: { subtotal: string; taxTotal: string },
): CreditNoteTotals {
  const digits = minorUnits(currency);
  const subtotal = sumDecimals(lineAmounts, digits);
  const cumulative = sumDecimals([issuedBefore.subtotal, subtotal], digits);
  const rounded = roundDecimal(multiplyDecimals(cumulative, multiplyDecimals(taxRatePercent, '0.01')), digits);
  const cumulativeTax =
    compareDecimals(cumulative, invoice.subtotal) >= 0 || compareDecimals(rounded, invoice.taxTotal) > 0 ? roundDecimal(invoice.taxTotal, digits) : rounded;
  const tax = sumDecimals([cumulativeTax, negate(issuedBefore.taxTotal)], digits);
  const taxTotal = compareDecimals(tax, '0') < 0 ? roundDecimal('0', digits) : tax;
  return { subtotal, taxTotal, total: sumDecimals([subtotal, taxTotal], digits) };
}

/** A line is credited in full when its issued credits reach its amount (they never pass it). */
export const fullyCredited = (lineAmount: string, issuedCredits: string): boolean => compareDecimals(issuedCredits, lineAmount) >= 0;

export type CreditNoteAction = 'issue' | 'void' | 'extend';

/** DRAFT → ISSUED | VOID; only a draft is extended. An issued note is a document: it is never changed or voided. */
export function assertCreditNoteTransition(status: CreditNoteStatus, action: CreditNoteAction): void {
  if (status !== 'DRAFT') {
    throw new DomainError('INVALID_TRANSITION', `cannot ${action} a ${status} credit note (only a DRAFT)`, { from: status, action });
  }
}

export function assertCreditableInvoice(status: InvoiceStatus): void {
  if (!creditableInvoiceStatuses.includes(status)) {
    throw new DomainError('INVALID_TRANSITION', `cannot credit a ${status} invoice (only an issued one: ${creditableInvoiceStatuses.join(', ')})`, {
      from: status,
      action: 'credit',
    });
  }
}

/** The held reason of a billing event whose line was credited in full: billed again only when finance asks. */
export const creditedHeldReason = 'CREDITED';

/** A credited invoice line and its billing event, as re-billing judges them. */
export interface RebillFact {
  invoiceLineId: string;
  lineAmount: string;
  /** Its credits on ISSUED notes. */
  issuedCredits: string;
  eventStatus: BillingEventStatus | null;
  heldReason: string | null;
}

/**
 * Whether a credited line's source may be billed again: only when the line was credited in full by issued credit
 * notes (PARTIALLY_CREDITED: billing it again would bill its hours twice; NOT_CREDITED: not credited at all), its
 * source was not taken back (SOURCE_REVERSED: never billable again) and it is still waiting (INVALID_TRANSITION when
 * it was billed again already).
 */
export function assertRebillable(fact: RebillFact): void {
  const details = { invoiceLineId: fact.invoiceLineId };
  if (fact.eventStatus === null) throw new DomainError('NOT_CREDITED', `invoice line ${fact.invoiceLineId} bills no source that could be billed again`, details);
  if (fact.eventStatus === 'REVERSED') {
    throw new DomainError('SOURCE_REVERSED', `the source of invoice line ${fact.invoiceLineId} was taken back: it is never billed again`, details);
  }
  if (compareDecimals(fact.issuedCredits, '0') <= 0) {
    throw new DomainError('NOT_CREDITED', `invoice line ${fact.invoiceLineId} has no issued credit: its source is billed`, details);
  }
  if (!fullyCredited(fact.lineAmount, fact.issuedCredits)) {
    throw new DomainError(
      'PARTIALLY_CREDITED',
      `invoice line ${fact.invoiceLineId} is credited ${fact.issuedCredits} of ${fact.lineAmount}: billing its source again would bill it twice`,
      { ...details, credited: fact.issuedCredits, amount: fact.lineAmount },
    );
  }
  if (fact.eventStatus !== 'HELD' || fact.heldReason !== creditedHeldReason) {
    throw new DomainError('INVALID_TRANSITION', `the source of invoice line ${fact.invoiceLineId} was billed again already (${fact.eventStatus})`, {
      ...details,
      from: fact.eventStatus,
      action: 'rebill',
    });
  }
}
