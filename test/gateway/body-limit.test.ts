import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../lib/config.ts';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

const mebibyte = 1024 * 1024;

/**
 * Sends `total` bytes in 64 KiB chunks without Content-Length (chunked), stopping as soon as an answer arrives: the
 * status, its body and how much was sent by then.
 */
function streamBody(
  url: string,
  headers: Record<string, string>,
  total: number,
): Promise<{ status: number; body: string; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body, sent }));
    });
    req.on('error', (error) => (answered ? undefined : reject(error)));
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const write = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      if (!answered) req.end();
    };
    req.write('{"query":"{ __typename }","variables":{"padding":"');
    write();
  });
}

/** The gateway reads at most GRAPHQL_MAX_BODY_BYTES of a request: larger bodies are a 413, answered at once. */
describe('request body limit at the gateway', () => {
  let graph: HubHarness;
  before(async () => {
    graph = await startTestHub({ config: loadConfig({ GRAPHQL_MAX_BODY_BYTES: String(mebibyte) }) });
  });
  after(() => graph.close());

  const padded = (bytes: number) =>
    JSON.stringify({ query: '{ __typename }', variables: { padding: 'x'.repeat(bytes) } });

  it('answers a 10 MB body with 413 PAYLOAD_TOO_LARGE at once, before authentication', async () => {
    const body = padded(10 * mebibyte);
    const asAdmin: Record<string, string> = { authorization: `Bearer ${await graph.token(['ADMIN'])}` };
    for (const headers of [asAdmin, {}]) {
      const started = performance.now();
      const response = await fetch(graph.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      assert.equal(response.status, 413);
      const [error] = (await response.json()).errors;
      assert.equal(error.extensions.code, 'PAYLOAD_TOO_LARGE');
      assert.equal(error.extensions.limit, mebibyte);
      assert.ok(performance.now() - started < 2000, `answered in ${Math.round(performance.now() - started)} ms`);
    }
  });

  it('stops reading a body sent without Content-Length once it passes the limit', async () => {
    const asAdmin = { authorization: `Bearer ${await graph.token(['ADMIN'])}` };
    const answer = await streamBody(graph.url, asAdmin, 100 * mebibyte);
    assert.equal(answer.status, 413);
    assert.equal(JSON.parse(answer.body).errors[0].extensions.code, 'PAYLOAD_TOO_LARGE');
    assert.ok(answer.sent < 20 * mebibyte, `the client could send ${answer.sent} bytes before the answer`);
  });

  it('serves a body just under the limit', async () => {
    const response = await fetch(graph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await graph.token(['ADMIN'])}` },
      body: padded(mebibyte - 1024),
    });
    assert.equal(response.status, 200);
    assert.deepEqual((await response.json()).data, { __typename: 'Query' });
  });

  it('keeps serving after refusing', async () => {
    const result = await graph.query('{ customers { totalCount } }');
    assert.deepEqual(result.data, { customers: { totalCount: 0 } });
  });
});
