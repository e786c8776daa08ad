import type { DomainEvent } from './envelope.ts';

export type EventHandler = (event: DomainEvent) => Promise<void>;

export interface SubscribeOptions {
  /**
   * The consumer group: every group sees every event once; a group that stops and starts again resumes where it
   * stopped. Use one name per consuming purpose, e.g. `psa.deal-to-project`.
   */
  readonly group: string;
  /** Only these event types reach the handler (the others are acknowledged and skipped). */
  readonly types: readonly string[];
  readonly handler: EventHandler;
}

export interface Subscription {
  close(): Promise<void>;
}

/**
 * Delivery is at least once, in publish order per group; a handler that throws gets the event again later, so
 * handlers must be idempotent on `event.id` (see `handleOnce`).
 */
export interface EventBus {
  /** Resolves once the event is durable on the bus (Redis) or handed to every group (in-process). */
  publish(event: DomainEvent<unknown>): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  close(): Promise<void>;
}
