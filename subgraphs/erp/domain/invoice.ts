import { roundDecimal } from '../../../lib/decimal.ts';
import type { DocumentKind } from '../tables.ts';
import { minorUnits, multiplyDecimals, negate, sumDecimals } from './money.ts';

const prefixes: Readonly<Record<DocumentKind, string>> = { INVOICE: 'INV', CREDIT_NOTE: 'CN' };

/** The printed number of the n-th document of a kind in a legal entity's gapless sequence: INV-000042. */
export const documentNumber = (kind: DocumentKind, sequence: number): string =>
  `${prefixes[kind]}-${String(sequence).padStart(6, '0')}`;

/** The due date: the issue date plus the billing setup's payment terms, in calendar days. */
export function dueDate(issueDate: string, paymentTermsDays: number): string {
  const date = new Date(`${issueDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + paymentTermsDays);
  return date.toISOString().slice(0, 10);
}

export interface InvoiceTotals {
  subtotal: string;
  taxTotal: string;
  total: string;
}

/**
 * An invoice's totals: the subtotal is the sum of its (already rounded) line amounts; tax is the subtotal × the tax
 * rate rounded half-up once to the currency's minor unit (INVOICE, the default), or each line × the rate rounded
 * half-up and summed (LINE, where the tax rate says so); the total is their sum.
 */
export function invoiceTotals(lineAmounts: readonly string[], taxRatePercent: string, currency: string, rounding: 'INVOICE' | 'LINE' = 'INVOICE'): InvoiceTotals {
  const digits = minorUnits(currency);
  const subtotal = sumDecimals(lineAmounts, digits);
  const factor = multiplyDecimals(taxRatePercent, '0.01');
  const taxOf = (amount: string) => roundDecimal(multiplyDecimals(amount, factor), digits);
  const taxTotal = rounding === 'LINE' ? sumDecimals(lineAmounts.map(taxOf), digits) : taxOf(subtotal);
  return { subtotal, taxTotal, total: sumDecimals([subtotal, taxTotal], digits) };
}

/** What the customer still owes on an invoice: its total less payments received and issued credit notes. */
export const invoiceBalance = (total: string, paid: string, credited: string): string =>
  sumDecimals([total, negate(paid), negate(credited)], 2);
