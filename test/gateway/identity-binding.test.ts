import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it, mock } from 'node:test';
import { IDENTITY_HEADER, SIGNATURE_HEADER } from '../../lib/auth/identity.ts';
import { loadConfig } from '../../lib/config.ts';
import { createGraphClient } from '../../lib/graph-client.ts';
import { startTestHub, testIdentitySecret, type HubHarness } from '../support/hub-harness.ts';
import { subgraphRequestChannel } from '../../gateway/subgraph-http.ts';

/** A request as it left the process: what an attacker who can read the traffic between the services would capture. */
interface Captured {
  readonly url: URL;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const validitySeconds = 5;
const clockSkewSeconds = 1;

/**
 * The identity the gateway signs for a subgraph call (and a subgraph for its call to the graph) is bound to that call:
 * its method, path and body bytes, for IDENTITY_VALIDITY_SECONDS give or take TOKEN_CLOCK_SKEW_SECONDS. Each test
 * captures a header a real caller sent, then replays it.
 */
describe('the signed identity is good for its own request only', () => {
  let harness: HubHarness;
  const captured: Captured[] = [];
  const realFetch = globalThis.fetch;

  before(async () => {
    harness = await startTestHub({
      config: loadConfig({
        IDENTITY_VALIDITY_SECONDS: String(validitySeconds),
        TOKEN_CLOCK_SKEW_SECONDS: String(clockSkewSeconds),
      }),
    });
    // The gateway's data sources send over their own keep-alive transport, which reports each request as it leaves;
    // its operations layer and the graph client call the global fetch.
    subgraphRequestChannel.subscribe(captureSubgraphRequest);
    globalThis.fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input);
      if (init?.headers && new Headers(init.headers).has(IDENTITY_HEADER)) {
        const headers = Object.fromEntries(new Headers(init.headers));
        captured.push({ url, method: init.method ?? 'GET', headers, body: String(init.body ?? '') });
      }
      return realFetch(input, init);
    };
  });
  const captureSubgraphRequest = (message: unknown) => {
    const { url, method, headers, body } = message as { url: string; method: string; headers: Record<string, string>; body: string };
    if (headers[IDENTITY_HEADER]) captured.push({ url: new URL(url), method, headers: { ...headers }, body: String(body) });
  };
  after(async () => {
    subgraphRequestChannel.unsubscribe(captureSubgraphRequest);
    globalThis.fetch = realFetch;
    mock.timers.reset();
    await harness.close();
  });

  /** The last signed request sent to `origin` + `path` since `from`. */
  const lastTo = (base: string, path: string, from: number) => {
    const { origin } = new URL(base);
    const found = captured.slice(from).filter((call) => call.url.origin === origin && call.url.pathname === path).at(-1);
    assert.ok(found, `no signed request to ${origin}${path} was captured`);
    return found;
  };

  /** Sends the captured headers (identity, signature and the rest) again, with whatever else the attacker changes. */
  const replay = (call: Captured, change: { url?: string | URL; method?: string; body?: string } = {}) => {
    const method = change.method ?? call.method;
    const body = method === 'GET' ? undefined : (change.body ?? call.body);
    return realFetch(change.url ?? call.url, { method, headers: call.headers, body });
  };

  /** The refusal's message, after checking it is a 401 UNAUTHENTICATED (GraphQL's error shape or the dead letters'). */
  const refusal = async (response: Response) => {
    assert.equal(response.status, 401);
    type Refusal = { errors?: Array<{ message: string; extensions: { code: string } }>; error?: { code: string; message: string } };
    const body = (await response.json()) as Refusal;
    const error = body.errors?.[0] ?? { message: body.error!.message, extensions: { code: body.error!.code } };
    assert.equal(error.extensions.code, 'UNAUTHENTICATED');
    return error.message;
  };

  /** Runs `replayed` with every clock of this process `seconds` ahead, then puts time back. */
  const later = async <T>(seconds: number, replayed: () => Promise<T>): Promise<T> => {
    mock.timers.enable({ apis: ['Date'], now: Date.now() + seconds * 1000 });
    try {
      return await replayed();
    } finally {
      mock.timers.reset();
    }
  };

  it('the gateway signs each subgraph call for its method, path and the SHA-256 of the exact body it sends', async () => {
    const from = captured.length;
    const { data } = await harness.query('{ customers { totalCount } }');
    assert.deepEqual(data, { customers: { totalCount: 0 } });
    const call = lastTo(harness.hub.subgraphs.crm.url, '/graphql', from);
    const claims = JSON.parse(Buffer.from(call.headers[IDENTITY_HEADER], 'base64url').toString('utf8'));
    assert.equal(claims.method, 'POST');
    assert.equal(claims.path, '/graphql');
    assert.equal(claims.bodySha256, createHash('sha256').update(call.body).digest('base64url'));
    assert.deepEqual(claims.roles, ['ADMIN']);
    assert.ok(call.headers[SIGNATURE_HEADER]);
    const unsigned = Object.keys(call.headers).filter((name) => name.includes('unsigned'));
    assert.deepEqual(unsigned, [], 'the unsigned identity stays inside the gateway');
  });

  it('a captured gateway → subgraph header is refused with another body, path or method, and after its validity', async () => {
    const from = captured.length;
    await harness.query('{ customers { totalCount } }');
    const call = lastTo(harness.hub.subgraphs.crm.url, '/graphql', from);

    // The same request again, within the validity: the one window left (README, Security: Tokens).
    const same = await replay(call);
    assert.equal(same.status, 200);
    assert.deepEqual((await same.json()).data, { customers: { totalCount: 0 } });

    const mutation = 'mutation { createCustomer(input: { name: "Replayed", code: "REPLAYED", currency: "USD" }) { id } }';
    assert.match(await refusal(await replay(call, { body: JSON.stringify({ query: mutation }) })), /another request.*body/);
    // The bytes are compared, not what they parse to.
    assert.match(await refusal(await replay(call, { body: `${call.body} ` })), /another request.*body/);
    assert.match(await refusal(await replay(call, { url: new URL('/', call.url) })), /another request.*path/);
    const withQuery = new URL('/graphql?replayed=1', call.url);
    assert.match(await refusal(await replay(call, { url: withQuery })), /another request.*path/);
    const asGet = new URL(`/graphql?query=${encodeURIComponent('{ customers { totalCount } }')}`, call.url);
    assert.match(await refusal(await replay(call, { url: asGet, method: 'GET' })), /another request/);
    // The subgraph's other endpoint, which the same identity (ADMIN) could use: not with this header.
    const deadLetters = new URL('/events/dead-letters', call.url);
    const listing = JSON.stringify({ limit: 10 });
    assert.match(await refusal(await replay(call, { url: deadLetters, body: listing })), /another request.*path/);

    const within = await later(validitySeconds - 1, () => replay(call));
    assert.equal(within.status, 200);
    await within.body?.cancel();
    assert.match(await refusal(await later(validitySeconds + clockSkewSeconds + 1, () => replay(call))), /expired/);

    const { data } = await harness.query('{ customers { totalCount } }');
    assert.deepEqual(data, { customers: { totalCount: 0 } }, 'nothing the replays asked for was done');
  });

  it("a subgraph's service identity for the graph is bound the same way at the gateway", async () => {
    const graph = createGraphClient({ service: 'time', url: () => harness.url, identitySecret: testIdentitySecret });
    const from = captured.length;
    assert.deepEqual(await graph.query('{ customers { totalCount } }', {}), { customers: { totalCount: 0 } });
    const call = lastTo(harness.url, '/graphql', from);

    const same = await replay(call);
    assert.equal(same.status, 200);
    await same.body?.cancel();
    const mutation = 'mutation { createCustomer(input: { name: "Replayed", code: "REPLAYED", currency: "USD" }) { id } }';
    assert.match(await refusal(await replay(call, { body: JSON.stringify({ query: mutation }) })), /another request.*body/);
    const withQuery = new URL('/graphql?replayed=1', call.url);
    assert.match(await refusal(await replay(call, { url: withQuery })), /another request.*path/);
    assert.match(await refusal(await later(validitySeconds + clockSkewSeconds + 1, () => replay(call))), /expired/);
  });

  it("the gateway's operations sign each dead-letter call for its own path and body", async () => {
    const from = captured.length;
    const { data, errors } = await harness.query('{ deadLetters(first: 5) { totalCount } }');
    assert.equal(errors, undefined, JSON.stringify(errors));
    assert.deepEqual(data, { deadLetters: { totalCount: 0 } });
    const call = lastTo(harness.hub.subgraphs.erp.url, '/events/dead-letters', from);

    const same = await replay(call);
    assert.equal(same.status, 200);
    await same.body?.cancel();
    assert.match(await refusal(await replay(call, { body: JSON.stringify({ limit: 1 }) })), /another request.*body/);
    const dismiss = new URL('/events/dead-letters/dismiss', call.url);
    const dismissal = JSON.stringify({ ids: [], reason: 'replayed' });
    assert.match(await refusal(await replay(call, { url: dismiss, body: dismissal })), /another request.*path/);
  });
});
