import {
  countFailure,
  PartlyPublished,
  type BatchDelivery,
  type EventBus,
  type FailureCount,
  type PositionedEvent,
  type SubscribeOptions,
  type Subscription,
} from './bus.ts';
import type { DomainEvent } from './envelope.ts';
import { consuming, consumingBatch } from './trace-context.ts';
import { PositionClock, type EventPosition } from './position.ts';
import type { Logger } from '../logger.ts';
import { silentLogger } from '../logger.ts';

interface Group {
  options: SubscribeOptions | undefined;
  /** Events that arrived while the group had no subscriber; delivered, in order, when it subscribes again. */
  backlog: PositionedEvent[];
}

/**
 * The embedded default. `publish` resolves only after every group's handler has finished with the event, and
 * rejects if one failed, so the outbox relay leaves the event unpublished and retries it: nothing is lost between a
 * commit and its consumers, even across a crash (the outbox is on disk). A group that unsubscribed keeps a backlog
 * and resumes from it, like a Redis consumer group. A group with a dead-letter hook parks an event that keeps failing
 * (`SubscribeOptions.deadLetters`).
 */
export class InProcessBus implements EventBus {
  readonly #groups = new Map<string, Group>();
  readonly #logger: Logger;
  readonly #positions = new PositionClock();
  /** Failed deliveries per group and event, until the event is handled or parked. */
  readonly #failures = new Map<string, FailureCount>();

  constructor(logger: Logger = silentLogger) {
    this.#logger = logger;
  }

  async publish(event: DomainEvent<unknown>): Promise<void> {
    await this.publishAll([event]);
  }

  /**
   * Hands `published` to every group in order: a group that takes batches gets them `batch.maxEvents` at a time, the
   * others one by one. A group that fails at an event gets none after it, nor do the groups after it: the relay
   * publishes that event again (`PartlyPublished`), and a group that had handled it sees it again (handlers are
   * idempotent).
   */
  async publishAll(published: readonly DomainEvent<unknown>[]): Promise<void> {
    // Payloads are JSON objects; handlers read them as such, whatever interface the publisher typed them with.
    // A retried publish (a handler failed) is a new delivery at a new position, as a Redis XADD retry would be.
    const items = published.map((event) => ({ event: event as DomainEvent, position: this.#positions.next() }));
    let reached = items.length;
    const failures: unknown[] = [];
    for (const [name, group] of this.#groups) {
      const options = group.options;
      if (!options) {
        group.backlog.push(...items);
        continue;
      }
      const stopped = await this.#deliverAll(name, options, items.slice(0, reached).filter(({ event }) => options.types.includes(event.type)));
      if (stopped) {
        failures.push(stopped.error);
        reached = items.indexOf(stopped.item);
      }
    }
    if (failures.length > 0) throw new PartlyPublished(reached, failures, `event ${items[reached].event.id} failed in ${failures.length} group(s)`);
  }

  /** Delivers `items` (of the group's types) in order; returns the one that failed, with its error, or null. */
  async #deliverAll(name: string, options: SubscribeOptions, items: readonly PositionedEvent[]): Promise<{ item: PositionedEvent; error: unknown } | null> {
    const size = options.batch ? Math.max(1, options.batch.maxEvents) : 1;
    for (let start = 0; start < items.length; start += size) {
      const chunk = items.slice(start, start + size);
      if (options.batch && (await this.#deliverBatch(name, options.batch, chunk))) continue;
      for (const item of chunk) {
        try {
          await this.#deliver(name, options, item.event, item.position);
        } catch (error) {
          return { item, error };
        }
      }
    }
    return null;
  }

  /** Runs the group's batch handler; false when it threw (the caller then hands the events over one at a time). */
  async #deliverBatch(name: string, batch: BatchDelivery, chunk: readonly PositionedEvent[]): Promise<boolean> {
    const events = chunk.map(({ event }) => event);
    try {
      await consumingBatch(name, events, () => batch.handler(events, chunk.map(({ position }) => ({ position }))));
    } catch (error) {
      this.#logger.warn('batch handler failed; handling its events one at a time', { group: name, events: events.length, error });
      return false;
    }
    for (const { event } of chunk) this.#failures.delete(`${name}\u0000${event.id}`);
    return true;
  }

  /**
   * Runs the group's handler. Failures are counted per group and event across the relay's retries (each retry is a
   * new `publish` of the same event); at the group's bound the event is parked and counts as handled, so the relay
   * goes on with the next instead of retrying it forever.
   */
  async #deliver(name: string, options: SubscribeOptions, event: DomainEvent, position: EventPosition): Promise<void> {
    const key = `${name}\u0000${event.id}`;
    try {
      await consuming(name, event, () => options.handler(event, { position }));
      this.#failures.delete(key);
    } catch (error) {
      const { failure, transient, park } = countFailure(this.#failures, key, error, options.deadLetters);
      const about = { group: name, eventId: event.id, type: event.type, attempts: failure.attempts };
      if (park) {
        try {
          await options.deadLetters!.park(event, error, failure);
          this.#failures.delete(key);
          this.#logger.error('event handler keeps failing; parked the event as a dead letter', { ...about, error });
          return;
        } catch (parkError) {
          this.#logger.error('could not park a failing event', { ...about, error: parkError });
        }
      }
      this.#logger.error('event handler failed', { ...about, transient, error });
      throw error;
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const group = this.#groups.get(options.group) ?? { options: undefined, backlog: [] };
    if (group.options) throw new Error(`group ${options.group} already has a subscriber in this process`);
    this.#groups.set(options.group, group);
    // Events published meanwhile join the backlog (the group has no subscriber until it is through): taken in turns.
    while (group.backlog.length > 0) {
      const taken = group.backlog.splice(0, group.backlog.length);
      const stopped = await this.#deliverAll(options.group, options, taken.filter(({ event }) => options.types.includes(event.type)));
      if (stopped) {
        group.backlog.unshift(...taken.slice(taken.indexOf(stopped.item)));
        throw stopped.error;
      }
    }
    group.options = options;
    return {
      close: async () => {
        group.options = undefined;
      },
    };
  }

  async close(): Promise<void> {
    this.#groups.clear();
  }
}
