import { fieldAccess, type FieldRule } from '../../../lib/auth/field-access.ts';

/**
 * Bill rates price every hour the firm sells: finance sets them (only FINANCE writes rate cards) and resource managers
 * weigh them when they staff. A project's manager reads their project's money in psa (budget, bill-rate overrides)
 * and erp (financials); a contract's rate card covers every project under it, and crm does not know projects.
 */
const billRates: FieldRule = { roles: ['FINANCE', 'RESOURCE_MANAGER'], projectManager: false };

/** What the customer bought (sold hours, amount, not-to-exceed cap, their amendments): written and read by FINANCE. */
const contractTerms: FieldRule = { roles: ['FINANCE'], projectManager: false };

/** A deal's value: read by those who sell (crm's sales roles write opportunities: FINANCE and MANAGER). */
const dealValue: FieldRule = { roles: ['FINANCE', 'MANAGER'], projectManager: false };

/** crm's commercial fields and who reads them; every other crm field is open to any authenticated caller. */
export const crmFieldRules = {
  'Rate.billRate': billRates,
  'Contract.soldHours': contractTerms,
  'Contract.amount': contractTerms,
  'Contract.notToExceed': contractTerms,
  'ContractAmendment.soldHoursDelta': contractTerms,
  'ContractAmendment.amountDelta': contractTerms,
  'Opportunity.amount': dealValue,
} as const;

export type CrmField = keyof typeof crmFieldRules;

export const crmFields = fieldAccess('crm', crmFieldRules);
