import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { loadConfig } from '../../lib/config.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

const portal = 'https://portal.example.com';
const devServer = 'http://localhost:5173';
const stranger = 'https://evil.example';

const corsHeadersOf = (response: Response) =>
  [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));

const json = { 'content-type': 'application/json' };

/** A query as a page of `origin` would POST it (fetch sends Origin on every cross-origin POST). */
const postAs = (url: string, origin: string, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { origin, ...json, ...headers },
    body: JSON.stringify({ query: '{ customers { totalCount } }' }),
  });

const preflight = (url: string, origin: string, method = 'POST') =>
  fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization, content-type',
    },
  });

/** Opens a WebSocket as a browser page of `origin` would (or a server, without one): 'open' or the HTTP status. */
function upgrade(url: string, origin?: string): Promise<'open' | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws', origin ? { origin } : {});
    socket.on('open', () => {
      socket.close();
      resolve('open');
    });
    socket.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode!);
      res.resume();
    });
    socket.on('error', (error) => (/Unexpected server response/.test(error.message) ? undefined : reject(error)));
  });
}

/** CORS_ORIGINS at the gateway: preflights, the headers of actual responses, and Origin on the WebSocket upgrade. */
describe('CORS and Origin with CORS_ORIGINS set', () => {
  let graph: HubHarness;
  before(async () => {
    graph = await startTestHub({ config: loadConfig({ CORS_ORIGINS: `${portal}, ${devServer}/` }) });
  });
  after(() => graph.close());

  const base = () => graph.url.replace('/graphql', '');

  it('answers a preflight from a listed origin with 204, without a token, on every browser path', async () => {
    for (const path of ['/graphql', '/graphql/stream', '/exports/time-entries.csv', '/exports/payroll.csv']) {
      const response = await preflight(`${base()}${path}`, portal, path.startsWith('/exports') ? 'GET' : 'POST');
      assert.equal(response.status, 204, path);
      assert.equal(response.headers.get('access-control-allow-origin'), portal);
      assert.match(response.headers.get('access-control-allow-methods')!, /\bGET\b.*\bPOST\b/);
      const allowed = response.headers.get('access-control-allow-headers')!.split(/,\s*/);
      const needed = ['authorization', 'content-type', 'x-correlation-id', 'apollo-require-preflight', 'last-event-id'];
      for (const header of needed) assert.ok(allowed.includes(header), `${header} in ${allowed}`);
      assert.equal(response.headers.get('access-control-max-age'), '600');
      assert.equal(response.headers.get('vary'), 'Origin');
      assert.equal(response.headers.get('access-control-allow-credentials'), null, 'bearer tokens, never cookies');
    }
    assert.equal((await preflight(graph.url, devServer)).headers.get('access-control-allow-origin'), devServer);
  });

  it('refuses a preflight from an unlisted origin with 403 and no CORS headers', async () => {
    for (const origin of [stranger, 'null', `${portal}.evil.example`, 'http://portal.example.com']) {
      const response = await preflight(graph.url, origin);
      assert.equal(response.status, 403, origin);
      assert.deepEqual(corsHeadersOf(response), [], origin);
      assert.equal((await response.json()).errors[0].extensions.code, 'FORBIDDEN');
    }
  });

  it('marks actual responses for a listed origin, including refusals the page must be able to read', async () => {
    const token = await graph.token(['ADMIN']);
    const answered = await postAs(graph.url, portal, {
      authorization: `Bearer ${token}`,
      'x-correlation-id': 'corr-cors',
    });
    assert.equal(answered.status, 200);
    assert.equal(answered.headers.get('access-control-allow-origin'), portal);
    const exposed = answered.headers.get('access-control-expose-headers')!.split(/,\s*/);
    assert.ok(exposed.includes('x-correlation-id') && exposed.includes('retry-after'), String(exposed));
    assert.equal(answered.headers.get('x-correlation-id'), 'corr-cors');
    assert.equal(answered.headers.get('vary'), 'Origin');

    const unauthenticated = await postAs(graph.url, portal);
    assert.equal(unauthenticated.status, 401);
    assert.equal(unauthenticated.headers.get('access-control-allow-origin'), portal);

    const authorized = { origin: portal, authorization: `Bearer ${token}` };
    const exported = await fetch(`${base()}/exports/time-entries.csv`, { headers: authorized });
    assert.equal(exported.status, 200);
    assert.equal(exported.headers.get('access-control-allow-origin'), portal);
    await exported.text();

    const abort = new AbortController();
    const streamed = await fetch(`${base()}/graphql/stream`, {
      method: 'POST',
      headers: { ...authorized, ...json, accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { timeEntryStatusChanged { id } }' }),
      signal: abort.signal,
    });
    assert.equal(streamed.status, 200);
    assert.equal(streamed.headers.get('access-control-allow-origin'), portal);
    abort.abort();
  });

  it('serves an unlisted origin without CORS headers, so its page cannot read the answer', async () => {
    const response = await postAs(graph.url, stranger, { authorization: `Bearer ${await graph.token(['ADMIN'])}` });
    assert.equal(response.status, 200);
    assert.deepEqual(corsHeadersOf(response), []);
  });

  it('adds no CORS headers to health and readiness', async () => {
    assert.deepEqual(corsHeadersOf(await fetch(`${base()}/healthz`, { headers: { origin: portal } })), []);
  });

  it('opens the WebSocket for listed origins, its own and clients without Origin; 403 for others', async () => {
    assert.equal(await upgrade(graph.url, portal), 'open');
    assert.equal(await upgrade(graph.url, devServer), 'open');
    assert.equal(await upgrade(graph.url), 'open');
    assert.equal(await upgrade(graph.url, new URL(graph.url).origin), 'open');
    assert.equal(await upgrade(graph.url, stranger), 403);
    assert.equal(await upgrade(graph.url, 'null'), 403);
  });
});

describe('CORS and Origin without CORS_ORIGINS (same-origin only)', () => {
  let graph: HubHarness;
  before(async () => {
    graph = await startTestHub();
  });
  after(() => graph.close());

  it('refuses every cross-origin preflight and adds no CORS headers', async () => {
    const refused = await preflight(graph.url, portal);
    assert.equal(refused.status, 403);
    assert.deepEqual(corsHeadersOf(refused), []);
    const response = await postAs(graph.url, portal, { authorization: `Bearer ${await graph.token(['ADMIN'])}` });
    assert.equal(response.status, 200);
    assert.deepEqual(corsHeadersOf(response), []);
  });

  it('opens the WebSocket only without Origin or from the gateway’s own origin', async () => {
    assert.equal(await upgrade(graph.url), 'open');
    assert.equal(await upgrade(graph.url, new URL(graph.url).origin), 'open');
    assert.equal(await upgrade(graph.url, portal), 403);
  });
});

describe('CORS_ORIGINS=*', () => {
  let graph: HubHarness;
  before(async () => {
    graph = await startTestHub({ config: loadConfig({ CORS_ORIGINS: '*' }) });
  });
  after(() => graph.close());

  it('allows any origin, with a literal * and never credentials', async () => {
    const response = await preflight(graph.url, stranger);
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    assert.equal(response.headers.get('access-control-allow-credentials'), null);
    assert.equal(await upgrade(graph.url, stranger), 'open');
  });

  it('is refused at start-up when mixed with origins, as are values that are not origins', () => {
    assert.throws(() => loadConfig({ CORS_ORIGINS: `*, ${portal}` }), /CORS_ORIGINS is either \* or a list of origins/);
    for (const value of ['null', 'portal.example.com', `${portal}/app`, 'ftp://files.example.com']) {
      assert.throws(() => loadConfig({ CORS_ORIGINS: value }), /CORS_ORIGINS: ".*" is not an origin/, value);
    }
  });
});
