import { outboundRefusal } from '../http/outbound.ts';
import { sql, type Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import { withoutStatementDeadline } from '../db/statement-deadline.ts';
import type { Logger } from '../logger.ts';
import { silentLogger } from '../logger.ts';
import type { WebhookDatabase } from './consumer.ts';
import { isDelivered, judgeFailure, type AttemptResult } from './retry-policy.ts';
import type { SecretBox } from './secret-box.ts';
import { postWebhook } from './send.ts';
import type { WebhookSettings } from './settings.ts';
import type { WebhookDeliveryRow, WebhookEndpointRow } from './tables.ts';

export interface WebhookWorker {
  /** Look for due deliveries now (new ones were queued, an endpoint was enabled); passes never overlap. */
  kick(): void;
  /** Runs passes until nothing is due now, then resolves. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export interface WebhookWorkerOptions {
  readonly db: Kysely<WebhookDatabase>;
  readonly settings: WebhookSettings;
  readonly box: SecretBox;
  readonly clock: Clock;
  readonly logger?: Logger;
  /**
   * Attempts in flight at once (default 32), and to one endpoint (default 8): a receiver that is slow or silent holds
   * at most its own share until the attempts time out, and the other endpoints' deliveries go on meanwhile.
   */
  readonly concurrency?: number;
  readonly concurrencyPerEndpoint?: number;
}

/** The secrets that sign for `endpoint` now: its own, and the one it rotated from while that is still valid. */
export function signingSecrets(endpoint: WebhookEndpointRow, box: SecretBox, now: Date): string[] {
  const previous =
    endpoint.previous_secret && endpoint.previous_secret_expires_at && endpoint.previous_secret_expires_at > now
      ? [box.open(endpoint.previous_secret)]
      : [];
  return [box.open(endpoint.secret), ...previous];
}

/** POSTs one delivery's event to its endpoint; a secret that cannot be opened is a failed attempt, with the reason. */
export async function attemptDelivery(
  endpoint: WebhookEndpointRow,
  delivery: Pick<WebhookDeliveryRow, 'event_id'>,
  body: string,
  box: SecretBox,
  settings: Pick<WebhookSettings, 'timeoutMs' | 'outbound'>,
  now: Date,
): Promise<AttemptResult> {
  const refusal = await outboundRefusal(new URL(endpoint.url), settings.outbound);
  if (refusal) return { statusCode: null, error: `not sent: ${refusal}` };
  let secrets: string[];
  try {
    secrets = signingSecrets(endpoint, box, now);
  } catch (error) {
    return { statusCode: null, error: `cannot sign: ${(error as Error).message}` };
  }
  return postWebhook({ url: endpoint.url, eventId: delivery.event_id, body, secrets, timeoutMs: settings.timeoutMs }, now);
}

const pruneEveryMs = 10 * 60_000;

/**
 * Sends queued deliveries: those due, of enabled endpoints, and each only once every earlier delivery of the same
 * entity (event subject) to the same endpoint is delivered or given up, so a receiver sees an entity's events in the
 * order they happened. A pass claims what there is room for (for the attempt's time limit: hcm replicas share the
 * queue) and starts the attempts without waiting for them; each posts with no transaction open, records its result
 * with `judgeFailure`'s rule, and wakes the worker for what it may have unblocked.
 */
export function startWebhookWorker(options: WebhookWorkerOptions): WebhookWorker {
  const { db, settings, box, clock, logger = silentLogger } = options;
  const concurrency = options.concurrency ?? 32;
  const perEndpoint = options.concurrencyPerEndpoint ?? 8;
  /** Attempts under way, and how many per endpoint. */
  const inFlight = new Set<Promise<void>>();
  const inFlightTo = new Map<string, number>();
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let lastPrune = 0;

  /** Due deliveries, at most `room`, none to an endpoint that has its share in flight already. */
  const claimDue = async (now: Date, room: number) => {
    // An endpoint with a backlog (re-enabled after a day) must not hide the others' deliveries behind its own.
    const full = [...inFlightTo].filter(([, count]) => count >= perEndpoint).map(([endpointId]) => endpointId);
    const candidates = await db
      .selectFrom('webhook_delivery as d')
      .innerJoin('webhook_endpoint as e', 'e.id', 'd.endpoint_id')
      .select(['d.id', 'd.endpoint_id'])
      .where('d.status', '=', 'PENDING')
      .where('e.status', '=', 'ENABLED')
      .where('d.next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('d.claimed_until', 'is', null), eb('d.claimed_until', '<', now)]))
      .$if(full.length > 0, (query) => query.where('d.endpoint_id', 'not in', full))
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('webhook_delivery as p')
              .select('p.id')
              .whereRef('p.endpoint_id', '=', 'd.endpoint_id')
              .whereRef('p.subject_typename', '=', 'd.subject_typename')
              .whereRef('p.subject_id', '=', 'd.subject_id')
              .where('p.status', '=', 'PENDING')
              .whereRef('p.seq', '<', 'd.seq'),
          ),
        ),
      )
      .orderBy('d.next_attempt_at')
      .orderBy('d.seq')
      .limit(room * 3)
      .execute();
    const taken = new Map(inFlightTo);
    const chosen: string[] = [];
    for (const { id, endpoint_id: endpointId } of candidates) {
      if (chosen.length === room) break;
      if ((taken.get(endpointId) ?? 0) >= perEndpoint) continue;
      taken.set(endpointId, (taken.get(endpointId) ?? 0) + 1);
      chosen.push(id);
    }
    if (chosen.length === 0) return { claimed: [], more: false };
    const claimed = await db
      .updateTable('webhook_delivery')
      .set({ claimed_until: new Date(now.getTime() + settings.timeoutMs + 5_000) })
      .where('id', 'in', chosen)
      .where('status', '=', 'PENDING')
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .returningAll()
      .execute();
    return { claimed, more: candidates.length === room * 3 || chosen.length === room };
  };

  const attempt = (delivery: WebhookDeliveryRow, result: AttemptResult, attemptedAt: Date) => ({
    attempts: delivery.attempts + 1,
    first_attempt_at: delivery.first_attempt_at ?? attemptedAt,
    last_attempt_at: attemptedAt,
    last_status_code: result.statusCode,
    last_error: result.error,
    claimed_until: null,
  });

  /** A success needs no lock: it only clears the endpoint's failure counts, if any. */
  const recordDelivered = async (delivery: WebhookDeliveryRow, result: AttemptResult, attemptedAt: Date) => {
    const now = clock.now();
    await db
      .updateTable('webhook_delivery')
      .set({ ...attempt(delivery, result, attemptedAt), status: 'DELIVERED', delivered_at: now })
      .where('id', '=', delivery.id)
      .execute();
    await db
      .updateTable('webhook_endpoint')
      .set({ failing_since: null, given_up_in_a_row: 0 })
      .where('id', '=', delivery.endpoint_id)
      .where((eb) => eb.or([eb('failing_since', 'is not', null), eb('given_up_in_a_row', '<>', 0)]))
      .execute();
  };

  /** A failure is judged under the endpoint's lock: its failure counts decide whether it is disabled. */
  const recordFailed = async (delivery: WebhookDeliveryRow, result: AttemptResult, attemptedAt: Date) => {
    await db.transaction().execute(async (trx) => {
      const endpoint = await trx.selectFrom('webhook_endpoint').selectAll().where('id', '=', delivery.endpoint_id).forUpdate().executeTakeFirst();
      if (!endpoint) return;
      const now = clock.now();
      const attempted = attempt(delivery, result, attemptedAt);
      const update = (set: Record<string, unknown>) =>
        trx.updateTable('webhook_delivery').set({ ...attempted, ...set }).where('id', '=', delivery.id).execute();
      const disable = (reason: string) =>
        trx
          .updateTable('webhook_endpoint')
          .set({ status: 'DISABLED', disabled_reason: reason, disabled_at: now, updated_at: now })
          .where('id', '=', endpoint.id)
          .where('status', '=', 'ENABLED')
          .execute();
      const failingSince = endpoint.failing_since ?? attemptedAt;
      const verdict = judgeFailure(
        result,
        { attempts: attempted.attempts, firstAttemptAt: attempted.first_attempt_at, failingSince, givenUpInARow: endpoint.given_up_in_a_row },
        settings,
        now,
      );
      if (endpoint.failing_since === null) {
        await trx.updateTable('webhook_endpoint').set({ failing_since: failingSince }).where('id', '=', endpoint.id).execute();
      }
      if (verdict.kind === 'retry') return void (await update({ next_attempt_at: verdict.at }));
      if (verdict.kind === 'disable') {
        await update({ next_attempt_at: now });
        await disable(verdict.reason);
        logger.warn('disabled a webhook endpoint', { endpointId: endpoint.id, reason: verdict.reason });
        return;
      }
      await update({ status: 'FAILED' });
      await trx
        .updateTable('webhook_endpoint')
        .set({ given_up_in_a_row: sql`given_up_in_a_row + 1` })
        .where('id', '=', endpoint.id)
        .execute();
      logger.warn('gave up a webhook delivery', { endpointId: endpoint.id, deliveryId: delivery.id, eventId: delivery.event_id });
      if (verdict.disable) {
        await disable(verdict.disable);
        logger.warn('disabled a webhook endpoint', { endpointId: endpoint.id, reason: verdict.disable });
      }
    });
  };

  /** Starts the attempts of `claimed` (their endpoints and bodies read first, in two statements). */
  const start = async (claimed: WebhookDeliveryRow[]) => {
    const endpointIds = [...new Set(claimed.map((delivery) => delivery.endpoint_id))];
    const eventIds = [...new Set(claimed.map((delivery) => delivery.event_id))];
    const [endpoints, events] = await Promise.all([
      db.selectFrom('webhook_endpoint').selectAll().where('id', 'in', endpointIds).execute(),
      db.selectFrom('webhook_event').select(['id', 'body']).where('id', 'in', eventIds).execute(),
    ]);
    const endpointById = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));
    const bodyById = new Map(events.map((event) => [event.id, event.body]));
    for (const delivery of claimed) {
      const endpoint = endpointById.get(delivery.endpoint_id);
      const body = bodyById.get(delivery.event_id);
      if (!endpoint || body === undefined) continue;
      inFlightTo.set(endpoint.id, (inFlightTo.get(endpoint.id) ?? 0) + 1);
      const attempt = (async () => {
        const attemptedAt = clock.now();
        const result = await attemptDelivery(endpoint, delivery, body, box, settings, attemptedAt);
        if (isDelivered(result)) await recordDelivered(delivery, result, attemptedAt);
        else await recordFailed(delivery, result, attemptedAt);
      })()
        .catch((error) => logger.error('could not record a webhook attempt; it is tried again once its claim expires', { error }))
        .finally(() => {
          inFlight.delete(attempt);
          const left = (inFlightTo.get(endpoint.id) ?? 1) - 1;
          if (left > 0) inFlightTo.set(endpoint.id, left);
          else inFlightTo.delete(endpoint.id);
          // Its entity's next event may be due now. Claiming is one query for many attempts, so the worker looks again
          // once half the slots (its own or the endpoint's) are free, or at the next poll; not after every attempt.
          const halfFree = inFlight.size <= concurrency / 2 || left <= perEndpoint / 2;
          if (!stopped && halfFree) void withoutStatementDeadline(run);
        });
      inFlight.add(attempt);
    }
  };

  /** Finished deliveries past the log's retention go, and the bodies no delivery refers to any more. */
  const prune = async (now: Date) => {
    const cutoff = new Date(now.getTime() - settings.logRetentionMs);
    await db
      .deleteFrom('webhook_delivery')
      .where('status', 'in', ['DELIVERED', 'FAILED'])
      .where('created_at', '<', cutoff)
      .where((eb) => eb.or([eb('last_attempt_at', 'is', null), eb('last_attempt_at', '<', cutoff)]))
      .execute();
    await db
      .deleteFrom('webhook_event')
      .where('created_at', '<', cutoff)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('webhook_delivery').select('id').whereRef('webhook_delivery.event_id', '=', 'webhook_event.id'))))
      .execute();
  };

  const pass = async () => {
    while (!stopped && inFlight.size < concurrency) {
      const { claimed, more } = await claimDue(clock.now(), concurrency - inFlight.size);
      if (claimed.length > 0) await start(claimed);
      if (!more || claimed.length === 0) break;
    }
    if (Date.now() - lastPrune > pruneEveryMs) {
      lastPrune = Date.now();
      await prune(clock.now());
    }
  };

  const run = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await pass();
        } catch (error) {
          logger.error('webhook delivery pass failed; will retry', { error });
          break;
        }
      } while (again && !stopped);
      running = null;
    })();
    return running;
  };

  const timer = setInterval(() => void withoutStatementDeadline(run), settings.pollIntervalMs);
  timer.unref();
  return {
    kick: () => {
      if (!stopped) void withoutStatementDeadline(run);
    },
    drain: async () => {
      do {
        await run();
        await Promise.all(inFlight);
      } while (running || inFlight.size > 0);
    },
    close: async () => {
      stopped = true;
      clearInterval(timer);
      if (running) await running;
      await Promise.all(inFlight);
    },
  };
}
