import {
  countFailure,
  type EventBus,
  type FailureCount,
  type PositionedEvent,
  type SubscribeOptions,
  type Subscription,
} from './bus.ts';
import type { DomainEvent } from './envelope.ts';
import { consuming } from './trace-context.ts';
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

  async publish(published: DomainEvent<unknown>): Promise<void> {
    // Payloads are JSON objects; handlers read them as such, whatever interface the publisher typed them with.
    const event = published as DomainEvent;
    // A retried publish (a handler failed) is a new delivery at a new position, as a Redis XADD retry would be.
    const position = this.#positions.next();
    const failures: unknown[] = [];
    for (const [name, group] of this.#groups) {
      if (!group.options) {
        group.backlog.push({ position, event });
        continue;
      }
      if (!group.options.types.includes(event.type)) continue;
      try {
        await this.#deliver(name, group.options, event, position);
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, `event ${event.id} failed in ${failures.length} group(s)`);
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
    while (group.backlog.length > 0) {
      const { position, event } = group.backlog[0];
      if (options.types.includes(event.type)) await this.#deliver(options.group, options, event, position);
      group.backlog.shift();
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
