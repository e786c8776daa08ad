import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { loadConfig } from '../../lib/config.ts';
import { connectionInit } from '../support/connection-init.ts';
import { startTestHub, testJwtSecret, type HubHarness } from '../support/hub-harness.ts';

const now = () => Math.floor(Date.now() / 1000);
const hours = 3600;

/** A token with exactly these time claims (jose's helpers would add `iat` and refuse odd values). */
const tokenWith = (claims: { iat?: number; exp?: number; nbf?: number }) =>
  new SignJWT({ roles: ['ADMIN'], ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(testJwtSecret));

/**
 * Bearer tokens at every door of the gateway (/graphql, the exports, SSE, graphql-ws): they must expire, live no
 * longer than TOKEN_MAX_LIFETIME_SECONDS, and not start (`nbf`) or claim issue (`iat`) in the future beyond the skew.
 */
describe('token claims at the gateway', () => {
  let graph: HubHarness;
  before(async () => {
    // 12 h: the harness's own tokens are exactly that long, the longest a token may live here.
    const config = loadConfig({ TOKEN_MAX_LIFETIME_SECONDS: String(12 * hours), TOKEN_CLOCK_SKEW_SECONDS: '30' });
    graph = await startTestHub({ config });
  });
  after(() => graph.close());

  const post = (token: string) =>
    fetch(graph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ customers { totalCount } }' }),
    });

  const refusals = [
    { name: 'without exp', claims: () => ({ iat: now() }), claim: 'exp', says: /no "exp" claim/ },
    {
      name: 'expired',
      claims: () => ({ iat: now() - 2 * hours, exp: now() - 60 }),
      claim: 'exp',
      says: /"exp" has passed/,
    },
    {
      name: 'living longer than the maximum',
      claims: () => ({ iat: now(), exp: now() + 13 * hours }),
      claim: 'exp',
      says: /lifetime of 46800 s \("exp" - "iat"\) is longer than the 43200 s/,
    },
    {
      name: 'living longer than the maximum, without iat',
      claims: () => ({ exp: now() + 30 * 24 * hours }),
      claim: 'exp',
      says: /\("exp" - now\) is longer than the 43200 s/,
    },
    {
      name: 'with an old iat and a far exp',
      claims: () => ({ iat: now() - 365 * 24 * hours, exp: now() + hours }),
      claim: 'exp',
      says: /is longer than the 43200 s/,
    },
    {
      name: 'with nbf in the future',
      claims: () => ({ iat: now(), nbf: now() + 120, exp: now() + hours }),
      claim: 'nbf',
      says: /"nbf" is in the future/,
    },
    {
      name: 'with iat in the future',
      claims: () => ({ iat: now() + 120, exp: now() + hours }),
      claim: 'iat',
      says: /"iat" is in the future/,
    },
  ];

  for (const { name, claims, claim, says } of refusals) {
    it(`refuses a token ${name}: 401 UNAUTHENTICATED naming ${claim}`, async () => {
      const response = await post(await tokenWith(claims()));
      assert.equal(response.status, 401);
      const [error] = (await response.json()).errors;
      assert.equal(error.extensions.code, 'UNAUTHENTICATED');
      assert.equal(error.extensions.claim, claim);
      assert.match(error.message, says);
    });
  }

  it('accepts clocks that differ within the skew: nbf and iat 10 s ahead, exp 10 s past', async () => {
    const skewed = [
      { iat: now() + 10, exp: now() + hours },
      { iat: now(), nbf: now() + 10, exp: now() + hours },
      { iat: now() - hours, exp: now() - 10 },
    ];
    for (const claims of skewed) {
      const response = await post(await tokenWith(claims));
      assert.equal(response.status, 200, JSON.stringify(claims));
      assert.deepEqual((await response.json()).data, { customers: { totalCount: 0 } });
    }
  });

  // What `npm start` and `npm run token` sign by default.
  it('accepts a token of exactly the maximum lifetime', async () => {
    assert.equal((await post(await graph.token(['WORKER'], 'w-1'))).status, 200);
    const withoutIat = await tokenWith({ exp: now() + 12 * hours });
    assert.equal((await post(withoutIat)).status, 200, 'without iat, measured from now');
  });

  it('applies the same checks to the exports and to the event stream (SSE)', async () => {
    const eternal = await tokenWith({ iat: now() });
    const payroll = graph.url.replace('/graphql', '/exports/payroll.csv?from=2026-01-01&to=2026-01-31');
    const exported = await fetch(payroll, { headers: { authorization: `Bearer ${eternal}` } });
    assert.equal(exported.status, 401);
    const { error } = await exported.json();
    assert.equal(error.code, 'UNAUTHENTICATED');
    assert.match(error.message, /no "exp" claim/);

    const early = await tokenWith({ iat: now() + 120, exp: now() + hours });
    const streamed = await fetch(`${graph.url}/stream`, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${early}` },
      body: JSON.stringify({ query: 'subscription { timeEntryStatusChanged { id } }' }),
    });
    assert.equal(streamed.status, 401);
    const [streamError] = (await streamed.json()).errors;
    assert.equal(streamError.extensions.code, 'UNAUTHENTICATED');
    assert.equal(streamError.extensions.claim, 'iat');
    assert.match(streamError.message, /"iat" is in the future/);
  });

  it('applies them to graphql-ws connection_init: closed with 4401 (renew your token) and the reason', async () => {
    const notYet = await tokenWith({ iat: now(), nbf: now() + 120, exp: now() + hours });
    assert.deepEqual(await connectionInit(graph.url, notYet), {
      code: 4401,
      reason: 'invalid bearer token: "nbf" is in the future (the token is not valid yet)',
    });
    const long = await connectionInit(graph.url, await tokenWith({ iat: now(), exp: now() + 13 * hours }));
    assert.ok(long !== 'acknowledged' && long.code === 4401 && /lifetime/.test(long.reason), JSON.stringify(long));
    assert.equal(await connectionInit(graph.url, await graph.token(['WORKER'], 'w-1')), 'acknowledged');
  });
});
