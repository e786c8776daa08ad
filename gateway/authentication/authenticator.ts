import type { Identity } from '../../lib/auth/identity.ts';
import type { EventBus, Subscription } from '../../lib/events/bus.ts';

/**
 * Who a credential names and until when. `expiresAt` (epoch ms) lets a live connection close when its credential
 * lapses; null for a credential without an end (an API key without expiry).
 */
export interface Authenticated {
  readonly identity: Identity;
  readonly expiresAt: number | null;
  /** How the caller proved who it is, for logs and metrics: 'hs256' (embedded/tests), 'oidc', 'api-key'. */
  readonly method: string;
  /**
   * Aborts when the credential is withdrawn before `expiresAt` (an API key revoked: gateway/authentication/api-keys.ts),
   * so a live connection it opened closes then; absent for credentials that are only ever withdrawn by expiring.
   */
  readonly revoked?: AbortSignal;
}

/**
 * One way of proving identity: a bearer token it recognises → who it names, or a DomainError UNAUTHENTICATED /
 * FORBIDDEN with the reason. `recognises` looks at the credential's shape only (a key prefix, a JWT header's alg
 * or iss), so the authenticator picks one verifier per credential and a refusal names the right reason.
 */
export interface CredentialVerifier {
  readonly method: string;
  recognises(credential: string): boolean;
  verify(credential: string): Promise<Authenticated>;
  /**
   * For credentials withdrawn before they expire (API keys): hears of withdrawals on the bus, in a consumer group of
   * this gateway instance's own, and aborts their `Authenticated.revoked`. Runs while the gateway serves live fields.
   */
  watch?(bus: EventBus, group: string): Promise<Subscription>;
}

/**
 * The one place the gateway turns a bearer credential into an identity: /graphql, /graphql/stream, the exports and
 * the graphql-ws handshake all call it, so every transport accepts the same credentials and refuses with the same
 * reasons.
 */
export interface Authenticator {
  authenticate(credential: string): Promise<Authenticated>;
  /** Every verifier's `watch`, as one subscription. */
  watch?(bus: EventBus, group: string): Promise<Subscription>;
}
