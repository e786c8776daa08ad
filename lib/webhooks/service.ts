import { outboundRefusal } from '../http/outbound.ts';
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { requireRole } from '../auth/identity.ts';
import type { Clock } from '../clock.ts';
import { toJson } from '../db/types.ts';
import { badInput } from '../errors.ts';
import { paginate } from '../graphql/connection.ts';
import type { PagedArgs } from '../graphql/loaders.ts';
import type { RequestScope } from '../graphql/subgraph-server.ts';
import { transactionalWriter, type IdempotencyTables } from '../idempotency.ts';
import { recordAudit } from '../audit/record.ts';
import { checkInteger, checkText, optionalText } from '../validate.ts';
import type { WebhookDatabase } from './consumer.ts';
import { createDeliveryLog } from './delivery-log.ts';
import { checkEventTypePatterns } from './event-types.ts';
import type { WebhookLoaders } from './loaders.ts';
import { lockWebhookEndpoint, webhookOrderings } from './repository.ts';
import { newWebhookSecret, type SecretBox } from './secret-box.ts';
import type { WebhookSettings } from './settings.ts';
import type { WebhookWorker } from './worker.ts';

type Db = WebhookDatabase & IdempotencyTables;

export interface RegisterWebhookEndpointInput {
  url: string;
  eventTypes: readonly string[];
  description?: string | null;
}

export interface UpdateWebhookEndpointInput {
  url?: string | null;
  eventTypes?: readonly string[] | null;
  description?: string | null;
}

/** An endpoint just registered or rotated: its id, and its secret unless the answer replays an earlier request. */
export interface IssuedWebhookSecret {
  readonly id: string;
  readonly secret: string | null;
}

/** An http(s) URL without credentials in it (they would sit in the delivery log and every log line). */
function checkUrl(field: string, raw: string): string {
  const value = checkText(field, raw, 2000);
  const url = URL.canParse(value) ? new URL(value) : null;
  if (!url || !/^https?:$/.test(url.protocol)) throw badInput(field, 'must be an http or https URL');
  if (url.username || url.password) throw badInput(field, 'must not carry credentials: the signature authenticates psgraph');
  return url.toString();
}

/** A URL psgraph may call under the outbound policy (refused again at each attempt: a name's addresses change). */
async function checkDestination(field: string, url: string, settings: Pick<WebhookSettings, 'outbound'>): Promise<string> {
  const refusal = await outboundRefusal(new URL(url), settings.outbound);
  if (refusal) throw badInput(field, refusal);
  return url;
}

/**
 * Webhook endpoints and their delivery log (delivery-log.ts), for ADMIN (README "Get told of changes"). `catalogue` is
 * every event type the host's consumer receives; endpoints subscribe to those (or wildcards over them).
 */
/** The fields of an endpoint the audit log keeps: everything but its secrets (sealed or not) and delivery counters. */
function audited(endpoint: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!endpoint) return null;
  const { secret: _secret, previous_secret: _previous, given_up_in_a_row: _givenUp, failing_since: _failing, ...kept } = endpoint;
  return kept;
}

/** An endpoint's change in the audit log (lib/audit), in the mutation's transaction. */
const auditEndpoint = (
  trx: Transaction<any>,
  scope: RequestScope,
  operation: string,
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  reason?: string | null,
) => {
  const id = String((after ?? before)!.id);
  const change = { entityType: 'WebhookEndpoint', entityId: id, operation, before: audited(before), after: audited(after), reason };
  return recordAudit(trx, scope, change);
};

export function createWebhookService(deps: {
  db: Kysely<Db>;
  clock: Clock;
  catalogue: readonly string[];
  box: SecretBox;
  settings: WebhookSettings;
  /** The worker to wake when deliveries become due (enabled, replayed); set once the host has started it. */
  worker: () => WebhookWorker | undefined;
  onCommit: () => void;
}) {
  const { db, clock, catalogue, box } = deps;
  const write = transactionalWriter(db, deps.onCommit);
  const deliveryLog = createDeliveryLog({ db, clock, box, settings: deps.settings, write, worker: deps.worker });

  return {
    ...deliveryLog,

    eventTypes(scope: RequestScope): readonly string[] {
      requireRole(scope.identity);
      return catalogue;
    },

    async register(scope: RequestScope, input: RegisterWebhookEndpointInput, idempotencyKey?: string | null): Promise<IssuedWebhookSecret> {
      requireRole(scope.identity);
      const url = await checkDestination('url', checkUrl('url', input.url), deps.settings);
      const eventTypes = checkEventTypePatterns('eventTypes', input.eventTypes, catalogue);
      const description = optionalText('description', input.description, 500);
      let issued: { id: string; secret: string } | null = null;
      // The stored answer of an idempotent write is the id only: the secret must not sit in the idempotency table.
      const id = await write(scope, 'registerWebhookEndpoint', idempotencyKey, input, async (trx) => {
        const now = clock.now();
        issued = { id: randomUUID(), secret: newWebhookSecret() };
        const createdBy = scope.identity.workerId;
        const endpoint = { id: issued.id, url, description, event_types: eventTypes, status: 'ENABLED' as const, created_by: createdBy };
        await trx
          .insertInto('webhook_endpoint')
          .values({
            ...endpoint,
            event_types: toJson(eventTypes),
            secret: box.seal(issued.secret),
            given_up_in_a_row: 0,
            created_at: now,
            updated_at: now,
          })
          .execute();
        await auditEndpoint(trx, scope, 'registerWebhookEndpoint', null, endpoint);
        return issued.id;
      });
      const mine = issued as { id: string; secret: string } | null;
      return { id, secret: mine?.id === id ? mine.secret : null };
    },

    async update(scope: RequestScope, id: string, input: UpdateWebhookEndpointInput): Promise<string> {
      requireRole(scope.identity);
      const url = input.url == null ? undefined : await checkDestination('url', checkUrl('url', input.url), deps.settings);
      const eventTypes = input.eventTypes == null ? undefined : checkEventTypePatterns('eventTypes', input.eventTypes, catalogue);
      const description = input.description === undefined ? undefined : optionalText('description', input.description, 500);
      return write(scope, 'updateWebhookEndpoint', null, null, async (trx) => {
        const current = await lockWebhookEndpoint(trx, id);
        const changes = {
          ...(url === undefined ? {} : { url }),
          ...(eventTypes === undefined ? {} : { event_types: toJson(eventTypes) }),
          ...(description === undefined ? {} : { description }),
        };
        await trx
          .updateTable('webhook_endpoint')
          .set({ ...changes, updated_at: clock.now() })
          .where('id', '=', id)
          .execute();
        await auditEndpoint(trx, scope, 'updateWebhookEndpoint', current, { ...current, ...changes });
        return id;
      });
    },

    /** Pauses deliveries: they keep being queued and wait, PENDING, until the endpoint is enabled. */
    async disable(scope: RequestScope, id: string, reason?: string | null): Promise<string> {
      requireRole(scope.identity);
      const why = optionalText('reason', reason, 500) ?? 'disabled by an administrator';
      return write(scope, 'disableWebhookEndpoint', null, null, async (trx) => {
        const endpoint = await lockWebhookEndpoint(trx, id);
        if (endpoint.status === 'DISABLED') return id;
        const now = clock.now();
        await trx
          .updateTable('webhook_endpoint')
          .set({ status: 'DISABLED', disabled_reason: why, disabled_at: now, updated_at: now })
          .where('id', '=', id)
          .execute();
        const disabled = { ...endpoint, status: 'DISABLED', disabled_reason: why, disabled_at: now };
        await auditEndpoint(trx, scope, 'disableWebhookEndpoint', endpoint, disabled, why);
        return id;
      });
    },

    /**
     * Resumes deliveries: every pending one is due now, with a fresh retry window, and the failure counts start over.
     */
    async enable(scope: RequestScope, id: string): Promise<string> {
      requireRole(scope.identity);
      const enabled = await write(scope, 'enableWebhookEndpoint', null, null, async (trx) => {
        const endpoint = await lockWebhookEndpoint(trx, id);
        if (endpoint.status === 'ENABLED') return id;
        const now = clock.now();
        await trx
          .updateTable('webhook_endpoint')
          .set({ status: 'ENABLED', disabled_reason: null, disabled_at: null, failing_since: null, given_up_in_a_row: 0, updated_at: now })
          .where('id', '=', id)
          .execute();
        const after = { ...endpoint, status: 'ENABLED', disabled_reason: null, disabled_at: null, failing_since: null, given_up_in_a_row: 0 };
        await auditEndpoint(trx, scope, 'enableWebhookEndpoint', endpoint, after);
        await trx
          .updateTable('webhook_delivery')
          .set({ next_attempt_at: now, first_attempt_at: null, claimed_until: null })
          .where('endpoint_id', '=', id)
          .where('status', '=', 'PENDING')
          .execute();
        return id;
      });
      deps.worker()?.kick();
      return enabled;
    },

    /**
     * A new secret, shown once. The previous one keeps signing beside it (a second `v1=` entry) for
     * `previousSecretValidHours` (0: stops at once), so receivers switch without refusing a delivery.
     */
    async rotateSecret(scope: RequestScope, id: string, previousSecretValidHours: number): Promise<IssuedWebhookSecret> {
      requireRole(scope.identity);
      const hours = checkInteger('previousSecretValidHours', previousSecretValidHours, 0, 168);
      const secret = newWebhookSecret();
      await write(scope, 'rotateWebhookSecret', null, null, async (trx) => {
        const endpoint = await lockWebhookEndpoint(trx, id);
        const now = clock.now();
        await trx
          .updateTable('webhook_endpoint')
          .set({
            secret: box.seal(secret),
            previous_secret: hours > 0 ? endpoint.secret : null,
            previous_secret_expires_at: hours > 0 ? new Date(now.getTime() + hours * 3_600_000) : null,
            updated_at: now,
          })
          .where('id', '=', id)
          .execute();
        // The secrets themselves stay out of the log: what it keeps is that one was rotated, when, and by whom.
        const rotated = { secret_rotated_at: now, previous_secret_expires_at: hours > 0 ? new Date(now.getTime() + hours * 3_600_000) : null };
        await auditEndpoint(trx, scope, 'rotateWebhookSecret', { ...endpoint, secret_rotated_at: null }, { ...endpoint, ...rotated });
      });
      return { id, secret };
    },

    /** Removes the endpoint and its delivery log; what was pending for it is dropped. */
    async delete(scope: RequestScope, id: string): Promise<string> {
      requireRole(scope.identity);
      return write(scope, 'deleteWebhookEndpoint', null, null, async (trx) => {
        const endpoint = await lockWebhookEndpoint(trx, id);
        await trx.deleteFrom('webhook_endpoint').where('id', '=', id).execute();
        await auditEndpoint(trx, scope, 'deleteWebhookEndpoint', endpoint, null);
        return id;
      });
    },

    listEndpoints(scope: RequestScope, page: PagedArgs) {
      requireRole(scope.identity);
      return paginate(db.selectFrom('webhook_endpoint').selectAll(), webhookOrderings.endpoint, page, page);
    },

    /** One endpoint, or null (an id that names none). */
    async endpoint(scope: RequestScope, id: string, loaders: WebhookLoaders) {
      requireRole(scope.identity);
      return loaders.endpoint.load(id);
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
