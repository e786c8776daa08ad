import { fieldAccess, type FieldRule } from '../../../lib/auth/field-access.ts';

/**
 * What an hour of a worker costs the firm (loaded from their pay): finance posts cost with it, and resource managers
 * weigh it against bill rates when they choose whom to staff. Not the worker themselves (it is a finance figure, not
 * their pay slip) and not a project's manager: a project's cost reaches them summed, in erp's financials.
 */
const costRates: FieldRule = { roles: ['FINANCE', 'RESOURCE_MANAGER'], projectManager: false };

/** hcm's commercial fields and who reads them; every other hcm field is open to any authenticated caller. */
export const hcmFieldRules = {
  'Worker.costRates': costRates,
  'Worker.costRateOn': costRates,
} as const;

export type HcmField = keyof typeof hcmFieldRules;

export const hcmFields = fieldAccess('hcm', hcmFieldRules);
