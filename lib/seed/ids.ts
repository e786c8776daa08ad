import { createHash } from 'node:crypto';

/**
 * A name-based uuid (v5 layout) for a seeded record the plan has no id for, so two subgraphs that seed their own
 * copies of a reference (psa's note of erp's billing setup) derive the same id.
 */
export function seededId(kind: string, of: string): string {
  const hex = createHash('sha1').update(`${kind}:${of}`).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The id of a seeded contract's billing setup, in erp and in psa's record of it. */
export const seededBillingSetupId = (contractId: string) => seededId('billing-setup', contractId);
