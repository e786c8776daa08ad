import { createHash, timingSafeEqual } from 'node:crypto';
import { roles as allRoles, type Role } from '../../../lib/auth/identity.ts';
import { badInput, DomainError } from '../../../lib/errors.ts';

export type ApiKeyStatus = 'ACTIVE' | 'EXPIRED' | 'REVOKED';

/** What the rules need of a stored key. */
export interface ApiKeyState {
  readonly prefix: string;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
}

/**
 * The stored form of a key's secret: its SHA-256. A slow password hash (bcrypt, scrypt, argon2) exists to make
 * guessing a low-entropy password from a stolen hash expensive; a key's secret is 32 random bytes, so no amount of
 * guessing finds it, and its hash is as safe to store as a bcrypt one. A slow hash would only cost tens of
 * milliseconds of CPU on every request the key makes, and hand anyone who sends invalid keys a way to burn CPU.
 */
export const hashApiKeySecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('base64url');

/** Whether `secret` is the one whose hash is stored, compared in constant time (the digests have a fixed length). */
export function secretMatches(secret: string, storedHash: string): boolean {
  const given = Buffer.from(hashApiKeySecret(secret));
  const stored = Buffer.from(storedHash);
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/** REVOKED wins over EXPIRED: a revocation is a decision someone took, and the reason a client should see. */
export function apiKeyStatus(key: Pick<ApiKeyState, 'expiresAt' | 'revokedAt'>, now: Date): ApiKeyStatus {
  if (key.revokedAt !== null) return 'REVOKED';
  if (key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime()) return 'EXPIRED';
  return 'ACTIVE';
}

/**
 * Why a key whose secret matched may not be used now, or null when it may: revoked, expired, or acting for a worker
 * who is no longer active (a key outlives nobody's employment). UNAUTHENTICATED, with the reason in `details.reason`,
 * so the program holding the key can tell "get a new key" from a typo.
 */
export function refusalOf(key: ApiKeyState, now: Date, worker: { readonly active: boolean } | null): DomainError | null {
  const status = apiKeyStatus(key, now);
  if (status === 'REVOKED') {
    const when = key.revokedAt!.toISOString();
    return new DomainError('UNAUTHENTICATED', `API key ${key.prefix} was revoked at ${when}`, { reason: 'revoked' });
  }
  if (status === 'EXPIRED') {
    const when = key.expiresAt!.toISOString();
    return new DomainError('UNAUTHENTICATED', `API key ${key.prefix} expired at ${when}`, { reason: 'expired' });
  }
  if (worker && !worker.active) {
    return new DomainError('UNAUTHENTICATED', `API key ${key.prefix} acts for a worker who is no longer active`, {
      reason: 'worker_inactive',
    });
  }
  return null;
}

/**
 * A key acts with the roles it was given, and only those. Only ADMIN creates keys, and ADMIN passes every role check,
 * so a key never holds more than its creator could do.
 */
export function checkApiKeyRoles(roles: readonly string[]): Role[] {
  const unique = [...new Set(roles)];
  if (unique.length === 0) throw badInput('roles', 'give the key at least one role');
  const unknown = unique.filter((role) => !(allRoles as readonly string[]).includes(role));
  if (unknown.length > 0) throw badInput('roles', `unknown role ${unknown.join(', ')}`);
  return unique as Role[];
}

/** An expiry is in the future: a key created expired is a mistake, not a choice. */
export function checkExpiry(expiresAt: Date | null, now: Date): Date | null {
  if (expiresAt !== null && expiresAt.getTime() <= now.getTime()) throw badInput('expiresAt', 'must be in the future');
  return expiresAt;
}

/**
 * How often a key's `lastUsedAt` is written: enough to tell a key in use from a forgotten one, without a write on every
 * request a busy integration makes.
 */
export const lastUseResolutionMs = 60_000;

export const lastUseIsStale = (lastUsedAt: Date | null, now: Date): boolean =>
  lastUsedAt === null || now.getTime() - lastUsedAt.getTime() >= lastUseResolutionMs;
