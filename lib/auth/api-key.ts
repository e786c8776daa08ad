import type { Role } from './identity.ts';

/**
 * The shape every psgraph API key has, shared by hcm (which issues and checks keys) and the gateway (which recognises
 * them among bearer credentials): `psgk_<key id: 32 hex>_<secret: 32 random bytes, base64url>`. The fixed prefix lets
 * the gateway pick the verifier without a lookup, and lets secret scanners and log filters find a leaked key; the key
 * id finds the row by primary key, so a check never scans hashes.
 */
export const API_KEY_PREFIX = 'psgk_';

const apiKeyPattern = /^psgk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export interface ApiKeyParts {
  /** The row id (a UUID) the key names. */
  readonly keyId: string;
  readonly secret: string;
}

const hexOf = (uuid: string) => uuid.replaceAll('-', '');
const uuidOf = (hex: string) =>
  [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');

export const formatApiKey = ({ keyId, secret }: ApiKeyParts): string => `${API_KEY_PREFIX}${hexOf(keyId)}_${secret}`;

/** The key's parts, or null when the credential does not have the shape of a psgraph API key. */
export function parseApiKey(credential: string): ApiKeyParts | null {
  const match = apiKeyPattern.exec(credential);
  return match ? { keyId: uuidOf(match[1]), secret: match[2] } : null;
}

/** What listings show of a key so its holder can tell which one they have: never enough to use it. */
export const apiKeyPrefixOf = (keyId: string): string => `${API_KEY_PREFIX}${hexOf(keyId).slice(0, 8)}`;

/**
 * hcm's endpoint that checks an API key for the gateway (subgraphs/hcm/api-key-endpoint.ts): POST `{ credential }`,
 * signed as the gateway's service identity; 200 with an `ApiKeyVerification`, or `{ error: { code, message } }`.
 */
export const API_KEY_VERIFY_PATH = '/auth/api-keys/verify';

/** Who a valid key acts as. */
export interface ApiKeyVerification {
  readonly keyId: string;
  /** The worker the key acts for, or null for a key that names no one (a BI tool's). */
  readonly workerId: string | null;
  readonly roles: readonly Role[];
  /** ISO-8601, or null for a key without expiry. */
  readonly expiresAt: string | null;
}
