import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../errors.ts';

export const roles = ['WORKER', 'MANAGER', 'RESOURCE_MANAGER', 'FINANCE', 'ADMIN'] as const;
export type Role = (typeof roles)[number];

/** Who is asking. `workerId` is the token's subject; a service identity (one subgraph calling the graph) has none. */
export interface Identity {
  readonly workerId: string | null;
  readonly roles: readonly Role[];
  readonly service?: string;
}

export const IDENTITY_HEADER = 'x-psgraph-identity';
export const SIGNATURE_HEADER = 'x-psgraph-signature';
export const CORRELATION_HEADER = 'x-correlation-id';

/** How long a signed identity stays valid; covers clock skew and a slow hop, not replay over hours. */
const maxAgeMs = 5 * 60_000;

const mac = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');

/**
 * The gateway's signature over the identity and a timestamp. Subgraphs accept an identity only with a valid one, so a
 * client that reaches a subgraph directly cannot claim to be anyone.
 */
export function signIdentity(identity: Identity, secret: string, now = Date.now()): Record<string, string> {
  const payload = Buffer.from(JSON.stringify({ ...identity, iat: now })).toString('base64url');
  return { [IDENTITY_HEADER]: payload, [SIGNATURE_HEADER]: mac(secret, payload) };
}

/** The identity in the headers, or an UNAUTHENTICATED error (the subgraph answers 401). */
export function verifyIdentity(
  headers: { get(name: string): string | undefined | null },
  secret: string,
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
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Identity & { iat: number };
  if (typeof claims.iat !== 'number' || Math.abs(now - claims.iat) > maxAgeMs) {
    throw new DomainError('UNAUTHENTICATED', 'gateway identity signature expired');
  }
  return { workerId: claims.workerId ?? null, roles: claims.roles ?? [], ...(claims.service ? { service: claims.service } : {}) };
}

export const hasRole = (identity: Identity, ...wanted: Role[]) => identity.roles.some((role) => wanted.includes(role));

/** Throws FORBIDDEN unless the identity has one of the roles (ADMIN always passes). */
export function requireRole(identity: Identity, ...wanted: Role[]): void {
  if (hasRole(identity, 'ADMIN', ...wanted)) return;
  throw new DomainError('FORBIDDEN', `requires one of the roles ${['ADMIN', ...wanted].join(', ')}`);
}
