import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import { insertByColumns } from '../db/insert-by-columns.ts';
import { retryingDeadlocks } from '../db/retry.ts';
import type { EventBus, Subscription } from '../events/bus.ts';
import type { DomainEvent } from '../events/envelope.ts';
import { processedEventColumns, type OutboxTables } from '../events/outbox.ts';
import { subscribesTo } from './event-types.ts';
import { webhookBody } from './send.ts';
import type { WebhookTables } from './tables.ts';

export type WebhookDatabase = WebhookTables & OutboxTables;

/**
 * Queues each of `events` for every endpoint that subscribes to its type: the event's body and one PENDING delivery
 * per endpoint, in one transaction with the group's `processed_event` markers. So an event is queued exactly once,
 * however often the bus hands it over, and nothing is lost between the bus and the receivers: once queued, a delivery
 * waits in the database, whatever becomes of the receiver, hcm or Redis. Disabled endpoints queue too: their
 * deliveries go out when they are enabled again. The statements do not grow with the number of events (a spike of
 * approvals comes in batches: `SubscribeOptions.batch`), and deliveries are queued in the events' order. Returns how
 * many deliveries were queued.
 */
export async function queueWebhookDeliveries(db: Kysely<WebhookDatabase>, group: string, events: readonly DomainEvent[], now: Date): Promise<number> {
  if (events.length === 0) return 0;
  // The endpoints are read before the transaction, not in it (it would read them under READ COMMITTED all the same):
  // a batch no endpoint wants, the usual case in a spike, costs one statement and no transaction, where BEGIN and
  // COMMIT were two more round trips ahead of every consumer behind this group (in-process, they wait for it).
  return retryingDeadlocks(async () => {
    const endpoints = await db.selectFrom('webhook_endpoint').select(['id', 'event_types']).execute();
    const wanted = events
      .map((event) => ({ event, endpoints: endpoints.filter((endpoint) => subscribesTo(endpoint.event_types, event.type)) }))
      .filter((each) => each.endpoints.length > 0);
    if (wanted.length === 0) return 0;
    return queueWanted(db, group, wanted, now);
  });
}

/** Queues the events some endpoint wants: their markers, bodies and deliveries, in one transaction. */
function queueWanted(
  db: Kysely<WebhookDatabase>,
  group: string,
  wanted: ReadonlyArray<{ event: DomainEvent; endpoints: ReadonlyArray<{ id: string }> }>,
  now: Date,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const markers = [...new Set(wanted.map(({ event }) => event.id))].map((id) => ({ consumer: group, event_id: id }));
    const marked = await insertByColumns(trx, 'processed_event', processedEventColumns, markers)
      .onConflict((oc) => oc.doNothing())
      .returning('event_id')
      .execute();
    const unseen = new Set(marked.map((row) => row.event_id));
    // An id twice in the batch (a republished event) is queued once.
    const fresh = wanted.filter(({ event }) => unseen.delete(event.id));
    if (fresh.length === 0) return 0;
    await trx
      .insertInto('webhook_event')
      .values(
        fresh.map(({ event }) => ({
          id: event.id,
          type: event.type,
          occurred_at: new Date(event.occurredAt),
          subject_typename: event.subject.typename,
          subject_id: event.subject.id,
          body: webhookBody(event),
          created_at: now,
        })),
      )
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    const deliveries = fresh.flatMap(({ event, endpoints: matching }) =>
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
    );
    // `seq` follows the rows' order: each endpoint receives the events in the order the bus handed them over.
    await trx.insertInto('webhook_delivery').values(deliveries).execute();
    return deliveries.length;
  });
}

/** Events queued together at most (one transaction): half a relay pass (lib/events/relay.ts). */
export const webhookQueueBatchSize = 500;

/**
 * The host's consumer group on every event type it offers (`types`, its catalogue), with the checkpoints and dead
 * letters every group has (the bus the subgraph runtime hands to `subscribe`). `onQueued` wakes the delivery worker.
 */
export function subscribeWebhookQueue(
  bus: EventBus,
  options: { db: Kysely<WebhookDatabase>; group: string; types: readonly string[]; clock: Clock; onQueued: () => void },
): Promise<Subscription> {
  const queue = async (events: readonly DomainEvent[]) => {
    const queued = await queueWebhookDeliveries(options.db, options.group, events, options.clock.now());
    if (queued > 0) options.onQueued();
  };
  return bus.subscribe({
    group: options.group,
    types: options.types,
    handler: (event) => queue([event]),
    // Every subgraph's events pass through this group: a spike (approvals, their postings) is queued a batch at a time.
    batch: { maxEvents: webhookQueueBatchSize, handler: (events) => queue(events) },
  });
}
