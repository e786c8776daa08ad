import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import type { EventBus, Subscription } from '../events/bus.ts';
import type { DomainEvent } from '../events/envelope.ts';
import type { OutboxTables } from '../events/outbox.ts';
import { subscribesTo } from './event-types.ts';
import { webhookBody } from './send.ts';
import type { WebhookTables } from './tables.ts';

export type WebhookDatabase = WebhookTables & OutboxTables;

/**
 * Queues `event` for every endpoint that subscribes to its type: the event's body and one PENDING delivery per
 * endpoint, in one transaction with the group's `processed_event` marker. So an event is queued exactly once, however
 * often the bus hands it over, and nothing is lost between the bus and the receivers: once queued, a delivery waits in
 * the database, whatever becomes of the receiver, hcm or Redis. Disabled endpoints queue too: their deliveries go out
 * when they are enabled again. Returns how many deliveries were queued.
 */
export async function queueWebhookDeliveries(db: Kysely<WebhookDatabase>, group: string, event: DomainEvent, now: Date): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const endpoints = await trx.selectFrom('webhook_endpoint').select(['id', 'event_types']).execute();
    const matching = endpoints.filter((endpoint) => subscribesTo(endpoint.event_types, event.type));
    if (matching.length === 0) return 0;
    const marked = await trx
      .insertInto('processed_event')
      .values({ consumer: group, event_id: event.id })
      .onConflict((oc) => oc.doNothing())
      .returning('event_id')
      .executeTakeFirst();
    if (!marked) return 0;
    await trx
      .insertInto('webhook_event')
      .values({
        id: event.id,
        type: event.type,
        occurred_at: new Date(event.occurredAt),
        subject_typename: event.subject.typename,
        subject_id: event.subject.id,
        body: webhookBody(event),
        created_at: now,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    await trx
      .insertInto('webhook_delivery')
      .values(
        matching.map((endpoint) => ({
          id: randomUUID(),
          endpoint_id: endpoint.id,
          event_id: event.id,
          event_type: event.type,
          subject_typename: event.subject.typename,
          subject_id: event.subject.id,
          status: 'PENDING' as const,
          attempts: 0,
          next_attempt_at: now,
          created_at: now,
        })),
      )
      .execute();
    return matching.length;
  });
}

/**
 * The host's consumer group on every event type it offers (`types`, its catalogue), with the checkpoints and dead
 * letters every group has (the bus the subgraph runtime hands to `subscribe`). `onQueued` wakes the delivery worker.
 */
export function subscribeWebhookQueue(
  bus: EventBus,
  options: { db: Kysely<WebhookDatabase>; group: string; types: readonly string[]; clock: Clock; onQueued: () => void },
): Promise<Subscription> {
  return bus.subscribe({
    group: options.group,
    types: options.types,
    handler: async (event) => {
      const queued = await queueWebhookDeliveries(options.db, options.group, event, options.clock.now());
      if (queued > 0) options.onQueued();
    },
  });
}
