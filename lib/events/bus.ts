import type { DomainEvent } from './envelope.ts';
import type { CheckpointStore } from './checkpoints.ts';
import { isTransientFailure } from './failures.ts';
import type { EventPosition } from './position.ts';

/** How an event reached a handler: its position on the bus (handlers that do not need it ignore the argument). */
export interface Delivery {
  readonly position: EventPosition;
}

export type EventHandler = (event: DomainEvent, delivery: Delivery) => Promise<void>;

/**
 * A group's handler of several events at once, for consumers whose cost is per call rather than per event (one read
 * of the graph, one transaction). `events` are consecutive in the group's order, of its types only, with their
 * `deliveries` at the same index.
 */
export type BatchEventHandler = (events: readonly DomainEvent[], deliveries: readonly Delivery[]) => Promise<void>;

/** How a group takes its events in batches (`SubscribeOptions.batch`). */
export interface BatchDelivery {
  /** At most this many events per call of `handler`. */
  readonly maxEvents: number;
  readonly handler: BatchEventHandler;
}

/** An event read back from the bus's retained history. */
export interface PositionedEvent {
  readonly position: EventPosition;
  readonly event: DomainEvent;
}

export interface SubscribeOptions {
  /**
   * The consumer group: every group sees every event once; a group that stops and starts again resumes where it
   * stopped. Use one name per consuming purpose, e.g. `psa.deal-to-project`.
   */
  readonly group: string;
  /** Only these event types reach the handler (the others are acknowledged and skipped). */
  readonly types: readonly string[];
  readonly handler: EventHandler;
  /**
   * Where a group that does not exist yet starts: `beginning` (default) also hands it what the bus still retains,
   * for consumers that must see every event; `end` only what is published from now on, for consumers of live
   * changes (the gateway's subscriptions read older events by position instead: `readAfter`). An existing group
   * always resumes where it stopped.
   */
  readonly startAt?: 'beginning' | 'end';
  /**
   * The group is this process's alone (one gateway instance's live feed or entity cache, named after the instance):
   * closing the subscription removes the group, so an instance that is gone leaves no group behind whose lag only
   * grows (Redis) or whose backlog fills memory (in-process). Its next subscriber starts anew, at `startAt`.
   */
  readonly ephemeral?: boolean;
  /**
   * Where the group keeps the next sequence it expects from each producer (buses that can lose events: Redis). With
   * it, the group detects events it missed (its group or the stream vanished, the stream was trimmed past it) and asks
   * the producers to replay them. Default: kept in memory for as long as the subscription runs.
   */
  readonly checkpoints?: CheckpointStore;
  /**
   * Where an event goes whose handler keeps failing (a bug, bad data), so it does not hold up the group forever: after
   * `maxAttempts` failed deliveries the bus parks it here and goes on with the next. Failures of an unreachable
   * dependency (lib/events/failures.ts) do not count: those are retried with backoff for as long as they last.
   * Without it (the gateway's live feed), a failing event is retried forever.
   */
  readonly deadLetters?: DeadLetterHook;
  /**
   * Hands the group the consecutive events the bus has ready (Redis: what one read returns; in-process: what the
   * relay publishes in one pass, as far as the groups subscribed before it are through), up to `maxEvents`, in order,
   * acknowledged together once `batch.handler` resolves.
   * When it throws, the bus hands those events to `handler` one at a time instead, so a dead letter, a transient
   * failure's retries and the failure count stay exactly per event. Without it, every event goes to `handler`.
   */
  readonly batch?: BatchDelivery;
}

/** How a consumer group parks an event it cannot handle (a subgraph's `dead_letter` table: lib/events/dead-letters.ts). */
export interface DeadLetterHook {
  readonly maxAttempts: number;
  /** Records the event with its last error; once it resolves, the bus counts the event as handled. */
  park(event: DomainEvent, error: unknown, failure: FailureCount): Promise<void>;
}

/** An event's failed deliveries in one group, as the bus counts them (in memory: a restart counts afresh). */
export interface FailureCount {
  /** Failures that count towards parking (an unreachable dependency's do not). */
  attempts: number;
  /** Every failed delivery, transient or not: what the retry backoff grows with. */
  failed: number;
  readonly firstFailedAt: Date;
}

/**
 * Counts one failed delivery and says whether the event is to be parked now. Shared by the buses, so both count
 * alike: a transient failure is retried however often it happens.
 */
export function countFailure(
  failures: Map<string, FailureCount>,
  key: string,
  error: unknown,
  hook: DeadLetterHook | undefined,
) {
  const transient = isTransientFailure(error);
  const failure = failures.get(key) ?? { attempts: 0, failed: 0, firstFailedAt: new Date() };
  failure.failed++;
  if (!transient) failure.attempts++;
  failures.set(key, failure);
  return { failure, transient, park: hook !== undefined && !transient && failure.attempts >= hook.maxAttempts };
}

export interface Subscription {
  close(): Promise<void>;
}

/** What a producer holds: the last sequence it published and the oldest it still keeps (its retention). */
export interface ProducerSpan {
  readonly head?: number;
  readonly floor?: number;
}

/**
 * How consumers that missed events ask their producers for them again, over the bus itself (buses that can lose
 * events: Redis). The outbox relays answer: the outbox, not the bus, is the record of what was published.
 */
export interface ReplayChannel {
  /** Asks `source` to publish again its events from sequence `from` (the lowest open request wins). */
  request(source: string, from: number): Promise<void>;
  /** The lowest sequence consumers asked `source` to publish again, or null. */
  requested(source: string): Promise<number | null>;
  /** `source` republished everything from `from`: that request (and any later one at or after it) is answered. */
  answered(source: string, from: number): Promise<void>;
  /** A producer says what it holds, so a waiting consumer can tell whether anything is missing at all. */
  advertise(source: string, span: ProducerSpan): Promise<void>;
  advertised(sources: readonly string[]): Promise<Map<string, ProducerSpan>>;
}

/** How the bus's connection stands, for readiness and logs. */
export interface BusHealth {
  readonly connected: boolean;
  /** When it last changed (ISO-8601). */
  readonly since: string;
}

/**
 * Delivery is at least once, in publish order per group; a handler that throws gets the event again later, so
 * handlers must be idempotent on `event.id` (see `handleOnce`).
 */
export interface EventBus {
  /** Resolves once the event is durable on the bus (Redis) or handed to every group (in-process). */
  publish(event: DomainEvent<unknown>): Promise<void>;
  /**
   * Optional: publishes `events` in order, as `publish` each would, in one go: the in-process bus hands a group that
   * takes batches (`SubscribeOptions.batch`) several at once, Redis takes them in one round trip. Rejects with
   * `PartlyPublished` when a group failed (or Redis refused one): the events before `published` went to every group,
   * the rest are to be published again.
   */
  publishAll?(events: readonly DomainEvent<unknown>[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /**
   * Optional (buses that retain history: Redis): up to `count` events published after `position`, oldest first; null
   * when the bus no longer holds all of them (trimmed past `position`).
   */
  readAfter?(position: EventPosition, count: number): Promise<PositionedEvent[] | null>;
  /**
   * Optional (buses that deliver after `publish` resolves: Redis): whether every consumer group subscribed through this bus
   * has handled everything published so far (nothing pending, nothing behind). The in-process bus hands each event to every group
   * inside `publish`, so it is idle whenever no publish is running.
   */
  idle?(): Promise<boolean>;
  /** Present on buses that can lose events (Redis): consumers ask producers to replay through it. */
  readonly replay?: ReplayChannel;
  /** Present on buses with a connection to lose (Redis). */
  health?(): BusHealth;
  close(): Promise<void>;
}

/** `publishAll` stopped at a failing group: the first `published` events reached every group, the rest did not. */
export class PartlyPublished extends AggregateError {
  readonly published: number;

  constructor(published: number, errors: readonly unknown[], message: string) {
    super(errors, message);
    this.name = 'PartlyPublished';
    this.published = published;
  }
}
