import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'graphql-ws';
import type { Role } from '../../lib/auth/identity.ts';
import type { RedisBus } from '../../lib/events/redis-bus.ts';
import type { GatewayRuntime } from '../../gateway/server.ts';
import { connectionInit } from '../support/connection-init.ts';
import { eventually } from '../support/eventually.ts';
import { secondGateway, startTestHub, type HubHarness } from '../support/hub-harness.ts';
import { liveClient } from '../support/live-client.ts';

const createKey = `mutation($input: CreateApiKeyInput!, $key: String) {
  createApiKey(input: $input, idempotencyKey: $key) {
    secret
    apiKey { id name prefix roles status expiresAt lastUsedAt createdAt worker { id name } }
  }
}`;
const revokeKey = `mutation($id: ID!) { revokeApiKey(id: $id) { id status revokedAt } }`;
const listKeys = `query($filter: ApiKeyFilter) { apiKeys(filter: $filter) { totalCount nodes { id name prefix roles status lastUsedAt revokedAt } } }`;

/** A live connection's fate: acknowledged, or closed with a code and reason. */
type Opened = { client: Client; closed: Promise<{ code: number; reason: string }> } | { code: number; reason: string };

/** A graphql-ws client of `url` with the key in `connection_init`, once it is acknowledged or closed. */
function openSocket(url: string, key: string, clients: Client[]) {
  return new Promise<Opened>((resolve) => {
    let settle: (value: { code: number; reason: string }) => void;
    const closed = new Promise<{ code: number; reason: string }>((resolveClosed) => (settle = resolveClosed));
    const client = liveClient(url, key, {
      lazy: false,
      onNonLazyError: () => undefined,
      on: {
        connected: () => resolve({ client, closed }),
        closed: (event) => {
          const { code, reason } = event as { code: number; reason: string };
          settle({ code, reason });
          resolve({ code, reason });
        },
      },
    });
    clients.push(client);
  });
}

/**
 * API keys (README "API keys") as a program uses them: created by ADMIN through the graph, shown once, sent as a bearer
 * credential on every transport, revoked or expired and then refused with the reason. The hub's clock is movable, so
 * expiry and the once-a-minute `lastUsedAt` are judged against it rather than waited for.
 */
describe('API keys through the gateway', () => {
  let graph: HubHarness;
  let offsetMs = 0;
  const clock = { now: () => new Date(Date.now() + offsetMs) };
  const clients: Client[] = [];
  const admin = { roles: ['ADMIN' as Role], workerId: null };

  before(async () => {
    graph = await startTestHub({ clock });
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await graph.close();
  });

  const ok = async (query: string, variables: Record<string, unknown> = {}, as = admin) => {
    const result = await graph.query(query, variables, as);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data;
  };
  const issue = async (input: Record<string, unknown>, idempotencyKey?: string) =>
    (await ok(createKey, { input, key: idempotencyKey })).createApiKey as { secret: string; apiKey: Record<string, any> };
  /** POSTs to /graphql with the key as the bearer credential. */
  const withKey = async (key: string, query: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(graph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as { data?: any; errors?: any[] } };
  };
  const exportWith = (key: string, path: string) => fetch(graph.url.replace('/graphql', path), { headers: { authorization: `Bearer ${key}` } });
  const sse = (key: string, signal?: AbortSignal) =>
    fetch(graph.url.replace(/\/graphql$/, '/graphql/stream'), {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: `subscription { timeEntryStatusChanged { id } }` }),
      signal,
    });
  it('answers the secret once: createApiKey shows it, apiKeys never does, a replayed idempotency key answers null', async () => {
    const created = await issue({ name: 'Power BI refresh', roles: ['FINANCE'] }, 'bi-key-1');
    assert.match(created.secret, /^psgk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.apiKey.prefix, created.secret.slice(0, 13));
    assert.deepEqual(
      { name: created.apiKey.name, roles: created.apiKey.roles, status: created.apiKey.status, worker: created.apiKey.worker },
      { name: 'Power BI refresh', roles: ['FINANCE'], status: 'ACTIVE', worker: null },
    );
    const replayed = await issue({ name: 'Power BI refresh', roles: ['FINANCE'] }, 'bi-key-1');
    assert.equal(replayed.apiKey.id, created.apiKey.id, 'the same key');
    assert.equal(replayed.secret, null, 'its secret is not kept, so not shown again');
    const listing = await ok(listKeys);
    assert.ok(listing.apiKeys.nodes.some((key: any) => key.id === created.apiKey.id));
    assert.ok(!JSON.stringify(listing).includes(created.secret.slice(14)), 'no secret in the listing');
    const stored = await graph.hub.subgraphs.hcm.database.db.selectFrom('api_key').selectAll().where('id', '=', created.apiKey.id).executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(stored).includes(created.secret.slice(14)), 'hcm keeps a hash, not the secret');
    const idempotency = await graph.hub.subgraphs.hcm.database.db.selectFrom('idempotency_key').selectAll().execute();
    assert.ok(!JSON.stringify(idempotency).includes(created.secret.slice(14)), 'nor does the idempotency record');
  });

  it('is ADMIN only: FINANCE may not create, list or revoke keys', async () => {
    const finance = { roles: ['FINANCE' as Role], workerId: null };
    const { apiKey } = await issue({ name: 'finance cannot touch this', roles: ['WORKER'] });
    for (const [query, variables] of [
      [createKey, { input: { name: 'x', roles: ['FINANCE'] } }],
      [listKeys, {}],
      [revokeKey, { id: apiKey.id }],
    ] as const) {
      const result = await graph.query(query, variables, finance);
      assert.equal(result.errors?.[0].extensions?.code, 'FORBIDDEN', query);
    }
    const refused = await graph.query(createKey, { input: { name: 'x', roles: [] } });
    assert.equal(refused.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    const past = await graph.query(createKey, { input: { name: 'x', roles: ['FINANCE'], expiresAt: '2020-01-01T00:00:00Z' } });
    assert.equal(past.errors?.[0].extensions?.field, 'expiresAt');
  });

  it('a read-only FINANCE key reads as FINANCE and is FORBIDDEN from ADMIN mutations, its own kind included', async () => {
    const { secret } = await issue({ name: 'BI read-only', roles: ['FINANCE'] });
    const read = await withKey(secret, `{ me { id } legalEntities { totalCount } }`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, { data: { me: null, legalEntities: { totalCount: 0 } } });
    for (const mutation of [
      `mutation { createLegalEntity(input: { code: "X", name: "X", country: "GB", currency: "GBP" }) { id } }`,
      `mutation { createApiKey(input: { name: "escalate", roles: [ADMIN] }) { secret } }`,
    ]) {
      const refused = await withKey(secret, mutation);
      assert.equal(refused.body.errors?.[0].extensions?.code, 'FORBIDDEN', mutation);
    }
    assert.equal((await ok(`{ legalEntities { totalCount } }`)).legalEntities.totalCount, 0, 'nothing was created');
  });

  it('each key is a caller of its own: two keys of the same roles do not share idempotency keys', async () => {
    const first = (await issue({ name: 'integration A', roles: ['ADMIN'] })).secret;
    const second = (await issue({ name: 'integration B', roles: ['ADMIN'] })).secret;
    const create = (name: string) => `mutation { createApiKey(input: { name: "${name}", roles: [WORKER] }, idempotencyKey: "nightly-1") { apiKey { id name } } }`;
    const fromFirst = await withKey(first, create('made by A'));
    const fromSecond = await withKey(second, create('made by B'));
    assert.equal(fromFirst.body.errors, undefined, JSON.stringify(fromFirst.body.errors));
    assert.equal(fromSecond.body.errors, undefined, 'the same key from another caller is another operation');
    assert.notEqual(fromSecond.body.data.createApiKey.apiKey.id, fromFirst.body.data.createApiKey.apiKey.id);
    const retried = await withKey(first, create('made by A'));
    assert.equal(retried.body.data.createApiKey.apiKey.id, fromFirst.body.data.createApiKey.apiKey.id, 'a retry by the same key replays');
  });

  it('is accepted by the exports', async () => {
    const { secret } = await issue({ name: 'payroll middleware', roles: ['FINANCE'] });
    const payroll = await exportWith(secret, '/exports/payroll.csv?from=2026-01-01&to=2026-01-31');
    assert.equal(payroll.status, 200, await payroll.clone().text());
    assert.match(payroll.headers.get('content-type')!, /^text\/csv/);
    const entries = await exportWith(secret, '/exports/time-entries.csv');
    assert.equal(entries.status, 200);
    assert.match(await entries.text(), /^id,/);
  });

  it('is accepted on graphql-ws and /graphql/stream; a revocation refuses it at once everywhere and closes both', async () => {
    const { secret, apiKey } = await issue({ name: 'live dashboard', roles: ['ADMIN'] });
    const socket = await openSocket(graph.url, secret, clients);
    assert.ok('client' in socket, `connected: ${JSON.stringify(socket)}`);
    const results: unknown[] = [];
    socket.client.subscribe({ query: `subscription { timeEntryStatusChanged { id } }` }, {
      next: (value) => void results.push(value),
      // The socket's close, below.
      error: () => undefined,
      complete: () => undefined,
    });
    const stream = await sse(secret);
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
    await eventually(async () => assert.equal(graph.hub.gateway.live!.subscriberCount, 2));

    await ok(revokeKey, { id: apiKey.id });
    const refused = await withKey(secret, `{ legalEntities { totalCount } }`);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.errors?.[0].extensions?.code, 'UNAUTHENTICATED');
    assert.equal(refused.body.errors?.[0].extensions?.reason, 'revoked');
    assert.match(refused.body.errors![0].message, new RegExp(`API key ${apiKey.prefix} was revoked`));
    assert.equal((await exportWith(secret, '/exports/time-entries.csv')).status, 401);
    assert.equal((await sse(secret)).status, 401);
    const again = await connectionInit(graph.url, secret);
    assert.equal((again as { code: number }).code, 4401, 'renew: this key will not do any more');

    assert.deepEqual(await socket.closed.then(({ code }) => code), 4401, 'the open socket is closed');
    const text = await stream.text();
    assert.ok(!text.includes('"data"'), 'the open stream ended without results');
    await eventually(async () => assert.equal(graph.hub.gateway.live!.subscriberCount, 0));
    assert.deepEqual(results, [], 'a subscription that was accepted, then ended');
    const [listed] = (await ok(listKeys, { filter: { status: 'REVOKED' } })).apiKeys.nodes.filter((key: any) => key.id === apiKey.id);
    assert.equal(listed.status, 'REVOKED');
    assert.deepEqual(await ok(revokeKey, { id: apiKey.id }).then((data) => data.revokeApiKey.revokedAt), listed.revokedAt, 'revoking again changes nothing');
  });

  it('an expired key is refused with the reason; lastUsedAt is written at most once a minute', async () => {
    const expiresAt = new Date(clock.now().getTime() + 60 * 60_000).toISOString();
    const { secret, apiKey } = await issue({ name: 'nightly export', roles: ['FINANCE'], expiresAt });
    assert.equal(apiKey.expiresAt, expiresAt);
    const lastUsed = async () => (await ok(listKeys)).apiKeys.nodes.find((key: any) => key.id === apiKey.id).lastUsedAt as string | null;
    assert.equal(await lastUsed(), null);
    assert.equal((await withKey(secret, `{ legalEntities { totalCount } }`)).status, 200);
    const first = await lastUsed();
    assert.ok(first);
    offsetMs += 30_000;
    assert.equal((await withKey(secret, `{ legalEntities { totalCount } }`)).status, 200);
    assert.equal(await lastUsed(), first, 'not written again within the minute');
    offsetMs += 31_000;
    assert.equal((await withKey(secret, `{ legalEntities { totalCount } }`)).status, 200);
    assert.ok((await lastUsed())! > first, 'written again a minute later');

    offsetMs += 60 * 60_000;
    const refused = await withKey(secret, `{ legalEntities { totalCount } }`);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.errors?.[0].extensions?.reason, 'expired');
    assert.match(refused.body.errors![0].message, new RegExp(`expired at ${expiresAt.replace(/[.]/g, '\\.')}`));
    const expired = (await ok(listKeys, { filter: { status: 'EXPIRED' } })).apiKeys.nodes.map((key: any) => key.id);
    assert.ok(expired.includes(apiKey.id));
  });

  it('a key acting for a worker answers `me` as them, and stops when they are no longer active', async () => {
    const { worker, terminate } = await hireWorker(graph, clock.now().toISOString().slice(0, 10));
    const { secret, apiKey } = await issue({ name: 'payroll bridge', roles: ['WORKER'], workerId: worker });
    assert.equal(apiKey.worker.id, worker);
    const me = await withKey(secret, `{ me { id } }`);
    assert.deepEqual(me.body, { data: { me: { id: worker } } });
    await terminate();
    offsetMs += 2 * 24 * 60 * 60_000;
    const refused = await withKey(secret, `{ me { id } }`);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.errors?.[0].extensions?.reason, 'worker_inactive');
  });

  it('refuses a made-up or tampered key without saying whether it exists', async () => {
    const { secret } = await issue({ name: 'tamper', roles: ['FINANCE'] });
    const tampered = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    const unknownId = `psgk_${'0'.repeat(32)}_${secret.slice(-43)}`;
    for (const key of [tampered, unknownId]) {
      const refused = await withKey(key, `{ legalEntities { totalCount } }`);
      assert.equal(refused.status, 401);
      assert.deepEqual(refused.body.errors?.[0].message, 'unknown API key');
    }
    assert.equal((await withKey('psgk_nope', `{ me { id } }`)).body.errors?.[0].extensions?.reason, 'malformed');
  });
});

/** A worker made through the graph (an empty hcm has nothing to hang one on), and how to end their employment today. */
async function hireWorker(graph: HubHarness, today: string) {
  const run = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await graph.query(query, variables);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return Object.values(result.data as Record<string, { id: string }>)[0].id;
  };
  const suffix = Math.random().toString(36).slice(2, 8).toUpperCase();
  const legalEntityId = await run(`mutation($c: String!) { createLegalEntity(input: { code: $c, name: "Acme", country: "GB", currency: "GBP" }) { id } }`, { c: `LE${suffix}` });
  const costCenterId = await run(`mutation($l: ID!) { createCostCenter(input: { code: "OPS", name: "Ops", legalEntityId: $l }) { id } }`, { l: legalEntityId });
  const roleId = await run(`mutation($c: String!) { createRole(input: { code: $c, name: "Consultant", targetUtilization: "75.00" }) { id } }`, { c: `R${suffix}` });
  const calendarId = await run(`mutation { createWorkCalendar(input: { name: "Week", hoursPerDay: "8.00", workingDays: [1, 2, 3, 4, 5] }) { id } }`);
  const worker = await run(
    `mutation($input: CreateWorkerInput!) { createWorker(input: $input) { id } }`,
    {
      input: {
        employeeNumber: `E${suffix}`, name: 'Grace Hopper', email: `grace.${suffix.toLowerCase()}@example.com`, kind: 'EMPLOYEE',
        roleId, costCenterId, legalEntityId, location: 'London', calendarId, hireDate: '2020-01-01',
      },
    },
  );
  const terminate = () => run(`mutation($id: ID!, $d: Date!) { updateWorker(id: $id, input: { terminationDate: $d }) { id } }`, { id: worker, d: today });
  return { worker, terminate };
}

/**
 * Two gateway instances of one deployment over one Redis stream: a key is checked with hcm on every request, so a
 * revocation is refused by both from the next request on; each hears `hcm.api_key.revoked` in its own consumer group
 * and closes the live connections the key opened on it.
 */
describe('API keys on two gateway instances over one Redis stream', { skip: !process.env.REDIS_URL && 'needs REDIS_URL' }, () => {
  let graph: HubHarness;
  let second: GatewayRuntime;
  let secondBus: RedisBus;
  let secondUrl = '';
  const clients: Client[] = [];

  before(async () => {
    graph = await startTestHub();
    ({ gateway: second, bus: secondBus } = secondGateway(graph, { subscriptions: { group: 'gateway.live.second' } }));
    secondUrl = await second.listen(0);
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await second.stop();
    await secondBus.close();
    await graph.close();
  });

  it('both refuse a revoked key at once, and each closes the sockets it opened', async () => {
    const created = await graph.query(createKey, { input: { name: 'two instances', roles: ['ADMIN'] } });
    const { secret, apiKey } = created.data.createApiKey;
    const query = (url: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({ query: `{ apiKeys { totalCount } }` }),
      });
    for (const url of [graph.url, secondUrl]) assert.equal((await query(url)).status, 200, url);
    const subscribedSocket = async (url: string) => {
      const socket = await openSocket(url, secret, clients);
      assert.ok('client' in socket, url);
      socket.client.subscribe({ query: `subscription { timeEntryStatusChanged { id } }` }, { next: () => undefined, error: () => undefined, complete: () => undefined });
      // Wrapped: an async function's returned promise would be awaited with it.
      return { closed: socket.closed.then(({ code }) => code) };
    };
    const sockets = [await subscribedSocket(graph.url), await subscribedSocket(secondUrl)];
    await eventually(async () => assert.equal(graph.hub.gateway.live!.subscriberCount + second.live!.subscriberCount, 2));

    const revoked = await graph.query(revokeKey, { id: apiKey.id });
    assert.equal(revoked.errors, undefined);
    for (const url of [graph.url, secondUrl]) {
      const refused = await query(url);
      assert.equal(refused.status, 401, url);
      assert.equal(((await refused.json()) as any).errors[0].extensions.reason, 'revoked');
    }
    assert.deepEqual(await Promise.all(sockets.map((socket) => socket.closed)), [4401, 4401]);
  });
});
