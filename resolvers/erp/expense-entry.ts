import type { ExpenseBillingResolvers, ExpenseEntryResolvers } from './types.generated.ts';

/** time owns ExpenseEntry; erp adds where it stands in billing (as for a time entry). */
export const ExpenseEntry: ExpenseEntryResolvers = {
  __resolveReference: (ref) => ref,
  billing: (expense, _, { erpQueries }) => erpQueries.billingOfExpense(expense),
};

/** The status is open to managers; the billing event and invoice behind it are finance's. */
export const ExpenseBilling: ExpenseBillingResolvers = {
  billingEvent: (billing, _, { erpQueries }) => (billing.billingEventId ? erpQueries.billingEvent(billing.billingEventId) : null),
  invoice: (billing, _, { erpQueries }) => (billing.invoiceId ? erpQueries.invoice(billing.invoiceId) : null),
};
