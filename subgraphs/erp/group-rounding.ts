import type { Transaction } from 'kysely';
import { compareDecimals } from '../../lib/decimal.ts';
import { invoiceTotals } from './domain/invoice.ts';
import { allocateGroupAmounts, printedLineAmounts, type GroupableLine } from './domain/invoicing.ts';
import { lineAmount } from './domain/money.ts';
import * as repo from './repository.ts';
import type { BillingEventRow, ErpDatabase, InvoiceLineRow, InvoiceRow } from './tables.ts';

/**
 * Where group rounding (domain/invoicing.ts `allocateGroupAmounts`) meets the books: a billing event on a grouped
 * invoice's live line carries the line's share of its group, so the invoice, the events (revenue, unbilled and on
 * draft work, KPIs) and the functional amounts agree to the minor unit; an event that leaves its line (a void, a
 * credit re-billed) gets its own rounding back. Shared by drafting and voiding (invoicing.ts), the reversal that takes
 * a line off a draft (posting.ts) and re-billing (credit-notes.ts).
 */

/** An invoice's lines as grouping sees them, with the worker, role, task and rate their billing events kept. */
export function groupableLines<Line extends InvoiceLineRow>(lines: readonly Line[], events: ReadonlyMap<string, BillingEventRow>): Array<GroupableLine & { row: Line }> {
  return lines.map((row) => {
    const event = row.billing_event_id ? events.get(row.billing_event_id) : undefined;
    return {
      id: row.id, sourceType: row.source_type, description: row.description, quantity: row.quantity, amount: row.amount, currency: row.currency,
      rate: event && event.hours !== null && event.rate !== null ? event.rate : null, projectId: row.project_id, workerId: event?.worker_id ?? null,
      roleId: event?.role_id ?? null, taskId: event?.task_id ?? null, groupLabel: row.group_label, row,
    };
  });
}

/** An event's own amount: hours × rate rounded half-up once (DESIGN §2); one priced as a unit keeps its amount. */
const ownAmount = (row: BillingEventRow) => (row.hours !== null && row.rate !== null ? lineAmount(row.hours, row.rate, row.currency) : row.amount);

/**
 * Writes new amounts on billing events, each with its functional amount at the rate it captured (rounded once, as
 * when written); events whose amount does not change are left alone. Returns the changed events as they were.
 */
export async function setEventAmounts(trx: Transaction<ErpDatabase>, events: readonly BillingEventRow[], amounts: ReadonlyMap<string, string>, now: Date) {
  const changed = events.filter((row) => amounts.has(row.id) && compareDecimals(amounts.get(row.id)!, row.amount) !== 0);
  await repo.setBillingEventAmounts(
    trx,
    changed.map((row) => {
      const amount = amounts.get(row.id)!;
      return { id: row.id, amount, functionalAmount: row.fx_rate === null ? null : lineAmount(amount, row.fx_rate, row.functional_currency ?? row.currency) };
    }),
    now,
  );
  return changed;
}

/**
 * Events leaving their line (back to UNBILLED) get their own rounding back: the next draft shares it out again.
 * Returns each event's amount now.
 */
export async function restoreOwnAmounts(trx: Transaction<ErpDatabase>, events: readonly BillingEventRow[], now: Date): Promise<Map<string, string>> {
  const amounts = new Map(events.map((row) => [row.id, ownAmount(row)]));
  await setEventAmounts(trx, events, amounts, now);
  return amounts;
}

/**
 * A draft whose lines changed (a reversal took one off) shares its groups out again — from each event's hours × rate,
 * so the remaining lines read as if drafted without it — and recomputes its totals (tax at the rate and rule it
 * carries, on its printed lines). The caller holds the invoice's lock; the draft's other billing events are locked
 * here, in id order.
 */
export async function reallocateDraft(trx: Transaction<ErpDatabase>, invoice: InvoiceRow, now: Date) {
  const lines = await repo.liveLinesOfInvoice(trx, invoice.id);
  const events = await repo.lockBillingEvents(trx, lines.flatMap((line) => (line.billing_event_id ? [line.billing_event_id] : [])));
  const byId = new Map(events.map((row) => [row.id, row]));
  const groupable = groupableLines(lines, byId);
  const shares = allocateGroupAmounts(invoice.grouping, groupable);
  const changedLines = lines.filter((line) => compareDecimals(shares.get(line.id)!, line.amount) !== 0);
  await repo.setInvoiceLineAmounts(trx, changedLines.map((line) => ({ id: line.id, amount: shares.get(line.id)! })));
  const eventShares = new Map(lines.flatMap((line) => (line.billing_event_id ? [[line.billing_event_id, shares.get(line.id)!] as const] : [])));
  await setEventAmounts(trx, events, eventShares, now);
  const printed = printedLineAmounts(invoice.grouping, groupable.map((line) => ({ ...line, amount: shares.get(line.id)! })));
  const totals = invoiceTotals(printed, invoice.tax_rate_percent ?? '0', invoice.currency, invoice.tax_rounding ?? 'INVOICE');
  await trx
    .updateTable('invoice')
    .set({ subtotal: totals.subtotal, tax_total: totals.taxTotal, total: totals.total, updated_at: now })
    .where('id', '=', invoice.id)
    .execute();
}
