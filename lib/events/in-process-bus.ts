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

/** Where a group stopped in a publish: the event its handler failed at. */
interface Stop {
  readonly item: PositionedEvent;
  readonly error: unknown;
}

/** How far one group is through a publish's events (handled, or not of its types), for the group behind it. */
class Progress {
  #through = 0;
  #settled = false;
  #waiters: (() => void)[] = [];

  advance(through: number) {
    this.#through = through;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** It goes no further in this publish (finished, or stopped at a failure). */
  settle() {
    this.#settled = true;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Resolves once the group is through the first `count` events, or with how far it got when it stops short. */
  async through(count: number): Promise<number> {
    while (this.#through < count && !this.#settled) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return Math.min(count, this.#through);
  }
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
   * Hands `published` to every group, each in publish order: a group that takes batches gets them `batch.maxEvents` at
   * a time, the others one by one. The groups work as a pipeline in subscription order: a group takes an event once
   * the groups subscribed before it are through it (the subgraphs' consumers have committed what the event caused
   * before the gateway's groups hear of it), but it does not wait for them to finish the whole publish, so a spike
   * costs about its slowest group rather than the sum of them all. A group that fails at an event gets none after it,
   * nor do the groups after it: the relay publishes that event again (`PartlyPublished`), and a group that had handled
   * it sees it again (handlers are idempotent).
   */
  async publishAll(published: readonly DomainEvent<unknown>[]): Promise<void> {
    // Payloads are JSON objects; handlers read them as such, whatever interface the publisher typed them with.
    // A retried publish (a handler failed) is a new delivery at a new position, as a Redis XADD retry would be.
    const items = published.map((event) => ({ event: event as DomainEvent, position: this.#positions.next() }));
    let ahead: Progress | null = null;
    const runs: Promise<Stop | null>[] = [];
    for (const [name, group] of this.#groups) {
      const progress = new Progress();
      runs.push(this.#deliverInTurn(name, group, items, ahead, progress));
      ahead = progress;
    }
    const stops = (await Promise.all(runs)).filter((stop) => stop !== null);
    if (stops.length === 0) return;
    const reached = Math.min(...stops.map(({ item }) => items.indexOf(item)));
    throw new PartlyPublished(reached, stops.map(({ error }) => error), `event ${items[reached].event.id} failed in ${stops.length} group(s)`);
  }

  /**
   * One group's share of a publish: its events in order, each part once the group ahead is through it; `progress`
   * says how far this group is, for the group behind. Returns the event it failed at, with the error, or null.
   */
  async #deliverInTurn(name: string, group: Group, items: readonly PositionedEvent[], ahead: Progress | null, progress: Progress): Promise<Stop | null> {
    try {
      const options = group.options;
      if (!options) {
        group.backlog.push(...items);
        progress.advance(items.length);
        return null;
      }
      const size = options.batch ? Math.max(1, options.batch.maxEvents) : 1;
      const mine = ({ event }: PositionedEvent) => options.types.includes(event.type);
      let next = 0;
      while (next < items.length) {
        // The next part: up to `size` of the group's events, with the others' events between them.
        let end = next;
        for (let own = 0; end < items.length && (own < size || !mine(items[end])); end++) if (mine(items[end])) own++;
        const allowed = ahead ? await ahead.through(end) : end;
        const stopped = await this.#deliverAll(name, options, items.slice(next, allowed).filter(mine));
        if (stopped) {
          progress.advance(items.indexOf(stopped.item));
          return stopped;
        }
        progress.advance(allowed);
        // The group ahead stopped short of this part: so does this group (the relay publishes the rest again).
        if (allowed < end) return null;
        next = end;
      }
      return null;
    } finally {
      progress.settle();
    }
  }

  /** Delivers `items` (of the group's types) in order; returns the one that failed, with its error, or null. */
  async #deliverAll(name: string, options: SubscribeOptions, items: readonly PositionedEvent[]): Promise<Stop | null> {
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
        if (options.ephemeral && this.#groups.get(options.group) === group) this.#groups.delete(options.group);
      },
    };
  }

  async close(): Promise<void> {
    this.#groups.clear();
  }
}
