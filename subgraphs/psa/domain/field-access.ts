import { fieldAccess, type FieldRule } from '../../../lib/auth/field-access.ts';

/**
 * A project's budget (hours and amount): its manager steers the project against it, resource managers staff to it,
 * finance bills and reports on it. Not its workers, nor managers of other projects.
 */
const budget: FieldRule = { roles: ['FINANCE', 'RESOURCE_MANAGER'], projectManager: true };

/**
 * An assignment's bill-rate override prices one person's hours on one project (first in the rate precedence, DESIGN
 * §2): read by whoever reads bill rates (FINANCE, RESOURCE_MANAGER) and by the project's manager, whose burn it
 * drives. The assigned worker logs time without it: capture resolves rates as the time subgraph, not as the caller.
 */
const billRates: FieldRule = { roles: ['FINANCE', 'RESOURCE_MANAGER'], projectManager: true };

/** What a milestone bills: finance, and the project's manager who completes it. Staffing does not need it. */
const billing: FieldRule = { roles: ['FINANCE'], projectManager: true };

/** psa's commercial fields and who reads them; every other psa field is open to any authenticated caller. */
export const psaFieldRules = {
  'Project.budgetHours': budget,
  'Project.budgetAmount': budget,
  'Assignment.billRateOverride': billRates,
  'Milestone.amount': billing,
} as const;

export type PsaField = keyof typeof psaFieldRules;

export const psaFields = fieldAccess('psa', psaFieldRules);
