import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { signIdentity } from '../../lib/auth/identity.ts';
import { loadConfig } from '../../lib/config.ts';
import { withStatementDeadline } from '../../lib/db/statement-deadline.ts';
import { DependencyUnavailable } from '../../lib/errors.ts';
import { DEADLINE_HEADER } from '../../lib/http/deadline.ts';
import { CircuitBreaker, guardedFetcher } from '../../gateway/subgraph-guard.ts';
import { usingPostgres } from '../support/database.ts';
import { startTestHub, testIdentitySecret, type HubHarness } from '../support/hub-harness.ts';

const subgraphMs = 300;
const cooldownMs = 1_000;
/** crm answers `customers`, hcm answers `worker`: one plan, two subgraphs. */
const mixed = '{ customers(first: 1) { totalCount } worker(id: "nobody") { id } }';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A hung subgraph (SIGSTOP, a stuck event loop): it accepts the connection and never answers. */
function hangable(server: Server) {
  const [answer] = server.listeners('request') as Handler[];
  const state = { hung: false, requests: 0 };
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    state.requests += 1;
    if (!state.hung) answer.call(server, req, res);
  });
  return state;
}

const timed = async <T>(work: () => Promise<T>) => {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
};

const unavailableError = (errors: any[] | undefined) =>
  errors?.find((error) => error.extensions?.code === 'SERVICE_UNAVAILABLE');

describe('subgraph time limits through the gateway', () => {
  let graph: HubHarness;
  let hcm: ReturnType<typeof hangable>;
  before(async () => {
    const config = loadConfig({
      SUBGRAPH_TIMEOUT_MS: String(subgraphMs),
      SUBGRAPH_BREAKER_FAILURES: '3',
      SUBGRAPH_BREAKER_COOLDOWN_MS: String(cooldownMs),
    });
    graph = await startTestHub({ config });
    hcm = hangable(graph.hub.subgraphs.hcm.runtime.httpServer);
  });
  after(() => graph.close());

  it('answers both subgraphs while they answer', async () => {
    const { data, errors } = await graph.query(mixed);
    assert.equal(errors, undefined, JSON.stringify(errors));
    assert.deepEqual(data, { customers: { totalCount: 0 }, worker: null });
  });

  it('a hung subgraph: the client gets the rest within the timeout, and SERVICE_UNAVAILABLE for its fields', async () => {
    hcm.hung = true;
    const { result, ms } = await timed(() => graph.query(mixed));
    assert.ok(ms < subgraphMs + 1_000, `answered after ${Math.round(ms)} ms`);
    assert.deepEqual(result.data, { customers: { totalCount: 0 }, worker: null });
    const error = unavailableError(result.errors);
    assert.ok(error, JSON.stringify(result.errors));
    assert.equal(error.extensions.retryable, true);
    assert.equal(error.extensions.subgraph, 'hcm');
    assert.match(error.message, /hcm did not answer within \d+ ms/);
  });

  it('opens the breaker after 3 failures: the next call fails fast without reaching the subgraph, then closes', async () => {
    // One failure above; two more open it.
    for (let i = 0; i < 2; i++) assert.ok(unavailableError((await graph.query(mixed)).errors));
    const reached = hcm.requests;
    const { result, ms } = await timed(() => graph.query(mixed));
    assert.equal(hcm.requests, reached, 'an open breaker does not call the subgraph');
    assert.ok(ms < subgraphMs, `failed fast, in ${Math.round(ms)} ms`);
    assert.deepEqual(result.data, { customers: { totalCount: 0 }, worker: null });
    const error = unavailableError(result.errors);
    assert.match(error.message, /circuit open/);
    assert.equal(error.extensions.retryable, true);

    // The subgraph is back; after the cool-down one trial call goes through and closes the breaker.
    hcm.hung = false;
    await new Promise((resolve) => setTimeout(resolve, cooldownMs + 50));
    for (let i = 0; i < 2; i++) {
      const { data, errors } = await graph.query(mixed);
      assert.equal(errors, undefined, JSON.stringify(errors));
      assert.deepEqual(data, { customers: { totalCount: 0 }, worker: null });
    }
    assert.equal(hcm.requests, reached + 2);
  });

  it('a subgraph refuses a request whose deadline has passed, without running it', async () => {
    const { url } = graph.hub.subgraphs.hcm;
    const sent = JSON.stringify({ query: '{ worker(id: "nobody") { id } }' });
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signIdentity({ workerId: null, roles: ['ADMIN'] }, testIdentitySecret, { method: 'POST', url, body: sent }),
        [DEADLINE_HEADER]: String(Date.now() - 1),
      },
      body: sent,
    });
    assert.equal(response.status, 503);
    const body = (await response.json()) as { errors: Array<{ extensions: Record<string, unknown> }> };
    assert.deepEqual(body.errors[0].extensions, { code: 'SERVICE_UNAVAILABLE', retryable: true });
  });

  it('on PostgreSQL, SQL run for a request stops at its deadline; background SQL has no limit', { skip: !usingPostgres && 'PG_URL not set' }, async () => {
    const { db } = graph.hub.subgraphs.hcm.database;
    const { ms } = await timed(() =>
      assert.rejects(
        withStatementDeadline(Date.now() + 200, () => sql`select pg_sleep(5)`.execute(db)),
        (error: { code?: string }) => error.code === '57014', // query_canceled: statement timeout
      ),
    );
    assert.ok(ms < 2_000, `cancelled after ${Math.round(ms)} ms`);
    const inRequest = await withStatementDeadline(Date.now() + 30_000, () => sql<{ statement_timeout: string }>`show statement_timeout`.execute(db));
    assert.match(inRequest.rows[0].statement_timeout, /^(29|30)s$|^\d{5}ms$/);
    // Every pooled connection, reserved outside a request, is back to the server's default.
    const outside = await Promise.all(Array.from({ length: 8 }, () => sql<{ statement_timeout: string }>`show statement_timeout`.execute(db)));
    assert.deepEqual(new Set(outside.map((result) => result.rows[0].statement_timeout)), new Set(['0']));
  });
});

describe('the guarded fetcher', () => {
  let server: Server;
  let url: string;
  let requests = 0;
  before(async () => {
    server = createServer(() => void (requests += 1)); // never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('does not call a subgraph once the request deadline has passed', async () => {
    const fetcher = guardedFetcher('late', { subgraphMs: 10_000 });
    const before = requests;
    await assert.rejects(fetcher(url, { method: 'POST', headers: { [DEADLINE_HEADER]: String(Date.now() - 1) } }), DependencyUnavailable);
    assert.equal(requests, before);
  });

  it('waits no longer than the request deadline, even when the subgraph timeout is longer', async () => {
    const fetcher = guardedFetcher('slow', { subgraphMs: 10_000 });
    const { ms } = await timed(() =>
      assert.rejects(
        fetcher(url, { method: 'POST', headers: { [DEADLINE_HEADER]: String(Date.now() + 150) } }),
        (error: DependencyUnavailable) => error.details.retryable === true && /did not answer within/.test(error.message),
      ),
    );
    assert.ok(ms < 1_000, `gave up after ${Math.round(ms)} ms`);
  });

  it('a half-open breaker lets one trial call through and opens again when it fails', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failures: 2, cooldownMs: 100, now: () => now });
    breaker.failed();
    assert.equal(breaker.state, 'closed');
    breaker.failed();
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.tryAcquire(), false);
    now = 100;
    assert.equal(breaker.state, 'half-open');
    assert.equal(breaker.tryAcquire(), true);
    assert.equal(breaker.tryAcquire(), false, 'only one trial call');
    breaker.failed();
    assert.equal(breaker.state, 'open');
    now = 200;
    assert.equal(breaker.tryAcquire(), true);
    breaker.succeeded();
    assert.equal(breaker.state, 'closed');
  });
});
