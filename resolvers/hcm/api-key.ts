import { apiKeyPrefixOf } from '../../lib/auth/api-key.ts';
import { apiKeyStatus } from '../../subgraphs/hcm/domain/api-key.ts';
import type { ApiKeyResolvers } from './types.generated.ts';

export const ApiKey: ApiKeyResolvers = {
  prefix: (key) => apiKeyPrefixOf(key.id),
  worker: (key, _, { loaders }) => (key.worker_id ? loaders.worker.load(key.worker_id) : null),
  status: (key, _, { now }) => apiKeyStatus({ expiresAt: key.expires_at, revokedAt: key.revoked_at }, now),
  expiresAt: (key) => key.expires_at,
  lastUsedAt: (key) => key.last_used_at,
  createdAt: (key) => key.created_at,
  createdBy: (key, _, { loaders }) => (key.created_by ? loaders.worker.load(key.created_by) : null),
  revokedAt: (key) => key.revoked_at,
  revokedBy: (key, _, { loaders }) => (key.revoked_by ? loaders.worker.load(key.revoked_by) : null),
};
