import { toExternalRef } from '../../lib/external-refs.ts';
import { entityRef } from '../../lib/graphql/connection.ts';
import { crmFields } from '../../subgraphs/crm/domain/field-access.ts';
import { rateOn } from '../../subgraphs/crm/domain/rate-card.ts';
import type { RateCardResolvers, RateResolvers } from './types.generated.ts';

const asEffective = <R extends { role_id: string; effective_from: string; effective_to: string | null }>(row: R) => ({
  ...row,
  roleId: row.role_id,
  effectiveFrom: row.effective_from,
  effectiveTo: row.effective_to,
});

export const RateCard: RateCardResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.rateCard.load(ref.id),
  contract: async (card, _, { loaders }) => (await loaders.contract.load(card.contract_id))!,
  rates: (card, _, { loaders }) => loaders.ratesByRateCard.load(card.id),
  rateFor: async (card, { roleId, date }, { loaders }) =>
    rateOn((await loaders.ratesByRateCard.load(card.id)).map(asEffective), roleId, date),
  externalRefs: async (card, _, { loaders }) => (await loaders.rateCardRefs.load(card.id)).map(toExternalRef),
};

export const Rate: RateResolvers = {
  role: (rate) => entityRef('Role', rate.role_id),
  billRate: (rate, _, { identity, loaders }) =>
    crmFields.read(identity, 'Rate.billRate', async () => ({
      amount: rate.bill_rate,
      currency: (await loaders.rateCard.load(rate.rate_card_id))!.currency,
    })),
  effectiveFrom: (rate) => rate.effective_from,
  effectiveTo: (rate) => rate.effective_to,
};
