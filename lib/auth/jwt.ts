import { SignJWT, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { DomainError } from '../errors.ts';
import { roles, type Identity, type Role } from './identity.ts';

const key = (secret: string) => new TextEncoder().encode(secret);

/** What a bearer token must satisfy beyond its signature. */
export interface TokenPolicy {
  /**
   * The longest lifetime accepted, in seconds: `exp − iat`, or `exp − now` for a token without `iat`. A leaked token
   * is only as dangerous as it is long-lived, so a token minted to last a year is refused even while it is young.
   */
  readonly maxLifetimeSeconds: number;
  /** How far the issuer's clock may be from ours when `exp`, `nbf` and `iat` are checked, in seconds. */
  readonly clockSkewSeconds: number;
}

export const defaultTokenPolicy: TokenPolicy = Object.freeze({ maxLifetimeSeconds: 24 * 60 * 60, clockSkewSeconds: 30 });

/** The lifetime `npm start` and `npm run token` give their tokens unless the policy allows less. */
export const defaultTokenLifetimeSeconds = 12 * 60 * 60;

/** A refusal that names the claim, so a client (or whoever minted the token) knows what to fix. */
export const refused = (claim: string, reason: string) =>
  new DomainError('UNAUTHENTICATED', `invalid bearer token: ${reason}`, { claim });

function joseRefusal(error: unknown): DomainError {
  // The key lookup's own refusal (an issuer's keys out of reach) says better what happened.
  if (error instanceof DomainError) return error;
  if (error instanceof errors.JWTExpired || error instanceof errors.JWTClaimValidationFailed) {
    const { claim, reason } = error;
    if (claim === 'exp' && reason === 'missing') return refused('exp', 'it has no "exp" claim (tokens must expire)');
    if (claim === 'exp' && reason === 'check_failed') return refused('exp', '"exp" has passed (the token expired)');
    if (claim === 'nbf' && reason === 'check_failed') {
      return refused('nbf', '"nbf" is in the future (the token is not valid yet)');
    }
    if (claim === 'iss') return refused('iss', `"iss" is not the issuer this gateway trusts (${reason})`);
    if (claim === 'aud') return refused('aud', `"aud" does not name this API (${reason})`);
    return refused(claim, error.message);
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return refused('kid', 'no key of the issuer matches its "kid" (signed with an unknown or retired key)');
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return refused('alg', error.message);
  return new DomainError('UNAUTHENTICATED', `invalid bearer token: ${(error as Error).message}`);
}

/** A key to verify with: a shared secret, or a function that finds the issuer's key for the token's header (a JWKS). */
export type VerificationKey = Uint8Array | JWTVerifyGetKey;

/** Which tokens a verification accepts, besides the time checks of the policy. */
export interface JwtExpectations {
  readonly algorithms: readonly string[];
  readonly issuer?: string;
  readonly audience?: string | readonly string[];
}

/**
 * The one verification of a JWT bearer token, whoever issued it: the signature (`key`, one of `algorithms`), `iss` and
 * `aud` when expected, and the times. The token must expire (`exp`), within `policy.maxLifetimeSeconds` of when it
 * was issued; `nbf` and `iat` may not be in the future. Every clock comparison allows `policy.clockSkewSeconds`. Each
 * refusal is UNAUTHENTICATED with the offending claim in the message and in `details.claim`.
 */
export async function verifyJwt(
  token: string,
  key: VerificationKey,
  expected: JwtExpectations,
  policy: TokenPolicy = defaultTokenPolicy,
): Promise<JWTPayload> {
  let payload: JWTPayload;
  const options: JWTVerifyOptions = {
    algorithms: [...expected.algorithms],
    issuer: expected.issuer,
    audience: expected.audience === undefined ? undefined : [expected.audience].flat(),
    requiredClaims: ['exp'],
    clockTolerance: policy.clockSkewSeconds,
  };
  try {
    // jose's overloads take a secret and a key lookup apart.
    ({ payload } = key instanceof Uint8Array ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options));
  } catch (error) {
    throw joseRefusal(error);
  }
  checkIssuedAtAndLifetime(payload, policy);
  return payload;
}

/**
 * What jose leaves to us once it has checked the signature, `exp` and `nbf`: `iat` may not be in the future, and the
 * token may not live longer than `policy.maxLifetimeSeconds` (`exp` − `iat`, or `exp` − now without `iat`).
 */
export function checkIssuedAtAndLifetime(payload: JWTPayload, policy: TokenPolicy): void {
  const now = Math.floor(Date.now() / 1000);
  // jose checks `iat` only together with maxTokenAge, which bounds a token's age rather than its lifetime.
  if (payload.iat !== undefined && payload.iat > now + policy.clockSkewSeconds) {
    throw refused('iat', '"iat" is in the future (the token claims to be issued later than now)');
  }
  // Without `iat` the lifetime left is all that can be measured; the skew then covers a token minted just now.
  const lifetime = payload.exp! - (payload.iat ?? now);
  const allowed = policy.maxLifetimeSeconds + (payload.iat === undefined ? policy.clockSkewSeconds : 0);
  if (lifetime > allowed) {
    throw refused(
      'exp',
      `its lifetime of ${lifetime} s ("exp" - ${payload.iat === undefined ? 'now' : '"iat"'}) is longer than the ` +
        `${policy.maxLifetimeSeconds} s this gateway accepts`,
    );
  }
}

/** The identity an HS256 token of the gateway's own names: `sub` is the worker id, `roles` the role list. */
export function identityOfBearerClaims(payload: JWTPayload): Identity {
  const claimed = Array.isArray(payload.roles) ? payload.roles : [];
  const valid = claimed.filter((role): role is Role => (roles as readonly unknown[]).includes(role));
  return { workerId: typeof payload.sub === 'string' ? payload.sub : null, roles: valid };
}

export async function signBearerToken(
  claims: { workerId: string | null; roles: readonly Role[] },
  secret: string,
  expiresIn: string = `${defaultTokenLifetimeSeconds}s`,
): Promise<string> {
  const jwt = new SignJWT({ roles: [...claims.roles] })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(expiresIn);
  if (claims.workerId) jwt.setSubject(claims.workerId);
  return jwt.sign(key(secret));
}
