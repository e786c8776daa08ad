import { toExternalRef } from '../../lib/external-refs.ts';
import type { LegalEntityResolvers } from './types.generated.ts';

export const LegalEntity: LegalEntityResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.legalEntity.load(ref.id),
  externalRefs: async (entity, _, { loaders }) => (await loaders.externalRefsOfLegalEntity.load(entity.id)).map(toExternalRef),
  createdAt: (entity) => entity.created_at,
  updatedAt: (entity) => entity.updated_at,
};
