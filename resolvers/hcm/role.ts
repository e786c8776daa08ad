import type { RoleResolvers } from './types.generated.ts';

export const Role: RoleResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.role.load(ref.id),
  targetUtilization: (role) => role.target_utilization,
  createdAt: (role) => role.created_at,
  updatedAt: (role) => role.updated_at,
};
