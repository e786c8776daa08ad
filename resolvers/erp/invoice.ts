import { entityRef, optionalEntityRef } from '../../lib/graphql/connection.ts';
import { percentText, roundDecimal } from '../../lib/decimal.ts';
import { minorUnits, money, optionalMoney } from '../../subgraphs/erp/domain/money.ts';
import { invoiceBalance } from '../../subgraphs/erp/domain/invoice.ts';
import { invoiceLineGroups } from '../../subgraphs/erp/invoicing.ts';
import { explainInvoiceLine } from '../../subgraphs/erp/domain/explanation.ts';
import type { BillingEventRow } from '../../subgraphs/erp/tables.ts';
import type { InvoiceLineGroupResolvers, InvoiceLineResolvers, InvoiceResolvers } from './types.generated.ts';

export const Invoice: InvoiceResolvers = {
  __resolveReference: (ref, { erpQueries }) => erpQueries.invoice(ref.id),
  customer: (invoice) => entityRef('Customer', invoice.customer_id),
  contract: (invoice) => optionalEntityRef('Contract', invoice.contract_id),
  legalEntity: (invoice) => entityRef('LegalEntity', invoice.legal_entity_id),
  periodStart: (invoice) => invoice.period_start,
  periodEnd: (invoice) => invoice.period_end,
  issueDate: (invoice) => invoice.issue_date,
  dueDate: (invoice) => invoice.due_date,
  lines: (invoice, _, { loaders }) => loaders.linesByInvoice.load(invoice.id),
  subtotal: (invoice) => money(invoice.subtotal, invoice.currency),
  taxTotal: (invoice) => money(invoice.tax_total, invoice.currency),
  taxRatePercent: (invoice) => (invoice.tax_rate_percent === null ? null : percentText(invoice.tax_rate_percent)),
  taxRounding: (invoice) => invoice.tax_rounding ?? null,
  total: (invoice) => money(invoice.total, invoice.currency),
  amountPaid: async (invoice, _, { loaders }) => {
    const [settlement] = await loaders.settlementByInvoice.load(invoice.id);
    return money(settlement?.paid ?? '0.00', invoice.currency);
  },
  balance: async (invoice, _, { loaders }) => {
    const [settlement] = await loaders.settlementByInvoice.load(invoice.id);
    return money(invoiceBalance(invoice.total, settlement?.paid ?? '0', settlement?.credited ?? '0'), invoice.currency);
  },
  payments: (invoice, _, { loaders }) => loaders.paymentsByInvoice.load(invoice.id),
  creditNotes: (invoice, _, { loaders }) => loaders.creditNotesByInvoice.load(invoice.id),
  createdAt: (invoice) => invoice.created_at,
  updatedAt: (invoice) => invoice.updated_at,
  issuedAt: (invoice) => invoice.issued_at,
  voidedAt: (invoice) => invoice.voided_at,
  voidReason: (invoice) => invoice.void_reason,
  lineGroups: async (invoice, _, { loaders }) => {
    const lines = await loaders.linesByInvoice.load(invoice.id);
    const events = await loaders.billingEvent.loadMany(lines.flatMap((line) => (line.billing_event_id ? [line.billing_event_id] : [])));
    const byId = new Map(events.filter((row): row is BillingEventRow => row !== null && !(row instanceof Error)).map((row) => [row.id, row]));
    return invoiceLineGroups(invoice.grouping, lines, byId);
  },
};

/** A presentation of lines; the entities behind its key are resolved by their owners. */
export const InvoiceLineGroup: InvoiceLineGroupResolvers = {
  project: (group) => (group.grouping === 'BY_PROJECT' ? optionalEntityRef('Project', group.key) : null),
  role: (group) => (group.grouping === 'BY_ROLE' ? optionalEntityRef('Role', group.key) : null),
  worker: (group) => (group.grouping === 'BY_WORKER' ? optionalEntityRef('Worker', group.key) : null),
  task: (group) => (group.grouping === 'BY_TASK' ? optionalEntityRef('Task', group.key) : null),
  unitRate: (group) => optionalMoney(group.unitRate, group.amount.currency),
  lines: (group) => group.lines.map((line) => line.row),
};

export const InvoiceLine: InvoiceLineResolvers = {
  __resolveReference: (ref, { erpQueries }) => erpQueries.invoiceLine(ref.id),
  invoice: async (line, _, { loaders }) => (await loaders.invoice.load(line.invoice_id))!,
  sourceType: (line) => line.source_type,
  sourceId: (line) => line.source_id,
  unitPrice: (line) => money(line.unit_price, line.currency),
  amount: (line) => money(line.amount, line.currency),
  billingEvent: (line, _, { loaders }) => (line.billing_event_id ? loaders.billingEvent.load(line.billing_event_id) : null),
  project: (line) => optionalEntityRef('Project', line.project_id),
  credited: async (line, _, { loaders }) => {
    const [credits] = await loaders.creditsByInvoiceLine.load(line.id);
    return money(roundDecimal(String(credits?.issued ?? '0'), minorUnits(line.currency)), line.currency);
  },
  released: (line) => line.released_at !== null,
  explanation: async (line, _, { loaders }) => {
    if (!line.billing_event_id) return explainInvoiceLine(line, null, []);
    const [event, changes] = await Promise.all([loaders.billingEvent.load(line.billing_event_id), loaders.changesByBillingEvent.load(line.billing_event_id)]);
    return explainInvoiceLine(line, event ?? null, changes);
  },
};
