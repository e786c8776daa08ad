import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Role } from '../../lib/auth/identity.ts';
import { signBearerToken } from '../../lib/auth/jwt.ts';
import { loadConfig } from '../../lib/config.ts';
import { RedisBus } from '../../lib/events/redis-bus.ts';
import type { GatewayRuntime } from '../../gateway/server.ts';
import { defaultRateLimits, RateLimit } from '../../gateway/rate-limit.ts';
import { secondGateway, startTestHub, testJwtSecret, type HubHarness } from '../support/hub-harness.ts';

/** Cost 0 (one point, the floor of 1 configured here) and cost 41 (a page of 40 projects and its connection). */
const cheap = '{ __typename }';
const costly = '{ projects(first: 40) { nodes { code } } }';

async function post(url: string, query: string, token: string | null) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as any;
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
}

const tokenOf = (roles: Role[], workerId: string | null = randomUUID()) =>
  signBearerToken({ workerId, roles }, testJwtSecret);

/** Sends `query` until the first 429 (or `max` requests): how many were served, and the refusal. */
async function untilRefused(url: string, query: string, token: string | null, max: number) {
  for (let served = 0; served < max; served++) {
    const answer = await post(url, query, token);
    if (answer.status === 429) return { served, refusal: answer };
  }
  return { served: max, refusal: null };
}

function assertRateLimited(refusal: Awaited<ReturnType<typeof post>> | null) {
  assert.ok(refusal, 'refused');
  assert.equal(refusal.status, 429);
  const seconds = Number(refusal.retryAfter);
  assert.ok(Number.isInteger(seconds) && seconds >= 1 && seconds <= 60, `Retry-After ${refusal.retryAfter}`);
  assert.equal(refusal.body.data, undefined);
  assert.equal(refusal.body.errors.length, 1);
  assert.equal(refusal.body.errors[0].extensions.code, 'RATE_LIMITED');
  assert.equal(refusal.body.errors[0].extensions.retryAfterSeconds, seconds);
  assert.equal(refusal.body.errors[0].extensions.http, undefined);
}

describe('rate limits (gateway/rate-limit.ts)', () => {
  let graph: HubHarness;

  before(async () => {
    const config = loadConfig({
      RATE_LIMIT_POINTS_PER_MINUTE: '100',
      RATE_LIMIT_POINTS_PER_MINUTE_FINANCE: '200',
      RATE_LIMIT_MIN_POINTS_PER_REQUEST: '1',
      RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: '3',
    });
    graph = await startTestHub({ config });
  });
  after(async () => {
    await graph?.close();
  });

  it('refuses an identity past its points (429, RATE_LIMITED, Retry-After); another one is still served', async () => {
    const worker = await tokenOf(['WORKER']);
    const { served, refusal } = await untilRefused(graph.url, cheap, worker, 150);
    assert.equal(served, 100, 'a cheap request costs one point (the configured floor)');
    assertRateLimited(refusal);
    assert.match(refusal!.body.errors[0].message, /at most 100 cost points a minute/);
    const other = await post(graph.url, cheap, await tokenOf(['WORKER']));
    assert.equal(other.status, 200);
    assert.equal(other.body.data.__typename, 'Query');
  });

  it('weighs a request by its estimated cost', async () => {
    const { served, refusal } = await untilRefused(graph.url, costly, await tokenOf(['WORKER']), 150);
    assert.equal(served, 2, 'two of cost 41 fit in 100 points, a third does not');
    assertRateLimited(refusal);
  });

  it('gives a caller the largest budget of its roles', async () => {
    const { served } = await untilRefused(graph.url, cheap, await tokenOf(['WORKER', 'FINANCE']), 250);
    assert.equal(served, 200);
  });

  it('limits requests without a valid token per IP address, and still serves a valid token from there', async () => {
    for (let attempt = 0; attempt < 2; attempt++) assert.equal((await post(graph.url, cheap, null)).status, 401);
    assert.equal((await post(graph.url, cheap, 'not-a-token')).status, 401);
    assertRateLimited(await post(graph.url, cheap, null));
    assertRateLimited(await post(graph.url, cheap, 'not-a-token'));
    assert.equal((await post(graph.url, cheap, await tokenOf(['WORKER']))).status, 200);
  });

  it('does not limit subgraphs reading the graph as themselves', async () => {
    const limit = new RateLimit({ limits: { pointsPerMinute: 1 } });
    const service = { workerId: null, roles: ['ADMIN' as const], service: 'time' };
    for (let call = 0; call < 5; call++) assert.equal(await limit.refuse(service, 'x', 1000), null);
    assert.equal(await limit.refuse({ workerId: 'w', roles: ['WORKER'] }, 'x', 1), null);
    assert.ok(await limit.refuse({ workerId: 'w', roles: ['WORKER'] }, 'x', 1));
  });

  it('reads settings, and has defaults that stop 400 cheap requests in a row', () => {
    const { rateLimits } = loadConfig({ RATE_LIMIT_POINTS_PER_MINUTE_ADMIN: '5', TRUSTED_PROXY: 'true' });
    assert.deepEqual(rateLimits.pointsPerMinuteByRole, { ADMIN: 5 });
    assert.equal(rateLimits.trustedProxy, true);
    const floorOfZero = () => loadConfig({ RATE_LIMIT_MIN_POINTS_PER_REQUEST: '0' });
    assert.throws(floorOfZero, /RATE_LIMIT_MIN_POINTS_PER_REQUEST must be a positive integer/);
    const { pointsPerMinute, minPointsPerRequest } = defaultRateLimits;
    assert.ok(pointsPerMinute / minPointsPerRequest < 400);
  });

  it('takes the address from X-Forwarded-For only behind a trusted proxy', () => {
    const req = { socket: { remoteAddress: '10.0.0.1' }, headers: { 'x-forwarded-for': '203.0.113.9, 198.51.100.7' } };
    assert.equal(new RateLimit().clientAddress(req), '10.0.0.1');
    assert.equal(new RateLimit({ limits: { trustedProxy: true } }).clientAddress(req), '198.51.100.7');
  });
});

const withRedis = { skip: !process.env.REDIS_URL && 'needs REDIS_URL' };

describe('rate limits shared by two gateway instances over one Redis', withRedis, () => {
  let graph: HubHarness;
  let second: GatewayRuntime;
  let secondBus: RedisBus;
  let secondUrl = '';
  const config = loadConfig({ RATE_LIMIT_POINTS_PER_MINUTE: '10', RATE_LIMIT_MIN_POINTS_PER_REQUEST: '1' });

  before(async () => {
    graph = await startTestHub({ config });
    // The same stream (its name prefixes the buckets' keys, unique to this run): the same deployment.
    ({ gateway: second, bus: secondBus } = secondGateway(graph, { rateLimits: config.rateLimits }));
    secondUrl = await second.listen(0);
  });
  after(async () => {
    await second?.stop();
    await secondBus?.close();
    await graph?.close();
  });

  it('draws one identity\'s requests on either instance from one bucket', async () => {
    const token = await tokenOf(['WORKER']);
    for (let request = 0; request < 10; request++) {
      const answer = await post(request % 2 ? secondUrl : graph.url, cheap, token);
      assert.equal(answer.status, 200, `request ${request + 1}`);
    }
    assertRateLimited(await post(graph.url, cheap, token));
    assertRateLimited(await post(secondUrl, cheap, token));
    assert.equal((await post(secondUrl, cheap, await tokenOf(['WORKER']))).status, 200);
  });
});
