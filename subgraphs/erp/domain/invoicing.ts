import { compareDecimals, fromScaled, toScaled } from '../../../lib/decimal.ts';
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
 * once per invoice; the total is subtotal + tax.
 *
 * Grouped invoices (BY_PROJECT, BY_ROLE, BY_WORKER, BY_TASK) print one line per group: hours × rate rounded once
 * (`allocateGroupAmounts`), and the group's lines — still one per billing event — share that amount by largest
 * remainder, so every printed line reads H × R and the lines still add up to the subtotal.
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
  /** Kept for grouping (BY_WORKER, BY_ROLE, BY_TASK). */
  workerId?: string | null;
  roleId?: string | null;
  taskId?: string | null;
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
  /** Billing events whose amount the grouping's allocation changed: they take the amount of their line. */
  reallocated: Array<{ billingEventId: string; amount: string; previousAmount: string }>;
}

/**
 * The drafts of one contract's billable events: one per currency (and legal entity), never adding unlike
 * currencies. One line per billing event, so each source sits on one line (the database's "billed once" index): an
 * hour-priced event is hours × rate; anything else (an expense, a fee) is one unit at its amount. Lines run in date
 * order. Grouped (`grouping` other than PER_ENTRY), a group's hour-priced lines share its amount by largest remainder
 * (`allocateGroupAmounts`): those whose share differs from their event's own rounding are `reallocated`. Tax at
 * `taxRatePercent` (0 when no rate applies yet), rounded once on the subtotal.
 */
export function planDrafts(events: readonly DraftableEvent[], taxRatePercent: string | null, grouping: InvoiceGrouping = 'PER_ENTRY'): PlannedDraft[] {
  const byCurrency = new Map<string, DraftableEvent[]>();
  for (const event of events) {
    const key = `${event.contractId}|${event.legalEntityId}|${event.currency}`;
    byCurrency.set(key, [...(byCurrency.get(key) ?? []), event]);
  }
  return [...byCurrency.values()].map((group) => {
    const sorted = [...group].sort((a, b) => a.date.localeCompare(b.date) || a.id.localeCompare(b.id));
    const allocated = allocateGroupAmounts(grouping, sorted.map(groupableEvent));
    const lines = sorted.map((event, index) => ({
      position: index + 1,
      billingEventId: event.id,
      sourceType: event.sourceType,
      sourceId: event.sourceId,
      projectId: event.projectId,
      description: event.description,
      quantity: event.hours ?? '1',
      unitPrice: event.rate ?? event.amount,
      amount: allocated.get(event.id)!,
    }));
    const reallocated = sorted
      .filter((event) => compareDecimals(allocated.get(event.id)!, event.amount) !== 0)
      .map((event) => ({ billingEventId: event.id, amount: allocated.get(event.id)!, previousAmount: event.amount }));
    const [first] = sorted;
    return {
      contractId: first.contractId,
      legalEntityId: first.legalEntityId,
      currency: first.currency,
      periodStart: first.date,
      lines,
      totals: invoiceTotals(lines.map((line) => line.amount), taxRatePercent ?? '0', first.currency),
      reallocated,
    };
  });
}

/** A billing event as grouping sees it (its id stands for the line it becomes). */
const groupableEvent = (event: DraftableEvent): GroupableLine => ({
  id: event.id, sourceType: event.sourceType, description: event.description, quantity: event.hours ?? '1',
  rate: event.hours !== null && event.rate !== null ? event.rate : null, amount: event.amount, currency: event.currency,
  projectId: event.projectId, workerId: event.workerId ?? null, roleId: event.roleId ?? null, taskId: event.taskId ?? null,
});

/** A line with what grouping needs of its billing event. */
export interface GroupableLine {
  id: string;
  sourceType: BillingSourceType;
  description: string;
  /** Hours for a line priced by the hour; 1 for a line priced as one unit. */
  quantity: string;
  /** The hourly rate of a line priced by the hour (its event has hours and a rate); null for one priced as a unit. */
  rate: string | null;
  amount: string;
  currency: string;
  projectId: string | null;
  workerId: string | null;
  roleId: string | null;
  taskId: string | null;
  /** The name of the project, role, worker or task the invoice's grouping puts it under, read when drafted. */
  groupLabel?: string | null;
}

export interface LineGroup<Line extends GroupableLine = GroupableLine> {
  grouping: InvoiceGrouping;
  /** The project, role, worker or task id (the line id for PER_ENTRY); null for lines without one (an expense BY_ROLE). */
  key: string | null;
  /**
   * The line's description for PER_ENTRY; else the name of the key's project, role, worker or task as read when the
   * invoice was drafted (null when none was known).
   */
  label: string | null;
  sourceType: BillingSourceType;
  /** Hours of the group's lines priced by the hour (others count none). */
  hours: string;
  /** The hourly rate every line of the group bills at; null for lines priced as units (expenses, fees). */
  unitRate: string | null;
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
 * The printed lines of an invoice: its lines grouped by project, role, worker or task (or one group per line) and,
 * within that, by what a printed line can say in one "H h × R": lines priced by the hour at the same rate (another
 * rate is another group), lines priced as units by source type (expenses apart from fees). Groups come in the order
 * each first appears.
 */
function partition<Line extends GroupableLine>(grouping: InvoiceGrouping, lines: readonly Line[]): Array<{ key: string | null; members: Line[] }> {
  const groups = new Map<string, { key: string | null; members: Line[] }>();
  for (const line of lines) {
    const key = keyOf[grouping](line);
    const id = JSON.stringify([key, line.currency, line.sourceType, line.rate]);
    const group = groups.get(id) ?? { key, members: [] };
    group.members.push(line);
    groups.set(id, group);
  }
  return [...groups.values()];
}

/**
 * How an invoice presents its lines (`partition`). A group's amount is the sum of its line amounts — which, for lines
 * priced by the hour and drafted since group rounding (`allocateGroupAmounts`), is hours × rate rounded once — so the
 * groups add up to the subtotal exactly; its hours, the sum of its hour-priced lines' quantities.
 */
export function groupLines<Line extends GroupableLine>(grouping: InvoiceGrouping, lines: readonly Line[]): Array<LineGroup<Line>> {
  return partition(grouping, lines).map(({ key, members }) => {
    const [first] = members;
    return {
      grouping,
      key,
      label: grouping === 'PER_ENTRY' ? first.description : (first.groupLabel ?? null),
      sourceType: first.sourceType,
      hours: sumDecimals(members.filter((line) => line.rate !== null).map((line) => line.quantity), 2),
      unitRate: first.rate,
      amount: { amount: sumDecimals(members.map((line) => line.amount), minorUnits(first.currency)), currency: first.currency },
      lines: members,
    };
  });
}

const floorDiv = (a: bigint, b: bigint) => (a % b !== 0n && a < 0n ? a / b - 1n : a / b);
const fractionDigits = (value: string) => value.trim().split('.')[1]?.length ?? 0;

/**
 * Group rounding (DESIGN §2, the rule of every line amount applied to the line the customer reads): each group of
 * lines priced by the hour (`partition`) is worth its hours × its rate, rounded half-up to the currency's minor unit
 * once; its lines share that amount by **largest remainder** — each gets its exact hours × rate rounded down, and the
 * minor units left go one each to the lines with the largest remainders (ties: the earlier line). So every line moves
 * at most one minor unit from its exact value, a line with an exact value keeps it, and the lines sum to the group.
 * Lines priced as units, and every line PER_ENTRY (a group of one: the event's own rounding), keep their amounts.
 * Returns each line's amount by id.
 */
export function allocateGroupAmounts(grouping: InvoiceGrouping, lines: readonly GroupableLine[]): Map<string, string> {
  const amounts = new Map(lines.map((line) => [line.id, line.amount]));
  if (grouping === 'PER_ENTRY') return amounts;
  for (const { members } of partition(grouping, lines)) {
    const rate = members[0].rate;
    if (rate === null) continue;
    const digits = minorUnits(members[0].currency);
    const hoursScale = Math.max(...members.map((line) => fractionDigits(line.quantity)));
    const scale = Math.max(hoursScale + fractionDigits(rate), digits);
    const widen = 10n ** BigInt(scale - hoursScale - fractionDigits(rate));
    const unit = 10n ** BigInt(scale - digits);
    const exact = members.map((line) => toScaled(line.quantity, hoursScale) * toScaled(rate, fractionDigits(rate)) * widen);
    const total = exact.reduce((sum, value) => sum + value, 0n);
    const groupAmount = toScaled(fromScaled(total, scale), digits);
    const floors = exact.map((value) => floorDiv(value, unit));
    let left = groupAmount - floors.reduce((sum, value) => sum + value, 0n);
    const byRemainder = members.map((_, index) => index).sort((a, b) => {
      const difference = exact[b] - floors[b] * unit - (exact[a] - floors[a] * unit);
      return difference > 0n ? 1 : difference < 0n ? -1 : a - b;
    });
    for (const index of byRemainder) {
      if (left <= 0n) break;
      floors[index] += 1n;
      left -= 1n;
    }
    members.forEach((line, index) => amounts.set(line.id, fromScaled(floors[index], digits)));
  }
  return amounts;
}

/**
 * The amounts tax is rounded on, per the rate's rule: the printed lines — one per group (`groupLines`), every line
 * PER_ENTRY. For INVOICE rounding only their sum counts, which is the sum of the lines.
 */
export const printedLineAmounts = (grouping: InvoiceGrouping, lines: readonly GroupableLine[]): string[] =>
  groupLines(grouping, lines).map((group) => group.amount.amount);

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
