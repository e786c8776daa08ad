import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signIdentity } from '../../lib/auth/identity.ts';
import { signBearerToken } from '../../lib/auth/jwt.ts';
import { startTestHub, testIdentitySecret, type HubHarness } from '../support/hub-harness.ts';

describe('identity at the gateway and the subgraphs', () => {
  let harness: HubHarness;
  before(async () => {
    harness = await startTestHub();
  });
  after(() => harness.close());

  const post = (url: string, headers: Record<string, string>, query = '{ customers { totalCount } }') =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });

  it('answers a request with a valid token and echoes the correlation id', async () => {
    const response = await post(harness.url, { authorization: `Bearer ${await harness.token(['WORKER'], 'w-1')}`, 'x-correlation-id': 'corr-42' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-correlation-id'), 'corr-42');
    assert.deepEqual((await response.json()).data, { customers: { totalCount: 0 } });
  });

  it('refuses a request without a token, with a forged token and with an expired token (401 UNAUTHENTICATED)', async () => {
    const forged = await signBearerToken({ workerId: 'w-1', roles: ['ADMIN'] }, 'not-the-secret');
    const expired = await signBearerToken({ workerId: 'w-1', roles: ['ADMIN'] }, 'test-jwt-secret', '-1m');
    const attempts: Array<Record<string, string>> = [{}, { authorization: `Bearer ${forged}` }, { authorization: `Bearer ${expired}` }, { authorization: 'Basic abc' }];
    for (const headers of attempts) {
      const response = await post(harness.url, headers);
      assert.equal(response.status, 401);
      assert.equal((await response.json()).errors[0].extensions.code, 'UNAUTHENTICATED');
    }
  });

  it('a subgraph refuses a request that the gateway did not sign', async () => {
    const crmUrl = harness.hub.subgraphs.crm.url;
    const request = { method: 'POST', url: crmUrl, body: JSON.stringify({ query: '{ customers { totalCount } }' }) };
    const unsigned = await post(crmUrl, {});
    assert.equal(unsigned.status, 401);
    const forged = await post(crmUrl, signIdentity({ workerId: null, roles: ['ADMIN'] }, 'attacker-secret', request));
    assert.equal(forged.status, 401);
    const stale = await post(crmUrl, signIdentity({ workerId: null, roles: ['ADMIN'] }, testIdentitySecret, request, Date.now() - 60 * 60_000));
    assert.equal(stale.status, 401);
    const tampered = signIdentity({ workerId: 'w-1', roles: ['WORKER'] }, testIdentitySecret, request);
    const claims = JSON.parse(Buffer.from(tampered['x-psgraph-identity'], 'base64url').toString('utf8'));
    tampered['x-psgraph-identity'] = Buffer.from(JSON.stringify({ ...claims, roles: ['ADMIN'] })).toString('base64url');
    assert.equal((await post(crmUrl, tampered)).status, 401);
    const signed = await post(crmUrl, signIdentity({ workerId: null, roles: ['ADMIN'] }, testIdentitySecret, request));
    assert.equal(signed.status, 200);
  });

  it('forwards the role: a WORKER cannot write master data, FINANCE can', async () => {
    const mutation = `mutation { createCustomer(input: { name: "Hooli", code: "HOOLI", currency: "USD" }) { name } }`;
    const denied = await harness.query(mutation, {}, { roles: ['WORKER'], workerId: 'w-1' });
    assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN');
    const allowed = await harness.query(mutation, {}, { roles: ['FINANCE'], workerId: 'w-2' });
    assert.deepEqual(allowed.data, { createCustomer: { name: 'Hooli' } });
  });

  it('serves /healthz and /readyz', async () => {
    const base = harness.url.replace('/graphql', '');
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    const body = await ready.json();
    assert.ok(Object.values(body.subgraphs).every((status) => status === 'ok'));
  });
});
