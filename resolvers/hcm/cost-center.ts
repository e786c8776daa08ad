import type { CostCenterResolvers } from './types.generated.ts';

export const CostCenter: CostCenterResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.costCenter.load(ref.id),
  legalEntity: async (center, _, { loaders }) => (await loaders.legalEntity.load(center.legal_entity_id))!,
  createdAt: (center) => center.created_at,
  updatedAt: (center) => center.updated_at,
};
