import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { requireRole } from '../auth/identity.ts';
import type { Clock } from '../clock.ts';
import { badInput, notFound } from '../errors.ts';
import { paginate } from '../graphql/connection.ts';
import type { PagedArgs } from '../graphql/loaders.ts';
import type { RequestScope } from '../graphql/subgraph-server.ts';
import type { IdempotencyTables, transactionalWriter } from '../idempotency.ts';
import type { WebhookDatabase } from './consumer.ts';
import { isWebhookId, lockWebhookEndpoint, webhookOrderings } from './repository.ts';
import type { SecretBox } from './secret-box.ts';
import { isDelivered } from './retry-policy.ts';
import { webhookBody } from './send.ts';
import type { WebhookSettings } from './settings.ts';
import type { WebhookDeliveryStatus } from './tables.ts';
import { attemptDelivery, type WebhookWorker } from './worker.ts';

export interface WebhookDeliveryFilter {
  endpointId?: string | null;
  status?: readonly WebhookDeliveryStatus[] | null;
  eventType?: string | null;
}

export interface ReplayWebhookDeliveriesInput {
  ids?: readonly string[] | null;
  endpointId?: string | null;
  from?: Date | string | null;
  to?: Date | string | null;
}

/** The type of the test event `pingWebhookEndpoint` sends; not a domain event, never queued from the bus. */
export const webhookPingType = 'hcm.webhook.ping';
/** The most deliveries one `replayWebhookDeliveries` queues again. */
export const maxReplay = 1_000;

function checkInstant(field: string, value: Date | string | null | undefined): Date | null {
  if (value == null) return null;
  const instant = new Date(value);
  if (Number.isNaN(instant.getTime())) throw badInput(field, 'is not an instant');
  return instant;
}

/** The delivery log, for ADMIN: read it, send deliveries again, send a test. Part of the webhook service. */
export function createDeliveryLog(deps: {
  db: Kysely<WebhookDatabase & IdempotencyTables>;
  clock: Clock;
  box: SecretBox;
  settings: WebhookSettings;
  write: ReturnType<typeof transactionalWriter<WebhookDatabase & IdempotencyTables>>;
  worker: () => WebhookWorker | undefined;
}) {
  const { db, clock, box, write } = deps;
  return {
    listDeliveries(scope: RequestScope, page: PagedArgs<WebhookDeliveryFilter>) {
      requireRole(scope.identity);
      const filter = page.filter ?? {};
      let query = db.selectFrom('webhook_delivery').selectAll();
      if (filter.endpointId != null) {
        if (!isWebhookId(filter.endpointId)) throw badInput('filter.endpointId', 'is not an endpoint id');
        query = query.where('endpoint_id', '=', filter.endpointId);
      }
      if (filter.status?.length) query = query.where('status', 'in', [...filter.status]);
      if (filter.eventType != null) query = query.where('event_type', '=', filter.eventType);
      return paginate(query, webhookOrderings.delivery, page, page);
    },

    /**
     * Queues again, as new deliveries (the originals stay in the log), the deliveries `ids`, or every delivery to
     * `endpointId` of events that occurred from `from` to `to`. A receiver gets the same event id again. A replay's
     * `replay_of` names the original delivery, also when a replay is replayed.
     */
    async replay(scope: RequestScope, input: ReplayWebhookDeliveriesInput): Promise<string[]> {
      requireRole(scope.identity);
      const byIds = input.ids != null;
      if (byIds === (input.endpointId != null)) throw badInput('input', 'give either ids, or endpointId with from and to');
      const ids = (input.ids ?? []).filter(isWebhookId);
      if (byIds && input.ids!.length === 0) throw badInput('ids', 'name at least one delivery');
      if (byIds && input.ids!.length > maxReplay) throw badInput('ids', `at most ${maxReplay} at once`);
      const from = checkInstant('from', input.from);
      const to = checkInstant('to', input.to);
      if (!byIds && (from === null || to === null)) throw badInput('from', 'a replay by endpoint needs from and to');
      if (from && to && to < from) throw badInput('to', 'must not be before from');
      const queued = await write(scope, 'replayWebhookDeliveries', null, null, async (trx) => {
        let originals = trx
          .selectFrom('webhook_delivery as d')
          .innerJoin('webhook_event as e', 'e.id', 'd.event_id')
          .select(['d.id', 'd.endpoint_id', 'd.event_id', 'd.event_type', 'd.subject_typename', 'd.subject_id', 'd.replay_of'])
          .orderBy('d.seq')
          .limit(maxReplay + 1);
        if (byIds) {
          if (ids.length === 0) throw notFound('WebhookDelivery', input.ids![0]);
          originals = originals.where('d.id', 'in', ids);
        } else {
          await lockWebhookEndpoint(trx, input.endpointId!);
          // Each event once: the range's original deliveries, not the replays made of them before.
          originals = originals.where('d.replay_of', 'is', null).where('d.endpoint_id', '=', input.endpointId!).where('e.occurred_at', '>=', from!).where('e.occurred_at', '<=', to!);
        }
        const rows = await originals.execute();
        if (rows.length > maxReplay) throw badInput('from', `more than ${maxReplay} deliveries in that range: replay a shorter one`);
        if (byIds) {
          const found = new Set(rows.map((row) => row.id));
          const missing = input.ids!.find((id) => !found.has(id));
          if (missing) throw notFound('WebhookDelivery', missing);
        }
        if (rows.length === 0) return [];
        const now = clock.now();
        const replays = rows.map((row) => ({
          id: randomUUID(),
          endpoint_id: row.endpoint_id,
          event_id: row.event_id,
          event_type: row.event_type,
          subject_typename: row.subject_typename,
          subject_id: row.subject_id,
          status: 'PENDING' as const,
          attempts: 0,
          next_attempt_at: now,
          replay_of: row.replay_of ?? row.id,
          created_at: now,
        }));
        await trx.insertInto('webhook_delivery').values(replays).execute();
        return replays.map((replay) => replay.id);
      });
      deps.worker()?.kick();
      return queued;
    },

    /**
     * Sends a signed `hcm.webhook.ping` to the endpoint now, once, whatever its status, and answers with its delivery
     * (DELIVERED, or FAILED with the status code or error). A test: it neither retries nor counts towards disabling.
     */
    async ping(scope: RequestScope, id: string): Promise<string> {
      requireRole(scope.identity);
      const now = clock.now();
      const event = {
        id: randomUUID(),
        type: webhookPingType,
        occurredAt: now.toISOString(),
        subject: { typename: 'WebhookEndpoint', id },
        correlationId: scope.correlationId,
        data: { endpointId: id },
      };
      const deliveryId = randomUUID();
      const body = webhookBody(event);
      const endpoint = await write(scope, 'pingWebhookEndpoint', null, null, async (trx) => {
        const locked = await lockWebhookEndpoint(trx, id);
        await trx
          .insertInto('webhook_event')
          .values({ id: event.id, type: event.type, occurred_at: now, subject_typename: 'WebhookEndpoint', subject_id: id, body, created_at: now })
          .execute();
        // Not PENDING, so the worker never picks it up and it holds up nothing behind it.
        await trx
          .insertInto('webhook_delivery')
          .values({
            id: deliveryId,
            endpoint_id: id,
            event_id: event.id,
            event_type: event.type,
            subject_typename: 'WebhookEndpoint',
            subject_id: id,
            status: 'FAILED',
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
          })
          .execute();
        return locked;
      });
      const result = await attemptDelivery(endpoint, { event_id: event.id }, body, box, deps.settings, now);
      const done = clock.now();
      const delivered = isDelivered(result);
      await db
        .updateTable('webhook_delivery')
        .set({
          status: delivered ? 'DELIVERED' : 'FAILED',
          attempts: 1,
          first_attempt_at: now,
          last_attempt_at: now,
          last_status_code: result.statusCode,
          last_error: result.error,
          delivered_at: delivered ? done : null,
        })
        .where('id', '=', deliveryId)
        .execute();
      return deliveryId;
    },
  };
}
