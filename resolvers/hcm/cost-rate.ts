import type { CostRateResolvers } from './types.generated.ts';

export const CostRate: CostRateResolvers = {
  cost: (rate) => ({ amount: rate.amount, currency: rate.currency }),
  effectiveFrom: (rate) => rate.effective_from,
  effectiveTo: (rate) => rate.effective_to,
};
