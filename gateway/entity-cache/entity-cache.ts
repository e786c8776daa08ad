import { LRUCache } from 'lru-cache';
import { entityCacheInvalidations, entityCacheLookups } from './metrics.ts';

export interface EntityCacheSettings {
  /** Whether the gateway keeps subgraph answers (ENTITY_CACHE); default false. Needs the event bus. */
  readonly enabled?: boolean;
  /** The most bytes of answers (their JSON's length) one gateway instance keeps, least recently used out first (ENTITY_CACHE_MAX_BYTES); default 64 MiB. */
  readonly maxBytes?: number;
  /** The most answers one gateway instance keeps; default 50,000. */
  readonly maxEntries?: number;
}

export const defaultEntityCacheSettings = Object.freeze({ maxBytes: 64 * 1024 * 1024, maxEntries: 50_000 });

/** Why everything was dropped (the metric's label). */
export type InvalidationReason = 'event' | 'mutation' | 'peer-mutation' | 'bus';

/** What one instance's cache has done since it started (tests and the log; Prometheus has the same counts). */
export interface EntityCacheStats {
  hits: number;
  misses: number;
  stores: number;
  /** Answers not kept because something was invalidated while they were fetched. */
  discarded: number;
  invalidations: number;
}

/**
 * Subgraph answers by key (gateway/entity-cache/cached-data-source.ts says what a key holds), bounded by bytes and
 * count, least recently used out first. Exactness comes from one rule: everything is dropped at once, and an answer
 * is kept only if nothing was dropped between the start of its fetch and its end (the generation it started in is
 * still current), so an answer read before a change is never kept after the change was heard of. While held (the
 * bus is away, or a change's consequences are still being written: invalidation.ts) nothing is served or kept.
 */
export class EntityCache {
  readonly #entries: LRUCache<string, string>;
  #generation = 0;
  #holds = 0;
  readonly stats: EntityCacheStats = { hits: 0, misses: 0, stores: 0, discarded: 0, invalidations: 0 };

  constructor(settings: EntityCacheSettings = {}) {
    this.#entries = new LRUCache<string, string>({
      max: settings.maxEntries ?? defaultEntityCacheSettings.maxEntries,
      maxSize: settings.maxBytes ?? defaultEntityCacheSettings.maxBytes,
      sizeCalculation: (json, key) => json.length + key.length,
    });
  }

  /** The generation a fetch starts in: pass it to `store` with the answer. */
  get generation(): number {
    return this.#generation;
  }

  /** How many answers are kept now. */
  get size(): number {
    return this.#entries.size;
  }

  /** The answer kept under `key` (its JSON), or undefined. */
  lookup(subgraph: string, key: string): string | undefined {
    const json = this.#holds > 0 ? undefined : this.#entries.get(key);
    if (json === undefined) this.stats.misses++;
    else this.stats.hits++;
    entityCacheLookups.inc({ subgraph, result: json === undefined ? 'miss' : 'hit' });
    return json;
  }

  /** Keeps an answer fetched in `generation`, unless something was dropped since (or the cache is held). */
  store(key: string, generation: number, json: string): void {
    if (generation !== this.#generation || this.#holds > 0) {
      this.stats.discarded++;
      return;
    }
    this.stats.stores++;
    this.#entries.set(key, json);
  }

  /** Drops every answer, and every answer being fetched now. */
  invalidate(reason: InvalidationReason): void {
    this.#generation++;
    this.stats.invalidations++;
    this.#entries.clear();
    entityCacheInvalidations.inc({ reason });
  }

  /** Serves and keeps nothing until the returned release is called (once); dropping everything at both ends. */
  hold(reason: InvalidationReason): () => void {
    this.#holds++;
    this.invalidate(reason);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds--;
      this.invalidate(reason);
    };
  }
}
