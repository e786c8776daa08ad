import type { ApolloServer } from '@apollo/server';
import type { GatewayContext } from './context.ts';
import {
  dateParameter,
  dateTimeParameter,
  enumListParameter,
  idParameter,
  runAsCaller,
  type ExportPage,
  type ExportPlan,
  type ExportRow,
} from './export-stream.ts';

/** The columns of the invoice export, in order: the invoice's header fields, then its line's. */
export const invoiceColumns = [
  'invoice_id', 'invoice_number', 'invoice_status', 'customer_id', 'customer_code', 'contract_id', 'legal_entity_id',
  'period_start', 'period_end', 'issue_date', 'due_date', 'currency', 'subtotal', 'tax_rate_percent', 'tax_total', 'total',
  'amount_paid', 'balance', 'issued_at', 'voided_at', 'invoice_updated_at',
  'line_id', 'line_source_type', 'line_source_id', 'line_project_id', 'line_description', 'line_quantity', 'line_unit_price',
  'line_amount', 'line_credited', 'line_released', 'line_billing_event_id',
] as const;

/**
 * Invoices per page: fewer than the graph's maximum, since each brings all its lines (hundreds on a large monthly
 * invoice), and a page is what the export holds in memory.
 */
const INVOICES_PER_PAGE = 50;

const invoiceQuery = `query InvoiceExport($filter: InvoiceFilter, $after: String) {
  invoices(filter: $filter, first: ${INVOICES_PER_PAGE}, after: $after) {
    nodes {
      id number status customer { id code } contract { id } legalEntity { id } periodStart periodEnd issueDate dueDate currency
      subtotal { amount } taxRatePercent taxTotal { amount } total { amount } amountPaid { amount } balance { amount }
      issuedAt voidedAt updatedAt
      lines { id sourceType sourceId project { id } description quantity unitPrice { amount } amount { amount } credited { amount } released billingEvent { id } }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface InvoiceLineNode {
  id: string; sourceType: string; sourceId: string | null; project: { id: string } | null; description: string; quantity: string;
  unitPrice: { amount: string }; amount: { amount: string }; credited: { amount: string }; released: boolean; billingEvent: { id: string } | null;
}
interface InvoiceNode {
  id: string; number: string | null; status: string; customer: { id: string; code: string | null }; contract: { id: string } | null;
  legalEntity: { id: string }; periodStart: string | null; periodEnd: string | null; issueDate: string | null; dueDate: string | null;
  currency: string; subtotal: { amount: string }; taxRatePercent: string | null; taxTotal: { amount: string }; total: { amount: string };
  amountPaid: { amount: string }; balance: { amount: string }; issuedAt: string | null; voidedAt: string | null; updatedAt: string;
  lines: InvoiceLineNode[];
}

const headerOf = (invoice: InvoiceNode): ExportRow => ({
  invoice_id: invoice.id, invoice_number: invoice.number, invoice_status: invoice.status, customer_id: invoice.customer.id,
  customer_code: invoice.customer.code, contract_id: invoice.contract?.id ?? null, legal_entity_id: invoice.legalEntity.id,
  period_start: invoice.periodStart, period_end: invoice.periodEnd, issue_date: invoice.issueDate, due_date: invoice.dueDate,
  currency: invoice.currency, subtotal: invoice.subtotal.amount, tax_rate_percent: invoice.taxRatePercent, tax_total: invoice.taxTotal.amount,
  total: invoice.total.amount, amount_paid: invoice.amountPaid.amount, balance: invoice.balance.amount, issued_at: invoice.issuedAt,
  voided_at: invoice.voidedAt, invoice_updated_at: invoice.updatedAt,
});

const lineOf = (line: InvoiceLineNode): ExportRow => ({
  line_id: line.id, line_source_type: line.sourceType, line_source_id: line.sourceId, line_project_id: line.project?.id ?? null,
  line_description: line.description, line_quantity: line.quantity, line_unit_price: line.unitPrice.amount, line_amount: line.amount.amount,
  line_credited: line.credited.amount, line_released: line.released, line_billing_event_id: line.billingEvent?.id ?? null,
});

const statuses = ['DRAFT', 'ISSUED', 'PARTIALLY_PAID', 'PAID', 'VOID'];

/**
 * `GET /exports/invoices[.csv|.jsonl]`: erp's invoices as an accounting system imports them, one row per invoice
 * line with its invoice's header fields (an invoice without lines, a draft emptied by reversals, is one row with the
 * line's columns empty); amounts in the invoice's `currency`. FINANCE and ADMIN (403 FORBIDDEN otherwise). Query
 * parameters: `from`, `to` (issue date, a draft's period end), `status`, `customerId`, `contractId`, `legalEntityId`
 * and `updatedAfter` (then in change order: an invoice drafted, issued, paid, credited or voided after it, whole).
 */
export function invoiceExport(apollo: ApolloServer<GatewayContext>, context: GatewayContext, search: URLSearchParams): ExportPlan<InvoiceNode> {
  const filter = {
    from: dateParameter(search, 'from'),
    to: dateParameter(search, 'to'),
    status: enumListParameter(search, 'status', statuses),
    customerId: idParameter(search, 'customerId'),
    contractId: idParameter(search, 'contractId'),
    legalEntityId: idParameter(search, 'legalEntityId'),
    updatedAfter: dateTimeParameter(search, 'updatedAfter'),
  };
  return {
    filename: 'invoices',
    columns: invoiceColumns,
    fetchPage: async (after) => (await runAsCaller<{ invoices: ExportPage<InvoiceNode> }>(apollo, context, invoiceQuery, { filter, after })).invoices,
    rowsOf(invoice) {
      const header = headerOf(invoice);
      return invoice.lines.length === 0 ? [header] : invoice.lines.map((line) => ({ ...header, ...lineOf(line) }));
    },
  };
}
