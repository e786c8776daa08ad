import type { Identity } from '../lib/auth/identity.ts';

/** Per request at the gateway: who is asking (verified from the bearer token) and the correlation id. */
export interface GatewayContext {
  readonly identity: Identity;
  readonly correlationId: string;
  /** The client's address (gateway/rate-limit.ts): keys the bucket of a token without a subject. */
  readonly clientAddress?: string;
  /**
   * Read past the entity cache (gateway/entity-cache/): the live feed resolves an event's entities as the event
   * arrives, possibly before the cache has heard of it.
   */
  readonly fresh?: boolean;
}
