/** How erp's GraphQL types map to its rows, for the generated resolver types (see scripts/codegen.ts). */
export const codegen = {
  contextType: '../../subgraphs/erp/server.ts#ErpContext',
  mappers: {
    Invoice: '../../subgraphs/erp/tables.ts#InvoiceRow',
    InvoiceLine: '../../subgraphs/erp/tables.ts#InvoiceLineRow',
    CreditNote: '../../subgraphs/erp/tables.ts#CreditNoteRow',
    CreditNoteLine: '../../subgraphs/erp/tables.ts#CreditNoteLineRow',
    Payment: '../../subgraphs/erp/tables.ts#PaymentRow',
    BillingEvent: '../../subgraphs/erp/tables.ts#BillingEventRow',
    CostPosting: '../../subgraphs/erp/tables.ts#CostPostingRow',
    RevenueSchedule: '../../subgraphs/erp/tables.ts#RevenueScheduleRow',
    RevenueLine: '../../subgraphs/erp/tables.ts#RevenueLineRow',
    TaxRate: '../../subgraphs/erp/tables.ts#TaxRateRow',
    BillingSetup: '../../subgraphs/erp/tables.ts#BillingSetupRow',
    Customer: '../../subgraphs/erp/tables.ts#EntityRef',
    Contract: '../../subgraphs/erp/tables.ts#EntityRef',
    TimeEntry: '../../subgraphs/erp/tables.ts#TimeEntryRef',
    Project: '../../subgraphs/erp/tables.ts#ProjectRef',
    ProjectFinancials: '../../subgraphs/erp/domain/financials.ts#ProjectFinancials as ProjectFinancialsModel',
    TimeEntryBilling: '../../subgraphs/erp/domain/time-entry-billing.ts#TimeEntryBilling as TimeEntryBillingModel',
  },
};
