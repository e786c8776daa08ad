import { toExternalRef } from '../../lib/external-refs.ts';
import { entityRef } from '../../lib/graphql/connection.ts';
import { crmFields } from '../../subgraphs/crm/domain/field-access.ts';
import type { ContractAmendmentResolvers, ContractResolvers } from './types.generated.ts';

const money = (amount: string | null, currency: string) => (amount === null ? null : { amount, currency });

export const Contract: ContractResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.contract.load(ref.id),
  customer: async (contract, _, { loaders }) => (await loaders.customer.load(contract.customer_id))!,
  billingMethod: (contract) => contract.billing_method,
  legalEntity: (contract) => entityRef('LegalEntity', contract.legal_entity_id),
  soldHours: (contract, _, { identity }) => crmFields.read(identity, 'Contract.soldHours', () => contract.sold_hours),
  amount: (contract, _, { identity }) =>
    crmFields.read(identity, 'Contract.amount', () => money(contract.amount, contract.currency)),
  notToExceed: (contract, _, { identity }) =>
    crmFields.read(identity, 'Contract.notToExceed', () => money(contract.not_to_exceed, contract.currency)),
  fixedFeeMethod: (contract) => contract.fixed_fee_method,
  startDate: (contract) => contract.start_date,
  endDate: (contract) => contract.end_date,
  opportunity: (contract, _, { loaders }) => (contract.opportunity_id ? loaders.opportunity.load(contract.opportunity_id) : null),
  rateCard: async (contract, _, { loaders }) => (await loaders.rateCardByContract.load(contract.id))[0],
  amendments: (contract, _, { loaders }) => loaders.amendmentsByContract.load(contract.id),
  externalRefs: async (contract, _, { loaders }) => (await loaders.contractRefs.load(contract.id)).map(toExternalRef),
  createdAt: (contract) => contract.created_at,
  updatedAt: (contract) => contract.updated_at,
};

export const ContractAmendment: ContractAmendmentResolvers = {
  effectiveDate: (amendment) => amendment.effective_date,
  soldHoursDelta: (amendment, _, { identity }) =>
    crmFields.read(identity, 'ContractAmendment.soldHoursDelta', () => amendment.sold_hours_delta),
  amountDelta: (amendment, _, { identity, loaders }) =>
    crmFields.read(identity, 'ContractAmendment.amountDelta', async () =>
      amendment.amount_delta === null
        ? null
        : { amount: amendment.amount_delta, currency: (await loaders.contract.load(amendment.contract_id))!.currency },
    ),
  newEndDate: (amendment) => amendment.new_end_date,
  createdAt: (amendment) => amendment.created_at,
};
