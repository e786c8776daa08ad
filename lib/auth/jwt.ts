import { SignJWT, jwtVerify } from 'jose';
import { DomainError } from '../errors.ts';
import { roles, type Identity, type Role } from './identity.ts';

const key = (secret: string) => new TextEncoder().encode(secret);

/** A client's bearer token → its identity. Only HS256 is accepted; `sub` is the worker id, `roles` the role list. */
export async function verifyBearerToken(token: string, secret: string): Promise<Identity> {
  try {
    const { payload } = await jwtVerify(token, key(secret), { algorithms: ['HS256'] });
    const claimed = Array.isArray(payload.roles) ? payload.roles : [];
    const valid = claimed.filter((role): role is Role => (roles as readonly unknown[]).includes(role));
    return { workerId: typeof payload.sub === 'string' ? payload.sub : null, roles: valid };
  } catch (error) {
    throw new DomainError('UNAUTHENTICATED', `invalid bearer token: ${(error as Error).message}`);
  }
}

export async function signBearerToken(
  claims: { workerId: string | null; roles: readonly Role[] },
  secret: string,
  expiresIn = '12h',
): Promise<string> {
  const jwt = new SignJWT({ roles: [...claims.roles] }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(expiresIn);
  if (claims.workerId) jwt.setSubject(claims.workerId);
  return jwt.sign(key(secret));
}
