import type { Identity } from '../lib/auth/identity.ts';

/** Per request at the gateway: who is asking (verified from the bearer token) and the correlation id. */
export interface GatewayContext {
  readonly identity: Identity;
  readonly correlationId: string;
}
