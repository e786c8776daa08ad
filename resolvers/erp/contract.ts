import type { ContractResolvers } from './types.generated.ts';

/** crm owns Contract; erp adds how it is invoiced. */
export const Contract: ContractResolvers = {
  __resolveReference: (ref) => ref,
  billingSetup: (contract, _, { erpQueries }) => erpQueries.billingSetupOfContract(contract.id),
};
