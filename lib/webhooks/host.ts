import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import type { EventBus, Subscription } from '../events/bus.ts';
import type { IdempotencyTables } from '../idempotency.ts';
import type { Logger } from '../logger.ts';
import { subscribeWebhookQueue, type WebhookDatabase } from './consumer.ts';
import { secretBox } from './secret-box.ts';
import { createWebhookLoaders } from './loaders.ts';
import { createWebhookService } from './service.ts';
import { defaultWebhookSettings, type WebhookSettings } from './settings.ts';
import { startWebhookWorker, type WebhookWorker } from './worker.ts';

export interface WebhookHostOptions<DB extends WebhookDatabase & IdempotencyTables> {
  /** The subgraph's request handle (statement counts see what requests do). */
  readonly db: Kysely<DB>;
  /** Its background handle: the queue's consumer and the delivery worker run off any request. */
  readonly background: Kysely<DB>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings?: WebhookSettings;
  /** Every event type endpoints may subscribe to; the consumer group receives exactly these. */
  readonly catalogue: readonly string[];
  /** The consumer group's name, e.g. `hcm.webhooks`. */
  readonly group: string;
  readonly onCommit: () => void;
}

/**
 * Webhooks out, for the subgraph that hosts them: the ADMIN service behind the graph's fields, per-request loaders,
 * and `subscribe`, which the subgraph's own `subscribe` calls at start: it starts the consumer group that queues
 * deliveries and the worker that sends them, and both stop with the subgraph's subscriptions.
 */
export function hostWebhooks<DB extends WebhookDatabase & IdempotencyTables>(options: WebhookHostOptions<DB>) {
  // The host's database has more tables; the webhooks' code sees only its own.
  const db = options.db as unknown as Kysely<WebhookDatabase & IdempotencyTables>;
  const background = options.background as unknown as Kysely<WebhookDatabase>;
  const settings = options.settings ?? defaultWebhookSettings;
  const box = secretBox(settings.secretKey);
  let worker: WebhookWorker | undefined;
  const service = createWebhookService({
    db,
    clock: options.clock,
    catalogue: options.catalogue,
    box,
    settings,
    worker: () => worker,
    onCommit: options.onCommit,
  });
  return {
    service,
    createLoaders: () => createWebhookLoaders(db as unknown as Kysely<WebhookDatabase>),
    /** The running worker (tests drain it). */
    worker: () => worker,
    async subscribe(bus: EventBus): Promise<Subscription[]> {
      const started = startWebhookWorker({ db: background, settings, box, clock: options.clock, logger: options.logger });
      worker = started;
      const queue = await subscribeWebhookQueue(bus, {
        db: background,
        group: options.group,
        types: options.catalogue,
        clock: options.clock,
        onQueued: () => started.kick(),
      });
      return [
        queue,
        {
          close: async () => {
            if (worker === started) worker = undefined;
            await started.close();
          },
        },
      ];
    },
  };
}

export type WebhookHost = ReturnType<typeof hostWebhooks>;
