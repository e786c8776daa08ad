import { percentText } from '../../lib/decimal.ts';
import { entityRef } from '../../lib/graphql/connection.ts';
import type { TaxRateResolvers } from './types.generated.ts';

export const TaxRate: TaxRateResolvers = {
  __resolveReference: (ref, { erpQueries }) => erpQueries.taxRate(ref.id),
  legalEntity: (rate) => entityRef('LegalEntity', rate.legal_entity_id),
  customerCountry: (rate) => rate.customer_country,
  ratePercent: (rate) => percentText(rate.rate_percent),
  taxRounding: (rate) => rate.tax_rounding,
  effectiveFrom: (rate) => rate.effective_from,
  effectiveTo: (rate) => rate.effective_to,
};
