import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignJWT, base64url, jwtVerify } from 'jose';
import { hs256TokenVerifier } from '../../lib/auth/hs256.ts';
import { DomainError } from '../../lib/errors.ts';

const secret = 'hs256-verifier-test-secret';
const key = new TextEncoder().encode(secret);
const policy = { maxLifetimeSeconds: 24 * 3600, clockSkewSeconds: 30 };

/** A token signed with the secret over exactly this header and payload text (jose would refuse to make the odd ones). */
const handMade = (header: object, payload: string) => {
  const signed = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(payload)}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
};

/**
 * The gateway verifies its own HS256 tokens with node:crypto (lib/auth/hs256.ts) instead of jose: for every token jose
 * accepts it must accept, for every token jose refuses it must refuse, with the claim named as before.
 */
describe('HS256 tokens verified with node:crypto accept and refuse what jose does', () => {
  const now = Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'HS256' }) =>
    new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key);
  const cases: Array<{ name: string; token: () => Promise<string> | string; claim?: string }> = [
    { name: 'valid', token: () => sign({ sub: 'w-1', roles: ['WORKER'], iat: now, exp: now + 60 }) },
    { name: 'without exp', token: () => sign({ iat: now }), claim: 'exp' },
    { name: 'expired beyond the skew', token: () => sign({ iat: now - 100, exp: now - 31 }), claim: 'exp' },
    { name: 'expired within the skew', token: () => sign({ iat: now - 100, exp: now - 29 }) },
    { name: 'nbf beyond the skew', token: () => sign({ nbf: now + 31, exp: now + 60 }), claim: 'nbf' },
    { name: 'nbf within the skew', token: () => sign({ nbf: now + 29, exp: now + 60 }) },
    { name: 'exp not a number', token: () => sign({ exp: String(now + 60) }), claim: 'exp' },
    { name: 'iat not a number', token: () => sign({ iat: 'now', exp: now + 60 }), claim: 'iat' },
    { name: 'another algorithm (HS384)', token: () => sign({ exp: now + 60 }, { alg: 'HS384' }), claim: 'alg' },
    { name: 'alg none', token: () => `${base64url.encode('{"alg":"none"}')}.${base64url.encode(JSON.stringify({ exp: now + 60 }))}.`, claim: 'alg' },
    { name: 'crit b64 with b64 true', token: () => sign({ exp: now + 60 }, { alg: 'HS256', crit: ['b64'], b64: true }) },
    { name: 'crit naming an unknown extension', token: () => handMade({ alg: 'HS256', crit: ['foo'], foo: 1 }, JSON.stringify({ exp: now + 60 })) },
    { name: 'unencoded payload', token: () => handMade({ alg: 'HS256', crit: ['b64'], b64: false }, JSON.stringify({ exp: now + 60 })) },
    { name: 'claims not an object', token: () => handMade({ alg: 'HS256' }, '[1]') },
    { name: 'claims not JSON', token: () => handMade({ alg: 'HS256' }, 'nope') },
    { name: 'a changed signature', token: async () => `${(await sign({ exp: now + 60 })).slice(0, -2)}AA` },
    { name: 'signed with another secret', token: () => new SignJWT({ exp: now + 60 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('other')) },
    { name: 'not a compact JWS', token: () => 'a.b' },
  ];
  const verify = hs256TokenVerifier(secret, policy);

  for (const { name, token, claim } of cases) {
    it(name, async () => {
      const jwt = await token();
      const byJose = await jwtVerify(jwt, key, { algorithms: ['HS256'], requiredClaims: ['exp'], clockTolerance: policy.clockSkewSeconds }).then(
        ({ payload }) => payload,
        () => null,
      );
      if (byJose) {
        assert.deepEqual(verify(jwt), byJose);
        return;
      }
      assert.throws(
        () => verify(jwt),
        (error: unknown) => error instanceof DomainError && error.code === 'UNAUTHENTICATED' && (claim === undefined || error.details.claim === claim),
      );
    });
  }

  it('refuses a lifetime longer than the policy allows, as verifyJwt does', () => {
    assert.throws(() => verify(handMade({ alg: 'HS256' }, JSON.stringify({ iat: now, exp: now + 25 * 3600 }))), /lifetime of 90000 s/);
  });
});
