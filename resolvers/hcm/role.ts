import { toExternalRef } from '../../lib/external-refs.ts';
import type { RoleResolvers } from './types.generated.ts';

export const Role: RoleResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.role.load(ref.id),
  targetUtilization: (role) => role.target_utilization,
  externalRefs: async (role, _, { loaders }) => (await loaders.externalRefsOfRole.load(role.id)).map(toExternalRef),
  createdAt: (role) => role.created_at,
  updatedAt: (role) => role.updated_at,
};
