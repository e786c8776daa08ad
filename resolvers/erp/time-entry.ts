import type { TimeEntryBillingResolvers, TimeEntryResolvers } from './types.generated.ts';

/** time owns TimeEntry; erp adds where it stands in billing. */
export const TimeEntry: TimeEntryResolvers = {
  __resolveReference: (ref) => ref,
  billing: (entry, _, { erpQueries }) => erpQueries.billingOfTimeEntry(entry),
  costPosting: (entry, _, { erpQueries }) => erpQueries.costPostingOfSource('TIME_ENTRY', entry.id),
};

/** The status is open to managers; the billing event and invoice behind it are finance's. */
export const TimeEntryBilling: TimeEntryBillingResolvers = {
  billingEvent: (billing, _, { erpQueries }) => (billing.billingEventId ? erpQueries.billingEvent(billing.billingEventId) : null),
  invoice: (billing, _, { erpQueries }) => (billing.invoiceId ? erpQueries.invoice(billing.invoiceId) : null),
};
