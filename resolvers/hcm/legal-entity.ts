import type { LegalEntityResolvers } from './types.generated.ts';

export const LegalEntity: LegalEntityResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.legalEntity.load(ref.id),
  createdAt: (entity) => entity.created_at,
  updatedAt: (entity) => entity.updated_at,
};
