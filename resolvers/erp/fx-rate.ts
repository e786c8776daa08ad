import { trimDecimal } from '../../lib/decimal.ts';
import type { FxRateResolvers } from './types.generated.ts';

export const FxRate: FxRateResolvers = {
  __resolveReference: (ref, { erpQueries }) => erpQueries.fxRate(ref.id),
  fromCurrency: (rate) => rate.from_currency,
  toCurrency: (rate) => rate.to_currency,
  rate: (rate) => trimDecimal(String(rate.rate)),
  effectiveFrom: (rate) => rate.effective_from,
  effectiveTo: (rate) => rate.effective_to,
  createdAt: (rate) => rate.created_at,
  updatedAt: (rate) => rate.updated_at,
};
