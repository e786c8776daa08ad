import type { EventBus, EventHandler } from './bus.ts';
import type { CheckpointStore } from './checkpoints.ts';
import type { DeadLetterStore } from './dead-letters.ts';
import { describeFailure } from './failures.ts';

export interface ConsumerBusOptions {
  /** Where every group keeps the next sequence it expects from each producer. */
  readonly checkpoints: CheckpointStore;
  /** Where every group parks an event that failed `maxAttempts` times (DEAD_LETTER_AFTER_ATTEMPTS). */
  readonly deadLetters: { readonly store: DeadLetterStore; readonly maxAttempts: number; readonly onPark?: () => void };
}

/** The bus as a subgraph's consumers see it, and what it learned of them. */
export interface ConsumerBus {
  readonly bus: EventBus;
  /** The handler of a group subscribed through `bus` and still running: a parked event is retried with it. */
  handlerOf(group: string): EventHandler | undefined;
}

/**
 * Every group a subgraph subscribes keeps its checkpoints in the subgraph's database (so it knows what it missed when
 * Redis loses its data) and parks what it cannot handle in the same database. The subgraph's consumers need not know.
 */
export function consumerBus(bus: EventBus, options: ConsumerBusOptions): ConsumerBus {
  const handlers = new Map<string, EventHandler>();
  const { store, maxAttempts, onPark } = options.deadLetters;
  return {
    bus: {
      publish: (event) => bus.publish(event),
      subscribe: async (subscribed) => {
        const { group, handler } = subscribed;
        const subscription = await bus.subscribe({
          checkpoints: options.checkpoints,
          deadLetters: {
            maxAttempts,
            async park(event, error, failure) {
              await store.park(group, event, describeFailure(error), failure);
              onPark?.();
            },
          },
          ...subscribed,
        });
        handlers.set(group, handler);
        return {
          close: async () => {
            if (handlers.get(group) === handler) handlers.delete(group);
            await subscription.close();
          },
        };
      },
      close: () => bus.close(),
    },
    handlerOf: (group) => handlers.get(group),
  };
}
