import { fieldAccess, type FieldRules } from '../../../lib/auth/field-access.ts';

/** erp's commercial fields and who reads them. Everything erp holds is money, so the default is finance's. */
export const erpFieldRules = {
  /**
   * Every erp record (invoices and their lines, credit notes, payments, billing events, cost postings, tax and FX
   * rates, billing setups) and what is computed from them (revenue, KPIs, a customer's invoices, receivable and
   * unbilled work, reconciliation): FINANCE. A record reached under another (an invoice's lines) is not checked again.
   */
  ledger: { roles: ['FINANCE'], projectManager: false },
  /**
   * A project's money to date (cost, billed, unbilled, margin, budget burn): finance, and the project's manager, who
   * answers for its burn. psa names the manager; the gateway hands it to erp with the reference (@requires).
   */
  'Project.financials': { roles: ['FINANCE'], projectManager: true },
  /**
   * Where an entry stands in billing (a status, no amount): managers decide on approvals that invoices may already
   * hold (ALREADY_INVOICED). The billing event and invoice behind the status are the ledger's.
   */
  'TimeEntry.billing': { roles: ['FINANCE', 'MANAGER'], projectManager: false },
  'ExpenseEntry.billing': { roles: ['FINANCE', 'MANAGER'], projectManager: false },
} as const satisfies FieldRules;

export type ErpField = keyof typeof erpFieldRules;

export const erpFields = fieldAccess('erp', erpFieldRules);
