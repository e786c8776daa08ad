import { hs256TokenVerifier } from '../../lib/auth/hs256.ts';
import { identityOfBearerClaims, type TokenPolicy } from '../../lib/auth/jwt.ts';
import type { CredentialVerifier } from './authenticator.ts';
import { jwtAlgorithmOf } from './credential.ts';

/**
 * Tokens signed with the gateway's own HS256 secret (lib/auth/jwt.ts): the embedded default's, `npm run token`'s and the
 * tests'. `sub` is the worker id and `roles` the roles, as signed: whoever holds the secret can be anyone, which is why
 * a production gateway accepts them only when JWT_SECRET is set. Verified on every request, so with node:crypto on a
 * key made once (lib/auth/hs256.ts) rather than through WebCrypto.
 */
export function hs256Verifier(secret: string, policy?: TokenPolicy): CredentialVerifier {
  const verify = hs256TokenVerifier(secret, policy);
  return {
    method: 'hs256',
    recognises: (credential) => jwtAlgorithmOf(credential) === 'HS256',
    async verify(credential) {
      const payload = verify(credential);
      // Verified just above, so its `exp` is there and a number.
      return { identity: identityOfBearerClaims(payload), expiresAt: (payload.exp as number) * 1000, method: 'hs256' };
    },
  };
}
