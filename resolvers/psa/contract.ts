import { pageArgsOf } from '../../lib/graphql/connection.ts';
import type { ContractResolvers } from './types.generated.ts';

/** crm owns Contract; psa adds the projects delivered under it. */
export const Contract: ContractResolvers = {
  __resolveReference: (ref) => ref,
  projects: (contract, args, { loaders }, info) => loaders.projectsByContract.for(pageArgsOf(args, info)).load(contract.id),
};
