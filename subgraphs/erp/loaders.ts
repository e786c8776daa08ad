import type { Kysely } from 'kysely';
import { changeOrdering } from '../../lib/db/changes.ts';
import type { Ordering } from '../../lib/graphql/connection.ts';
import { loaderByGroup, loaderById, pagedByParent } from '../../lib/graphql/loaders.ts';
import * as repo from './repository.ts';
import type { ErpDatabase, InvoiceRow } from './tables.ts';

/** Stable orders of every erp list; the last column is unique so cursors never tie. */
export const orderings = {
  invoice: { columns: ['created_at', 'id'], direction: 'desc' },
  creditNote: { columns: ['created_at', 'id'], direction: 'desc' },
  billingEvent: { columns: ['date', 'id'], direction: 'desc' },
  costPosting: { columns: ['date', 'id'], direction: 'desc' },
  payment: { columns: ['received_on', 'id'], direction: 'desc' },
  taxRate: { columns: ['legal_entity_id', 'effective_from', 'id'], direction: 'asc' },
  fxRate: { columns: ['from_currency', 'to_currency', 'effective_from', 'id'], direction: 'asc' },
  billingSetup: { columns: ['created_at', 'id'], direction: 'desc' },
} as const satisfies Record<string, Ordering>;

/** The order of a mirrorable list: its own, or with `updatedAfter` the change order (lib/db/changes.ts). */
export const orderingOf = (table: string, ordering: Ordering, filter: { updatedAfter?: unknown } | null | undefined): Ordering =>
  filter?.updatedAfter != null ? changeOrdering(table) : ordering;

/** Per-request loaders: every reference, list and aggregate under a parent is one statement per batch. */
export function createErpLoaders(db: Kysely<ErpDatabase>) {
  return {
    invoice: loaderById((ids) => repo.invoicesByIds(db, ids)),
    invoiceLine: loaderById((ids) => repo.invoiceLinesByIds(db, ids)),
    creditNote: loaderById((ids) => repo.creditNotesByIds(db, ids)),
    payment: loaderById((ids) => repo.paymentsByIds(db, ids)),
    billingEvent: loaderById((ids) => repo.billingEventsByIds(db, ids)),
    costPosting: loaderById((ids) => repo.costPostingsByIds(db, ids)),
    taxRate: loaderById((ids) => repo.taxRatesByIds(db, ids)),
    fxRate: loaderById((ids) => repo.fxRatesByIds(db, ids)),
    billingSetup: loaderById((ids) => repo.billingSetupsByIds(db, ids)),
    billingSetupByContract: loaderByGroup((ids) => repo.billingSetupsByContracts(db, ids), (row) => row.contract_id),
    scheduleLinesBySetup: loaderByGroup((ids) => repo.scheduleLinesBySetups(db, ids), (row) => row.billing_setup_id),
    capSumsByContract: loaderByGroup((ids) => repo.capSumsByContracts(db, ids), (row) => row.contract_id),
    retainerSumsBySetup: loaderByGroup((ids) => repo.retainerSumsBySetups(db, ids), (row) => row.billing_setup_id),
    linesByInvoice: loaderByGroup((ids) => repo.linesByInvoices(db, ids), (row) => row.invoice_id),
    changesByBillingEvent: loaderByGroup((ids) => repo.changesOfBillingEvents(db, ids), (row) => row.billing_event_id),
    linesByBillingEvent: loaderByGroup((ids) => repo.linesByBillingEvents(db, ids), (row) => row.billing_event_id!),
    paymentsByInvoice: loaderByGroup((ids) => repo.paymentsByInvoices(db, ids), (row) => row.invoice_id),
    creditNotesByInvoice: loaderByGroup((ids) => repo.creditNotesByInvoices(db, ids), (row) => row.invoice_id),
    linesByCreditNote: loaderByGroup((ids) => repo.creditNoteLinesByCreditNotes(db, ids), (row) => row.credit_note_id),
    creditsByInvoiceLine: loaderByGroup((ids) => repo.creditsByInvoiceLines(db, ids), (row) => row.invoice_line_id),
    settlementByInvoice: loaderByGroup((ids) => repo.settlementsByInvoices(db, ids), (row) => row.invoice_id),
    arBalanceByCustomer: loaderByGroup((ids) => repo.arBalancesByCustomers(db, ids), (row) => row.customer_id),
    financialFactsByProject: loaderByGroup((ids) => repo.financialFactsByProjects(db, ids), (row) => row.project_id),
    billingFactsByTimeEntry: loaderByGroup((ids) => repo.billingFactsBySources(db, 'TIME_ENTRY', ids), (row) => row.source_id),
    coverageByTimeEntry: loaderByGroup((ids) => repo.coverageOfTimeEntries(db, ids), (row) => row.source_id),
    billingFactsByExpense: loaderByGroup((ids) => repo.billingFactsBySources(db, 'EXPENSE', ids), (row) => row.source_id),
    invoicesByCustomer: pagedByParent<InvoiceRow, repo.InvoiceFilter>(db, 'customer_id', orderings.invoice, (filter) =>
      repo.invoicesQuery(db, filter ?? {}),
    ),
    /** A customer's invoices asked with `updatedAfter`: in change order. */
    invoiceChangesByCustomer: pagedByParent<InvoiceRow, repo.InvoiceFilter>(db, 'customer_id', changeOrdering('invoice'), (filter) =>
      repo.invoicesQuery(db, filter ?? {}),
    ),
    costPostingByTimeEntry: loaderByGroup((ids) => repo.liveCostPostingsBySources(db, 'TIME_ENTRY', ids), (row) => row.source_id),
    costPostingByExpense: loaderByGroup((ids) => repo.liveCostPostingsBySources(db, 'EXPENSE', ids), (row) => row.source_id),
  };
}

export type ErpLoaders = ReturnType<typeof createErpLoaders>;
