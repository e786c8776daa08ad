import { entityRef, optionalEntityRef } from '../../lib/graphql/connection.ts';
import type { RevenueRowResolvers } from './types.generated.ts';

export const RevenueRow: RevenueRowResolvers = {
  contract: (row) => entityRef('Contract', row.contractId),
  project: (row) => optionalEntityRef('Project', row.projectId),
  customer: (row) => entityRef('Customer', row.customerId),
  legalEntity: (row) => entityRef('LegalEntity', row.legalEntityId),
};
