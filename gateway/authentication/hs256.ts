import { decodeJwt } from 'jose';
import { verifyBearerToken, type TokenPolicy } from '../../lib/auth/jwt.ts';
import type { CredentialVerifier } from './authenticator.ts';
import { jwtAlgorithmOf } from './credential.ts';

/**
 * Tokens signed with the gateway's own HS256 secret (lib/auth/jwt.ts): the embedded default's, `npm run token`'s and the
 * tests'. `sub` is the worker id and `roles` the roles, as signed: whoever holds the secret can be anyone, which is why
 * a production gateway accepts them only when JWT_SECRET is set.
 */
export function hs256Verifier(secret: string, policy?: TokenPolicy): CredentialVerifier {
  return {
    method: 'hs256',
    recognises: (credential) => jwtAlgorithmOf(credential) === 'HS256',
    async verify(credential) {
      const identity = await verifyBearerToken(credential, secret, policy);
      // Verified just above, so its `exp` is there and can be read as it is.
      return { identity, expiresAt: decodeJwt(credential).exp! * 1000, method: 'hs256' };
    },
  };
}
