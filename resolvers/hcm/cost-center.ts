import { toExternalRef } from '../../lib/external-refs.ts';
import type { CostCenterResolvers } from './types.generated.ts';

export const CostCenter: CostCenterResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.costCenter.load(ref.id),
  legalEntity: async (center, _, { loaders }) => (await loaders.legalEntity.load(center.legal_entity_id))!,
  externalRefs: async (center, _, { loaders }) => (await loaders.externalRefsOfCostCenter.load(center.id)).map(toExternalRef),
  createdAt: (center) => center.created_at,
  updatedAt: (center) => center.updated_at,
};
