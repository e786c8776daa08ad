import type { BillingMethod, BillingSetupStatus } from '../tables.ts';

export interface ContractTerms {
  billingMethod: BillingMethod;
  /** Roles the contract's rate card prices. */
  ratedRoleIds: readonly string[];
}

export type Readiness = { status: Extract<BillingSetupStatus, 'READY'> } | { status: Extract<BillingSetupStatus, 'BLOCKED'>; reason: string };

/**
 * Whether finance can invoice a contract, which gates the project's activation (DESIGN §4.1):
 * 1/ FIXED_FEE bills milestones and schedules, not hours: always ready;
 * 2/ every other method bills time at rate-card rates, so it needs at least one rated role;
 * otherwise blocked, with the reason a person can act on.
 */
export function billingReadiness(terms: ContractTerms): Readiness {
  if (terms.billingMethod === 'FIXED_FEE') return { status: 'READY' };
  if (terms.ratedRoleIds.length === 0) {
    return {
      status: 'BLOCKED',
      reason: `a ${terms.billingMethod} contract bills hours at rate-card rates, and its rate card prices no role`,
    };
  }
  return { status: 'READY' };
}

/** Terms a new billing setup starts with; finance changes them with updateBillingSetup. */
export const defaultBillingTerms = { invoiceGrouping: 'BY_PROJECT', paymentTermsDays: 30 } as const;
