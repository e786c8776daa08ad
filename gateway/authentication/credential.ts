import { decodeProtectedHeader } from 'jose';
import { DomainError } from '../../lib/errors.ts';

/** The credential of an `Authorization: Bearer <credential>` header (or graphql-ws's `authorization` param), or null. */
export function bearerCredential(authorization: unknown): string | null {
  if (typeof authorization !== 'string' || !authorization.toLowerCase().startsWith('bearer ')) return null;
  return authorization.slice(7).trim() || null;
}

/** The `alg` of a compact JWS's header, or null for anything that is not one (an API key, garbage). */
export function jwtAlgorithmOf(credential: string): string | null {
  if (credential.split('.').length !== 3) return null;
  try {
    const { alg } = decodeProtectedHeader(credential);
    return typeof alg === 'string' ? alg : null;
  } catch {
    return null;
  }
}

/**
 * The graphql-ws close code of a refused or lapsed credential. 4401: get a fresh credential and connect again (graphql-ws
 * treats it as fatal, so a client never retries with the same dead token); 4403: this credential will not do, however
 * fresh (no worker, no role); 1013 "try again later": the identity provider or hcm could not be asked.
 */
export function closeCodeOf(error: unknown): number {
  const code = error instanceof DomainError ? error.code : 'UNAUTHENTICATED';
  return code === 'FORBIDDEN' ? 4403 : code === 'SERVICE_UNAVAILABLE' ? 1013 : 4401;
}

/** A close frame's reason holds 123 bytes. */
export function closeReasonOf(error: unknown): string {
  const reason = Buffer.from(error instanceof Error ? error.message : 'invalid credential').subarray(0, 123);
  // A character cut in two at the end decodes as U+FFFD: dropped.
  return reason.toString('utf8').replace(/\uFFFD$/, '');
}
