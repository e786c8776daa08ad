import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Kysely } from 'kysely';
import { requireRole, type SignedIdentityPolicy } from '../auth/identity.ts';
import { badInput, DomainError, errorCodes } from '../errors.ts';
import { MAX_PAGE_SIZE } from '../graphql/connection.ts';
import { sendJson } from '../http/apollo-handler.ts';
import { readSignedRequest } from '../http/signed-request.ts';
import type { Logger } from '../logger.ts';
import { auditTrailPage, type AuditFilter, type AuditPage } from './trail.ts';

/** Where every subgraph serves its audit records to the gateway (gateway/operations/audit-trail.ts). */
export const AUDIT_TRAIL_PATH = '/audit/trail';

const isUuid = (id: unknown) => typeof id === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
const isInstant = (value: unknown) => typeof value === 'string' && !Number.isNaN(Date.parse(value));

function text(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw badInput(field, 'a string');
  return value;
}

function instant(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (!isInstant(value)) throw badInput(field, 'an ISO-8601 date-time');
  return value as string;
}

function pageOf(body: Record<string, unknown>): AuditPage {
  const { limit, after } = body;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0 || limit > MAX_PAGE_SIZE + 1) {
    throw badInput('limit', `an integer from 0 to ${MAX_PAGE_SIZE + 1}`);
  }
  let position: AuditPage['after'] = null;
  if (after !== undefined && after !== null) {
    const { recordedAt, subgraph, id } = after as Record<string, unknown>;
    if (!isInstant(recordedAt) || typeof subgraph !== 'string' || !isUuid(id)) throw badInput('after', 'is not a position in the list');
    position = { recordedAt: recordedAt as string, subgraph, id: id as string };
  }
  const given = (body.filter ?? {}) as Record<string, unknown>;
  const filter: AuditFilter = {
    entityType: text(given.entityType, 'entityType'),
    entityId: text(given.entityId, 'entityId'),
    from: instant(given.from, 'from'),
    to: instant(given.to, 'to'),
    actor: text(given.actor, 'actor'),
  };
  return { filter, limit, after: position, withTotal: body.withTotal === true };
}

/**
 * `POST /audit/trail`, JSON in and out: one page of this subgraph's audit log for the gateway. Like `/graphql`, only
 * requests the gateway signed are accepted, and only ADMIN's and FINANCE's; a refusal answers `{ error: { code,
 * message } }` with the code's HTTP status. There is no other path: the log is read here and written only by
 * `recordAudit` inside a mutation's transaction.
 */
export function createAuditTrailEndpoint(options: {
  readonly subgraph: string;
  readonly db: Kysely<any>;
  readonly identitySecret: string;
  readonly identityPolicy?: SignedIdentityPolicy;
  readonly logger: Logger;
}) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (req.method !== 'POST') throw badInput('method', 'use POST');
      const signed = await readSignedRequest(req, { identitySecret: options.identitySecret, policy: options.identityPolicy });
      requireRole(signed.identity, 'FINANCE');
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(signed.body.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw badInput('body', 'not JSON');
      }
      sendJson(res, 200, await auditTrailPage(options.db, options.subgraph, pageOf(body)));
    } catch (error) {
      if (!(error instanceof DomainError)) {
        options.logger.error('audit trail request failed', { error });
        return sendJson(res, 500, { error: { code: 'INTERNAL_SERVER_ERROR', message: 'audit trail request failed' } });
      }
      sendJson(res, errorCodes[error.code], { error: { ...error.details, code: error.code, message: error.message } });
    }
  };
}
