import type { IncomingMessage, ServerResponse } from 'node:http';
import { hasRole, type Identity, type SignedIdentityPolicy } from '../auth/identity.ts';
import { badInput, DomainError, errorCodes } from '../errors.ts';
import type { DeadLetterService } from '../events/dead-letter-service.ts';
import { deadLetterStatuses, isDeadLetterId, type DeadLetterFilter, type DeadLetterPage } from '../events/dead-letters.ts';
import { MAX_PAGE_SIZE } from '../graphql/connection.ts';
import type { Logger } from '../logger.ts';
import { sendJson } from './apollo-handler.ts';
import { readSignedRequest } from './signed-request.ts';

/** Where every subgraph serves its dead letters to the gateway (gateway/operations/dead-letters.ts). */
export const DEAD_LETTER_PATH = '/events/dead-letters';

const strings = (value: unknown, field: string): string[] | null => {
  if (value === undefined || value === null) return null;
  const list = Array.isArray(value) && value.every((item) => typeof item === 'string');
  if (!list) throw badInput(field, 'a list of strings');
  return value;
};

function filterOf(value: unknown): DeadLetterFilter | null {
  if (value === undefined || value === null) return null;
  const filter = value as Record<string, unknown>;
  const status = strings(filter.status, 'filter.status');
  if (status?.some((item) => !(deadLetterStatuses as readonly string[]).includes(item))) {
    throw badInput('filter.status', `one of ${deadLetterStatuses.join(', ')}`);
  }
  return {
    status: status as DeadLetterFilter['status'],
    consumer: strings(filter.consumer, 'filter.consumer'),
    eventType: strings(filter.eventType, 'filter.eventType'),
  };
}

function pageOf(body: Record<string, unknown>): DeadLetterPage {
  const { limit, after } = body;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0 || limit > MAX_PAGE_SIZE + 1) {
    throw badInput('limit', `an integer from 0 to ${MAX_PAGE_SIZE + 1}`);
  }
  let position: DeadLetterPage['after'] = null;
  if (after !== undefined && after !== null) {
    const { parkedAt, subgraph, id } = after as Record<string, unknown>;
    const valid = typeof parkedAt === 'string' && !Number.isNaN(Date.parse(parkedAt));
    if (!valid || typeof subgraph !== 'string' || typeof id !== 'string' || !isDeadLetterId(id)) {
      throw badInput('after', 'is not a position in the list');
    }
    position = { parkedAt, subgraph, id };
  }
  return { filter: filterOf(body.filter), limit, after: position, withTotal: body.withTotal === true };
}

/** Who resolved a dead letter: the administrator's worker id, or the service, or the role when the token names neither. */
const resolverOf = (identity: Identity) => identity.workerId ?? identity.service ?? 'ADMIN';

/**
 * `POST /events/dead-letters[/lookup|/retry|/dismiss]`, JSON in and out: a subgraph's dead letters for the gateway.
 * Like `/graphql`, only requests the gateway signed are accepted, and only an ADMIN's; a refusal answers
 * `{ error: { code, message } }` with the code's HTTP status.
 */
export function createDeadLetterEndpoint(options: {
  readonly service: DeadLetterService;
  readonly identitySecret: string;
  /** How long a signature is accepted (IDENTITY_VALIDITY_SECONDS); default 60 s. */
  readonly identityPolicy?: SignedIdentityPolicy;
  readonly logger: Logger;
}) {
  const { service } = options;
  const actions: Record<string, (body: Record<string, unknown>, identity: Identity) => Promise<unknown>> = {
    '': (body) => service.list(pageOf(body)),
    '/lookup': async (body) => ({ nodes: await service.lookup(strings(body.ids, 'ids') ?? []) }),
    '/retry': async (body, identity) => ({
      nodes: await service.retry(strings(body.ids, 'ids') ?? [], resolverOf(identity)),
    }),
    '/dismiss': async (body, identity) => {
      if (typeof body.reason !== 'string') throw badInput('reason', 'required');
      return { nodes: await service.dismiss(strings(body.ids, 'ids') ?? [], resolverOf(identity), body.reason) };
    },
  };

  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    try {
      const action = actions[path.slice(DEAD_LETTER_PATH.length)];
      if (!action) throw new DomainError('NOT_FOUND', `no such path ${path}`);
      if (req.method !== 'POST') throw badInput('method', 'use POST');
      const signed = await readSignedRequest(req, { identitySecret: options.identitySecret, policy: options.identityPolicy });
      const { identity } = signed;
      if (!hasRole(identity, 'ADMIN')) throw new DomainError('FORBIDDEN', 'dead letters are for ADMIN only');
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(signed.body.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw badInput('body', 'not JSON');
      }
      sendJson(res, 200, await action(body, identity));
    } catch (error) {
      if (!(error instanceof DomainError)) {
        options.logger.error('dead-letter request failed', { path, error });
        return sendJson(res, 500, { error: { code: 'INTERNAL_SERVER_ERROR', message: 'dead-letter request failed' } });
      }
      sendJson(res, errorCodes[error.code], { error: { ...error.details, code: error.code, message: error.message } });
    }
  };
}
