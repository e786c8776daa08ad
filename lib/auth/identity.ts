import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { DomainError } from '../errors.ts';

export const roles = ['WORKER', 'MANAGER', 'RESOURCE_MANAGER', 'FINANCE', 'ADMIN'] as const;
export type Role = (typeof roles)[number];

/** Who is asking. `workerId` is the token's subject; a service identity (one subgraph calling the graph) has none. */
export interface Identity {
  readonly workerId: string | null;
  readonly roles: readonly Role[];
  readonly service?: string;
  /**
   * The credential's own name when it names no worker: an API key (`api-key:<id>`) or an identity provider's client
   * (`client:<id>`). Keeps two such callers apart in rate limits, live connections and idempotency keys.
   */
  readonly principal?: string;
}

/**
 * The one answer to "which caller is this", for everything counted or remembered per caller (idempotency keys, rate
 * limits, live connections): the worker, else the service, else the credential's principal, else its roles (tokens
 * that name no one cannot be told apart, so they count together).
 */
export function callerOf(identity: Identity): string {
  if (identity.workerId) return `worker:${identity.workerId}`;
  if (identity.service) return `service:${identity.service}`;
  if (identity.principal) return identity.principal;
  return `roles:${[...identity.roles].sort().join(',')}`;
}

export const IDENTITY_HEADER = 'x-psgraph-identity';
export const SIGNATURE_HEADER = 'x-psgraph-signature';
export const CORRELATION_HEADER = 'x-correlation-id';

/**
 * How long the receiver accepts a signed identity after it was signed, and the clock difference tolerated either side
 * (IDENTITY_VALIDITY_SECONDS and TOKEN_CLOCK_SKEW_SECONDS). A signature is made just before its request is sent and
 * checked as it arrives, so a minute covers a slow hop; it does not cover using a captured header later.
 */
export interface SignedIdentityPolicy {
  readonly validitySeconds: number;
  readonly clockSkewSeconds: number;
}

export const defaultSignedIdentityPolicy: SignedIdentityPolicy = Object.freeze({
  validitySeconds: 60,
  clockSkewSeconds: 30,
});

/**
 * The one request a signature is for. The sender names the URL it fetches and the body it sends (the same string or
 * bytes); the receiver the request target it got (`req.url`) and the bytes it read, before parsing anything.
 */
export interface SignedRequest {
  readonly method: string;
  readonly url: string | URL;
  readonly body: string | Uint8Array;
}

interface SignedClaims extends Identity {
  readonly iat: number;
  readonly method: string;
  readonly path: string;
  readonly bodySha256: string;
}

/**
 * The HMAC key of each identity secret, made once: every subgraph call is signed by the gateway and checked by the
 * subgraph. A deployed process knows one secret.
 */
const hmacKeys = new Map<string, KeyObject>();
const hmacKeyOf = (secret: string) => {
  let key = hmacKeys.get(secret);
  if (key) return key;
  // A test process starts many gateways, each with its own secret: bounded all the same.
  if (hmacKeys.size >= 16) hmacKeys.clear();
  hmacKeys.set(secret, (key = createSecretKey(Buffer.from(secret, 'utf8'))));
  return key;
};

const mac = (secret: string, payload: string) => createHmac('sha256', hmacKeyOf(secret)).update(payload).digest('base64url');

/** Path and query string, as the request line carries them (URLs normalize alike on both sides). */
const requestTarget = (url: string | URL) => {
  const parsed = new URL(url, 'http://localhost');
  return `${parsed.pathname}${parsed.search}`;
};

const bodyDigest = (body: string | Uint8Array) => createHash('sha256').update(body).digest('base64url');

/**
 * The gateway's signature over the identity and the request it is sent with: method, path and query, a SHA-256 of
 * the body, and when it was signed. Subgraphs accept an identity only with a valid one, so a client that reaches a
 * subgraph directly cannot claim to be anyone, and a captured header authorizes nothing but the same request, for
 * `validitySeconds`. Every caller that signs (the gateway's data sources and operations, the graph client) uses this.
 */
export function signIdentity(
  identity: Identity,
  secret: string,
  request: SignedRequest,
  now = Date.now(),
): Record<string, string> {
  const claims: SignedClaims = {
    ...identity,
    iat: now,
    method: request.method.toUpperCase(),
    path: requestTarget(request.url),
    bodySha256: bodyDigest(request.body),
  };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return { [IDENTITY_HEADER]: payload, [SIGNATURE_HEADER]: mac(secret, payload) };
}

/**
 * The identity in the headers when they were signed for exactly this request within the policy's validity, or an
 * UNAUTHENTICATED error (the subgraph answers 401). `request.body` is the raw bytes received (a GET's are empty).
 */
export function verifyIdentity(
  headers: { get(name: string): string | undefined | null },
  secret: string,
  request: SignedRequest,
  policy: SignedIdentityPolicy = defaultSignedIdentityPolicy,
  now = Date.now(),
): Identity {
  const payload = headers.get(IDENTITY_HEADER);
  const signature = headers.get(SIGNATURE_HEADER);
  if (!payload || !signature) throw new DomainError('UNAUTHENTICATED', 'missing gateway identity signature');
  const expected = Buffer.from(mac(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new DomainError('UNAUTHENTICATED', 'invalid gateway identity signature');
  }
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<SignedClaims>;
  const skewMs = policy.clockSkewSeconds * 1000;
  if (typeof claims.iat !== 'number' || now - claims.iat > policy.validitySeconds * 1000 + skewMs) {
    throw new DomainError('UNAUTHENTICATED', 'gateway identity signature expired');
  }
  if (claims.iat - now > skewMs) throw new DomainError('UNAUTHENTICATED', 'gateway identity signature is not valid yet');
  const mismatch =
    claims.method !== request.method.toUpperCase()
      ? 'method'
      : claims.path !== requestTarget(request.url)
        ? 'path'
        : claims.bodySha256 !== bodyDigest(request.body)
          ? 'body'
          : null;
  if (mismatch) {
    throw new DomainError('UNAUTHENTICATED', `gateway identity signature is for another request (its ${mismatch} differs)`);
  }
  return {
    workerId: claims.workerId ?? null,
    roles: claims.roles ?? [],
    ...(claims.service ? { service: claims.service } : {}),
    ...(claims.principal ? { principal: claims.principal } : {}),
  };
}

export const hasRole = (identity: Identity, ...wanted: Role[]) => identity.roles.some((role) => wanted.includes(role));

/** Throws FORBIDDEN unless the identity has one of the roles (ADMIN always passes). */
export function requireRole(identity: Identity, ...wanted: Role[]): void {
  if (hasRole(identity, 'ADMIN', ...wanted)) return;
  throw new DomainError('FORBIDDEN', `requires one of the roles ${['ADMIN', ...wanted].join(', ')}`);
}
