import { pageArgsOf } from '../../lib/graphql/connection.ts';
import type { OpportunityResolvers } from './types.generated.ts';

/** crm owns Opportunity; psa adds the staffing demand it creates. */
export const Opportunity: OpportunityResolvers = {
  __resolveReference: (ref) => ref,
  staffingRequests: (opportunity, args, { loaders }, info) =>
    loaders.staffingRequestsByOpportunity.for(pageArgsOf(args, info)).load(opportunity.id),
};
