import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { apiKeyPrefixOf, formatApiKey, parseApiKey, type ApiKeyVerification } from '../../lib/auth/api-key.ts';
import { requireRole, type Role } from '../../lib/auth/identity.ts';
import { isoDate, type Clock } from '../../lib/clock.ts';
import { toJson } from '../../lib/db/types.ts';
import { badInput, DomainError, notFound } from '../../lib/errors.ts';
import { createEvent } from '../../lib/events/envelope.ts';
import { appendToOutbox } from '../../lib/events/outbox.ts';
import { paginate } from '../../lib/graphql/connection.ts';
import type { PagedArgs } from '../../lib/graphql/loaders.ts';
import type { RequestScope } from '../../lib/graphql/subgraph-server.ts';
import { transactionalWriter } from '../../lib/idempotency.ts';
import { recordAudit } from '../../lib/audit/record.ts';
import { checkText } from '../../lib/validate.ts';
import {
  checkApiKeyRoles,
  checkExpiry,
  hashApiKeySecret,
  lastUseIsStale,
  lastUseResolutionMs,
  refusalOf,
  secretMatches,
} from './domain/api-key.ts';
import { effectiveStatus } from './domain/worker-status.ts';
import { hcmTopics, type ApiKeyRevoked } from './events.ts';
import { orderings } from './loaders.ts';
import * as repo from './repository.ts';
import type { HcmDatabase } from './tables.ts';

export interface ApiKeyInput {
  name: string;
  roles: readonly Role[];
  workerId?: string | null;
  expiresAt?: Date | string | null;
}

/** A key just created: its id, and its secret unless the answer replays an earlier request (then null). */
export interface IssuedApiKey {
  readonly id: string;
  readonly secret: string | null;
}

/** One message for an unknown key and a wrong secret: a caller learns nothing about which keys exist. */
const unknownKey = () => new DomainError('UNAUTHENTICATED', 'unknown API key', { reason: 'unknown' });

/**
 * API keys (README "API keys"): ADMIN creates, lists and revokes them through the graph; the gateway checks them here
 * on every request (api-key-endpoint.ts), so a revoked key is refused by every gateway from the next request on.
 */
export function createApiKeyService(deps: { db: Kysely<HcmDatabase>; clock: Clock; onCommit: () => void }) {
  const { db, clock } = deps;
  const write = transactionalWriter(db, deps.onCommit);

  return {
    async create(scope: RequestScope, input: ApiKeyInput, idempotencyKey?: string | null): Promise<IssuedApiKey> {
      requireRole(scope.identity);
      const now = clock.now();
      const name = checkText('name', input.name, 100);
      const roles = checkApiKeyRoles(input.roles);
      const expiresAt = checkExpiry(input.expiresAt == null ? null : new Date(input.expiresAt), now);
      let issued: { id: string; secret: string } | null = null;
      // The stored answer of an idempotent write is its id only: the secret must not sit in the idempotency table.
      const id = await write(scope, 'createApiKey', idempotencyKey, input, async (trx) => {
        if (input.workerId) {
          const [worker] = await repo.workersByIds(trx, [input.workerId]);
          if (!worker) throw notFound('Worker', input.workerId);
          if (effectiveStatus(worker.status, worker.termination_date, isoDate(now)) !== 'ACTIVE') {
            throw badInput('workerId', 'the worker is no longer active');
          }
        }
        issued = { id: randomUUID(), secret: randomBytes(32).toString('base64url') };
        const key = { id: issued.id, name, roles, worker_id: input.workerId ?? null, created_by: scope.identity.workerId, expires_at: expiresAt };
        await trx
          .insertInto('api_key')
          .values({ ...key, roles: toJson(roles), secret_hash: hashApiKeySecret(issued.secret), created_at: now })
          .execute();
        // The secret's hash is not a field anyone audits, and the log is no place for it.
        await recordAudit(trx, scope, { entityType: 'ApiKey', entityId: issued.id, operation: 'createApiKey', before: null, after: key });
        return issued.id;
      });
      // A twin that committed first answers with its own id; this attempt's secret was never stored.
      const mine = issued as { id: string; secret: string } | null;
      return { id, secret: mine?.id === id ? formatApiKey({ keyId: id, secret: mine.secret }) : null };
    },

    async revoke(scope: RequestScope, id: string): Promise<string> {
      requireRole(scope.identity);
      return write(scope, 'revokeApiKey', null, null, async (trx) => {
        const key = await repo.lockApiKey(trx, id);
        if (!key) throw notFound('ApiKey', id);
        if (key.revoked_at !== null) return id;
        const revokedAt = clock.now();
        await trx
          .updateTable('api_key')
          .set({ revoked_at: revokedAt, revoked_by: scope.identity.workerId })
          .where('id', '=', id)
          .execute();
        await recordAudit(trx, scope, {
          entityType: 'ApiKey',
          entityId: id,
          operation: 'revokeApiKey',
          before: { revoked_at: key.revoked_at, revoked_by: null },
          after: { revoked_at: revokedAt, revoked_by: scope.identity.workerId },
        });
        const data: ApiKeyRevoked = { apiKeyId: id, revokedAt: revokedAt.toISOString() };
        const subject = { typename: 'ApiKey', id };
        const event = createEvent('hcm', hcmTopics.apiKeyRevoked, subject, data, { correlationId: scope.correlationId }, revokedAt);
        await appendToOutbox(trx, [event]);
        return id;
      });
    },

    list(scope: RequestScope, page: PagedArgs<repo.ApiKeyFilter>) {
      requireRole(scope.identity);
      return paginate(repo.apiKeysQuery(db, page.filter ?? {}, clock.now()), orderings.apiKey, page, page);
    },

    /**
     * Who the credential acts as, or UNAUTHENTICATED with the reason. One primary-key read; a write only when the
     * key's `last_used_at` is a minute old, so a busy integration does not write on every request.
     */
    async verify(credential: string): Promise<ApiKeyVerification> {
      const parts = parseApiKey(credential);
      if (!parts) throw new DomainError('UNAUTHENTICATED', 'malformed API key', { reason: 'malformed' });
      const key = await repo.apiKeyForCheck(db, parts.keyId);
      if (!key || !secretMatches(parts.secret, key.secret_hash)) throw unknownKey();
      const now = clock.now();
      const workerActive =
        key.worker_status !== null && effectiveStatus(key.worker_status, key.worker_termination_date, isoDate(now)) === 'ACTIVE';
      const worker = key.worker_id === null ? null : { active: workerActive };
      const state = { prefix: apiKeyPrefixOf(key.id), expiresAt: key.expires_at, revokedAt: key.revoked_at };
      const refusal = refusalOf(state, now, worker);
      if (refusal) throw refusal;
      if (lastUseIsStale(key.last_used_at, now)) {
        await repo.recordApiKeyUse(db, key.id, now, new Date(now.getTime() - lastUseResolutionMs));
      }
      return { keyId: key.id, workerId: key.worker_id, roles: key.roles, expiresAt: key.expires_at?.toISOString() ?? null };
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
