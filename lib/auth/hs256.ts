import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { DomainError } from '../errors.ts';
import { checkIssuedAtAndLifetime, defaultTokenPolicy, refused, type TokenPolicy } from './jwt.ts';

/** A token that is not a well-formed HS256 JWT at all: no claim to name. */
const malformed = (reason: string) => new DomainError('UNAUTHENTICATED', `invalid bearer token: ${reason}`);

const base64url = /^[A-Za-z0-9_-]*$/;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function decodedJson(segment: string, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw malformed(`${what} is not base64url-encoded JSON`);
  }
}

/**
 * Verifies tokens signed with the gateway's own HS256 secret (lib/auth/jwt.ts signs them) on every request, in a few
 * microseconds: node:crypto's HMAC over a key made once, where jose goes through WebCrypto, importing the secret again
 * for each token and answering on a later tick (0.1–0.2 ms a token, ~1 ms under load). The checks are jose's for
 * `jwtVerify(token, secret, { algorithms: ['HS256'], requiredClaims: ['exp'], clockTolerance })` and then verifyJwt's
 * own (`iat`, lifetime), with the same refusals: UNAUTHENTICATED naming the claim in the message and `details.claim`.
 */
export function hs256TokenVerifier(secret: string, policy: TokenPolicy = defaultTokenPolicy): (token: string) => JWTPayload {
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  return (token) => {
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((part) => base64url.test(part))) throw malformed('Invalid Compact JWS');
    const [encodedHeader, encodedPayload, encodedSignature] = parts;
    const header = decodedJson(encodedHeader, 'its header');
    if (!isObject(header)) throw malformed('Invalid JWS Protected Header');
    if (header.alg !== 'HS256') throw refused('alg', '"alg" (Algorithm) Header Parameter value not allowed');
    // RFC 7515 §4.1.11: a critical extension the verifier does not implement makes the token invalid. jose knows only
    // `b64`, and a JWT may not turn base64url encoding of its claims off.
    if (header.crit !== undefined) {
      const crit = header.crit;
      if (!Array.isArray(crit) || crit.length === 0 || crit.some((name) => name !== 'b64')) {
        throw malformed('"crit" (Critical) Header Parameter names an extension this gateway does not implement');
      }
      if (header.b64 !== true) throw malformed('JWTs MUST NOT use unencoded payload');
    }
    const expected = createHmac('sha256', key).update(`${encodedHeader}.${encodedPayload}`).digest();
    const given = Buffer.from(encodedSignature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw malformed('signature verification failed');
    const payload = decodedJson(encodedPayload, 'its claims set');
    if (!isObject(payload)) throw malformed('JWT Claims Set must be a top-level JSON object');

    const now = Math.floor(Date.now() / 1000);
    const tolerance = policy.clockSkewSeconds;
    if (!('exp' in payload)) throw refused('exp', 'it has no "exp" claim (tokens must expire)');
    for (const claim of ['iat', 'nbf', 'exp'] as const) {
      if (payload[claim] !== undefined && typeof payload[claim] !== 'number') throw refused(claim, `"${claim}" claim must be a number`);
    }
    if (payload.nbf !== undefined && (payload.nbf as number) > now + tolerance) {
      throw refused('nbf', '"nbf" is in the future (the token is not valid yet)');
    }
    if ((payload.exp as number) <= now - tolerance) throw refused('exp', '"exp" has passed (the token expired)');
    checkIssuedAtAndLifetime(payload, policy);
    return payload as JWTPayload;
  };
}
