import { Counter } from 'prom-client';
import { metricsRegistry } from '../../lib/metrics/registry.ts';

/** Module-level, as gateway/metrics.ts's: one registry per process, every gateway instance in it counts together. */
export const entityCacheLookups = new Counter({
  name: 'psgraph_entity_cache_lookups_total',
  help: 'Subgraph fetches the entity cache was asked for, by subgraph and result (hit: answered from the cache; miss: sent)',
  labelNames: ['subgraph', 'result'],
  registers: [metricsRegistry],
});

export const entityCacheInvalidations = new Counter({
  name: 'psgraph_entity_cache_invalidations_total',
  help: 'Times the entity cache dropped everything, by reason (event, mutation, peer-mutation, bus)',
  labelNames: ['reason'],
  registers: [metricsRegistry],
});
