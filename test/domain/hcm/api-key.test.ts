import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatApiKey, parseApiKey } from '../../../lib/auth/api-key.ts';
import {
  apiKeyStatus,
  checkApiKeyRoles,
  hashApiKeySecret,
  lastUseIsStale,
  refusalOf,
  secretMatches,
  type ApiKeyState,
} from '../../../subgraphs/hcm/domain/api-key.ts';

const now = new Date('2026-06-15T12:00:00Z');
const at = (iso: string) => new Date(iso);
const key = (state: Partial<ApiKeyState> = {}): ApiKeyState => ({ prefix: 'psgk_0123abcd', expiresAt: null, revokedAt: null, ...state });

describe('the API key format', () => {
  const parts = { keyId: '0f3a9c1e-2b4d-4e6f-8a0b-1c2d3e4f5a6b', secret: 'A'.repeat(42) + '-' };
  it('round-trips the key id and secret', () => assert.deepEqual(parseApiKey(formatApiKey(parts)), parts));
  for (const credential of ['', 'psgk_', `psgk_${'0'.repeat(31)}_${'A'.repeat(43)}`, `psgk_${'0'.repeat(32)}_${'A'.repeat(42)}`, `psgx_${'0'.repeat(32)}_${'A'.repeat(43)}`, 'eyJhbGciOiJIUzI1NiJ9.e30.x']) {
    it(`refuses ${JSON.stringify(credential.slice(0, 20))}…`, () => assert.equal(parseApiKey(credential), null));
  }
});

describe('secretMatches', () => {
  const stored = hashApiKeySecret('the secret');
  it('accepts the secret whose hash is stored', () => assert.equal(secretMatches('the secret', stored), true));
  it('refuses any other', () => assert.equal(secretMatches('the secreT', stored), false));
  it('refuses against a malformed stored hash instead of throwing', () => assert.equal(secretMatches('the secret', 'short'), false));
});

describe('apiKeyStatus and refusalOf', () => {
  const cases: Array<{ name: string; state: ApiKeyState; worker: { active: boolean } | null; status: string; reason: string | null }> = [
    { name: 'no expiry', state: key(), worker: null, status: 'ACTIVE', reason: null },
    { name: 'expires later', state: key({ expiresAt: at('2026-06-15T12:00:01Z') }), worker: null, status: 'ACTIVE', reason: null },
    { name: 'expires now', state: key({ expiresAt: now }), worker: null, status: 'EXPIRED', reason: 'expired' },
    { name: 'revoked', state: key({ revokedAt: at('2026-06-01T00:00:00Z') }), worker: null, status: 'REVOKED', reason: 'revoked' },
    {
      name: 'revoked and expired: revoked',
      state: key({ revokedAt: at('2026-06-01T00:00:00Z'), expiresAt: at('2026-06-02T00:00:00Z') }),
      worker: null,
      status: 'REVOKED',
      reason: 'revoked',
    },
    { name: 'for an active worker', state: key(), worker: { active: true }, status: 'ACTIVE', reason: null },
    { name: 'for a worker no longer active', state: key(), worker: { active: false }, status: 'ACTIVE', reason: 'worker_inactive' },
  ];
  for (const { name, state, worker, status, reason } of cases) {
    it(`${name}: ${status}, ${reason ?? 'accepted'}`, () => {
      assert.equal(apiKeyStatus(state, now), status);
      const refusal = refusalOf(state, now, worker);
      assert.equal(refusal?.details.reason ?? null, reason);
      if (refusal) assert.equal(refusal.code, 'UNAUTHENTICATED');
    });
  }
});

describe('checkApiKeyRoles', () => {
  it('keeps each role once', () => assert.deepEqual(checkApiKeyRoles(['FINANCE', 'FINANCE', 'WORKER']), ['FINANCE', 'WORKER']));
  it('needs one', () => assert.throws(() => checkApiKeyRoles([]), { code: 'BAD_USER_INPUT' }));
  it('knows only psgraph roles', () => assert.throws(() => checkApiKeyRoles(['ROOT']), { code: 'BAD_USER_INPUT' }));
});

describe('lastUseIsStale: lastUsedAt is written at most once a minute', () => {
  const cases: Array<[string | null, boolean]> = [
    [null, true],
    ['2026-06-15T11:59:00.001Z', false],
    ['2026-06-15T11:59:00.000Z', true],
  ];
  for (const [lastUsedAt, stale] of cases) {
    it(`last used ${lastUsedAt ?? 'never'}: ${stale ? 'write' : 'keep'}`, () => assert.equal(lastUseIsStale(lastUsedAt ? at(lastUsedAt) : null, now), stale));
  }
});
