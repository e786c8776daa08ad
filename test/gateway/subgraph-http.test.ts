import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { subgraphRequestChannel, subgraphTransport } from '../../gateway/subgraph-http.ts';

/**
 * The gateway's transport to the subgraphs (gateway/subgraph-http.ts) answers as fetch would where the data source and
 * the guard look: status, headers, body; a timeout as the signal's TimeoutError; no answer as `fetch failed`.
 */
describe('the subgraph transport', () => {
  let server: Server;
  let base: string;
  const sockets = new Set<unknown>();

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        if (req.url === '/slow') return void setTimeout(() => res.end('{}'), 500);
        // The second request on a connection finds it reset, as a connection the server closed while idle would be.
        if (req.url === '/reset-reused' && (req.socket as { served?: number }).served) return void req.socket.resetAndDestroy();
        if (req.url === '/always-reset') return void req.socket.resetAndDestroy();
        (req.socket as { served?: number }).served = 1;
        if (req.url === '/cut') {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
          res.write('{"data":');
          return void setTimeout(() => res.destroy(), 20);
        }
        res.writeHead(req.url === '/refused' ? 400 : 200, { 'content-type': 'application/json', 'x-seen-socket': String(sockets.size) });
        res.end(JSON.stringify({ method: req.method, body, length: req.headers['content-length'], identity: req.headers['x-test'] }));
      });
    });
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends method, headers and body, and answers with status, headers and the body as text or JSON', async () => {
    const send = subgraphTransport();
    const body = JSON.stringify({ query: '{ ünïcode }' });
    const response = await send(`${base}/graphql`, { method: 'POST', headers: { 'x-test': 'yes' }, body });
    assert.equal(response.status, 200);
    assert.equal(response.ok, true);
    assert.equal(response.headers.get('Content-Type'), 'application/json');
    const copy = response.clone();
    assert.deepEqual(await response.json(), { method: 'POST', body, length: String(Buffer.byteLength(body)), identity: 'yes' });
    assert.equal(response.bodyUsed, true);
    await assert.rejects(response.text(), TypeError);
    assert.match(await copy.text(), /ünïcode/);
    const refused = await send(`${base}/refused`, { method: 'POST', body: '{}' });
    assert.equal(refused.status, 400);
    assert.equal(refused.ok, false);
  });

  it('keeps its connection alive between calls', async () => {
    const send = subgraphTransport();
    const before = sockets.size;
    for (let call = 0; call < 5; call++) await (await send(`${base}/graphql`, { method: 'POST', body: '{}' })).json();
    assert.equal(sockets.size - before, 1);
  });

  it('rejects with the signal’s reason when it times out, and with fetch failed when nothing answers', async () => {
    const send = subgraphTransport();
    await assert.rejects(send(`${base}/slow`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(50) }), { name: 'TimeoutError' });
    await assert.rejects(send(`${base}/cut`, { method: 'POST', body: '{}' }), { name: 'TypeError', message: 'fetch failed' });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(send(`http://127.0.0.1:${port}/graphql`, { method: 'POST', body: '{}' }), (error: Error) => {
      assert.equal(error.message, 'fetch failed');
      assert.match((error.cause as Error).message, /ECONNREFUSED/);
      return true;
    });
  });

  it('sends a request once more on a fresh connection when its kept-alive one turns out closed, and only once', async () => {
    const send = subgraphTransport();
    const before = sockets.size;
    assert.equal((await send(`${base}/reset-reused`, { method: 'POST', body: '{}' })).status, 200);
    assert.equal((await send(`${base}/reset-reused`, { method: 'POST', body: '{}' })).status, 200);
    assert.equal(sockets.size - before, 2, 'the retry went out on a new connection');
    await assert.rejects(send(`${base}/always-reset`, { method: 'POST', body: '{}' }), { message: 'fetch failed' });
  });

  it('reports each request as it leaves, to whoever listens', async () => {
    const seen: unknown[] = [];
    const listener = (message: unknown) => seen.push(message);
    subgraphRequestChannel.subscribe(listener);
    try {
      await (await subgraphTransport()(`${base}/graphql`, { method: 'POST', headers: { 'x-test': 'seen' }, body: '{"a":1}' })).text();
    } finally {
      subgraphRequestChannel.unsubscribe(listener);
    }
    assert.deepEqual(seen, [{ url: `${base}/graphql`, method: 'POST', headers: { 'x-test': 'seen' }, body: '{"a":1}' }]);
  });
});
