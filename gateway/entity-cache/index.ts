import type { GraphQLDataSource } from '@apollo/gateway';
import type { ApolloServerPlugin } from '@apollo/server';
import type { EventBus } from '../../lib/events/bus.ts';
import type { Logger } from '../../lib/logger.ts';
import type { GatewayContext } from '../context.ts';
import { entityCached } from './cached-data-source.ts';
import { EntityCache, type EntityCacheSettings } from './entity-cache.ts';
import { keepEntityCacheExact, type EntityCacheInvalidation } from './invalidation.ts';

export { EntityCache, defaultEntityCacheSettings, type EntityCacheSettings, type EntityCacheStats } from './entity-cache.ts';

/** The entity cache as the gateway uses it: a data-source wrapper, a plugin, and its invalidation's lifetime. */
export interface EntityCacheLayer {
  readonly cache: EntityCache;
  /** Answers the subgraph's client queries from the cache (cached-data-source.ts). */
  wrap<T extends GraphQLDataSource<GatewayContext>>(subgraph: string, source: T): T;
  /** Drops everything when a client's mutation is answered: also those the gateway answers itself (operations/). */
  plugin(): ApolloServerPlugin<GatewayContext>;
  /** Subscribes to the bus; the cache serves nothing before. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The gateway's entity cache (README "Entity cache", docs/architecture.md): subgraph answers kept per visibility
 * scope and dropped by the domain events on `bus` (consumer group `group`, one per gateway instance) and by mutations
 * through any instance.
 */
export function createEntityCache(options: { settings: EntityCacheSettings; bus: EventBus; group: string; logger: Logger }): EntityCacheLayer {
  const cache = new EntityCache(options.settings);
  // Nothing is served until the bus subscription is in place: events before it would not be heard of.
  let releaseStart: (() => void) | null = cache.hold('bus');
  let invalidation: EntityCacheInvalidation | null = null;
  const mutated = () => (invalidation ? invalidation.mutated() : cache.invalidate('mutation'));
  return {
    cache,
    wrap: (subgraph, source) => entityCached(subgraph, source, cache, mutated),
    plugin: () => ({
      async requestDidStart() {
        return {
          async willSendResponse({ operation }) {
            if (operation?.operation === 'mutation') mutated();
          },
        };
      },
    }),
    async start() {
      invalidation = await keepEntityCacheExact(cache, options);
      releaseStart?.();
      releaseStart = null;
    },
    async stop() {
      await invalidation?.close();
      invalidation = null;
    },
  };
}
