import { compareDecimals } from '../../../lib/decimal.ts';
import { DomainError } from '../../../lib/errors.ts';
import type { BillingSourceType, InvoiceGrouping, InvoiceStatus } from '../tables.ts';
import { invoiceBalance, invoiceTotals, type InvoiceTotals } from './invoice.ts';
import { minorUnits, sumDecimals } from './money.ts';

/**
 * Invoicing rules (DESIGN §1 Invoice lifecycle, §2 rounding, §4.4 billing), pure: what a draft holds, how its lines
 * are presented, which transitions are legal and what a payment does.
 *
 * Rounding, stated once: a line's amount is quantity × unit price rounded half-up to the currency's minor unit — for
 * time that is the billing event's amount, rounded when the approval was posted, and a line copies it, never
 * recomputes it; the subtotal is the exact sum of the line amounts; tax is the subtotal × the rate, rounded half-up
 * once per invoice; the total is subtotal + tax. Groups of lines are sums of line amounts, never re-rounded.
 */

/** A billing event as drafting needs it. */
export interface DraftableEvent {
  id: string;
  sourceType: BillingSourceType;
  sourceId: string;
  contractId: string;
  projectId: string | null;
  legalEntityId: string;
  date: string;
  description: string;
  hours: string | null;
  rate: string | null;
  amount: string;
  currency: string;
}

export interface PlannedLine {
  position: number;
  billingEventId: string;
  sourceType: BillingSourceType;
  sourceId: string;
  projectId: string | null;
  description: string;
  quantity: string;
  unitPrice: string;
  amount: string;
}

export interface PlannedDraft {
  contractId: string;
  legalEntityId: string;
  currency: string;
  periodStart: string;
  lines: PlannedLine[];
  totals: InvoiceTotals;
}

/**
 * The drafts of one contract's billable events: one per currency (and legal entity), never adding unlike
 * currencies. One line per billing event, so each source sits on one line (the database's "billed once" index): an
 * hour-priced event is hours × rate; anything else (an expense, a fee) is one unit at its amount. Lines run in date
 * order; tax at `taxRatePercent` (0 when no rate applies yet), rounded once on the subtotal.
 */
export function planDrafts(events: readonly DraftableEvent[], taxRatePercent: string | null): PlannedDraft[] {
  const byCurrency = new Map<string, DraftableEvent[]>();
  for (const event of events) {
    const key = `${event.contractId}|${event.legalEntityId}|${event.currency}`;
    byCurrency.set(key, [...(byCurrency.get(key) ?? []), event]);
  }
  return [...byCurrency.values()].map((group) => {
    const sorted = [...group].sort((a, b) => a.date.localeCompare(b.date) || a.id.localeCompare(b.id));
    const lines = sorted.map((event, index) => ({
      position: index + 1,
      billingEventId: event.id,
      sourceType: event.sourceType,
      sourceId: event.sourceId,
      projectId: event.projectId,
      description: event.description,
      quantity: event.hours ?? '1',
      unitPrice: event.rate ?? event.amount,
      amount: event.amount,
    }));
    const [first] = sorted;
    return {
      contractId: first.contractId,
      legalEntityId: first.legalEntityId,
      currency: first.currency,
      periodStart: first.date,
      lines,
      totals: invoiceTotals(lines.map((line) => line.amount), taxRatePercent ?? '0', first.currency),
    };
  });
}

/** A line with what grouping needs of its billing event. */
export interface GroupableLine {
  id: string;
  sourceType: BillingSourceType;
  description: string;
  quantity: string;
  amount: string;
  currency: string;
  projectId: string | null;
  workerId: string | null;
  roleId: string | null;
  taskId: string | null;
}

export interface LineGroup<Line extends GroupableLine = GroupableLine> {
  grouping: InvoiceGrouping;
  /** The project, role, worker or task id (the line id for PER_ENTRY); null for lines without one (an expense BY_ROLE). */
  key: string | null;
  /** The line's description for PER_ENTRY; null otherwise (the key's entity has the name). */
  label: string | null;
  /** Hours of the group's time lines (other lines count no hours). */
  hours: string;
  amount: { amount: string; currency: string };
  lines: Line[];
}

const keyOf: Readonly<Record<InvoiceGrouping, (line: GroupableLine) => string | null>> = {
  PER_ENTRY: (line) => line.id,
  BY_PROJECT: (line) => line.projectId,
  BY_ROLE: (line) => line.roleId,
  BY_WORKER: (line) => line.workerId,
  BY_TASK: (line) => line.taskId,
};

/**
 * How an invoice presents its lines: grouped by project, role, worker or task (or one group per line), in the order
 * each group first appears. A group's amount is the sum of its line amounts (already rounded: no re-rounding, so the
 * groups add up to the subtotal exactly); its hours, the sum of its time lines' quantities.
 */
export function groupLines<Line extends GroupableLine>(grouping: InvoiceGrouping, lines: readonly Line[]): Array<LineGroup<Line>> {
  const groups = new Map<string | null, Line[]>();
  for (const line of lines) {
    const key = keyOf[grouping](line);
    groups.set(key, [...(groups.get(key) ?? []), line]);
  }
  return [...groups.entries()].map(([key, members]) => {
    const currency = members[0].currency;
    return {
      grouping,
      key,
      label: grouping === 'PER_ENTRY' ? members[0].description : null,
      hours: sumDecimals(members.filter((line) => line.sourceType === 'TIME_ENTRY').map((line) => line.quantity), 2),
      amount: { amount: sumDecimals(members.map((line) => line.amount), minorUnits(currency)), currency },
      lines: members,
    };
  });
}

export type InvoiceAction = 'issue' | 'void' | 'pay';

/**
 * DESIGN §1: DRAFT → ISSUED → PARTIALLY_PAID → PAID; DRAFT | ISSUED → VOID. An invoice with money received (or
 * credited) is not voided: a credit note corrects it. Anything else is INVALID_TRANSITION.
 */
export const invoiceTransitions: Readonly<Record<InvoiceAction, readonly InvoiceStatus[]>> = {
  issue: ['DRAFT'],
  void: ['DRAFT', 'ISSUED'],
  pay: ['ISSUED', 'PARTIALLY_PAID'],
};

export function assertInvoiceTransition(status: InvoiceStatus, action: InvoiceAction, settled = { paid: '0', credited: '0' }): void {
  const allowed = invoiceTransitions[action];
  if (!allowed.includes(status)) {
    throw new DomainError('INVALID_TRANSITION', `cannot ${action} a ${status} invoice (only ${allowed.join(' or ')})`, { from: status, action });
  }
  if (action === 'void' && (compareDecimals(settled.paid, '0') !== 0 || compareDecimals(settled.credited, '0') !== 0)) {
    throw new DomainError('INVALID_TRANSITION', 'cannot void an invoice with payments or credit notes: issue a credit note instead', {
      from: status,
      action,
    });
  }
}

export interface PaymentOutcome {
  status: Extract<InvoiceStatus, 'PARTIALLY_PAID' | 'PAID'>;
  /** What remains owed after the payment. */
  balance: string;
}

/**
 * What a payment does to an open invoice: in the invoice's currency only (CURRENCY_MISMATCH: no conversion), never
 * more than the balance (OVERPAYMENT: a refund or credit is a separate decision); the balance reaching zero makes it
 * PAID, else PARTIALLY_PAID.
 */
export function applyPayment(
  invoice: { currency: string; total: string; paid: string; credited: string },
  payment: { amount: string; currency: string },
): PaymentOutcome {
  if (payment.currency !== invoice.currency) {
    throw new DomainError('CURRENCY_MISMATCH', `the invoice is in ${invoice.currency}; a payment in ${payment.currency} is not converted`, {
      expected: invoice.currency,
      actual: payment.currency,
    });
  }
  const open = invoiceBalance(invoice.total, invoice.paid, invoice.credited);
  if (compareDecimals(payment.amount, open) > 0) {
    throw new DomainError('OVERPAYMENT', `the payment of ${payment.amount} ${payment.currency} exceeds the open balance of ${open}`, {
      balance: open,
    });
  }
  const balance = invoiceBalance(invoice.total, sumDecimals([invoice.paid, payment.amount], 2), invoice.credited);
  return { status: compareDecimals(balance, '0') === 0 ? 'PAID' : 'PARTIALLY_PAID', balance };
}
